//! Secret references that live in AWS: `${ssm:...}` through SSM's
//! `GetParameter` (with decryption, so a `SecureString` reads as its value)
//! and `${secretsmanager:...}` through Secrets Manager's `GetSecretValue`.
//!
//! Each secret is read once per run, before anything is planned, and kept
//! in the provider's [`Secrets`] (whose values print as a mask); what AWS
//! answered instead of a value (not found, access denied) is kept too, and
//! reported at the field of the spec that refers to it. No value is logged:
//! only the reference and AWS's error are.

use futures_util::StreamExt;
use reconcile_model::{SecretRef, Secrets};

use crate::errors::classify;
use crate::provider::AwsProvider;

/// How many secrets are read at once: a spec refers to a handful, and
/// SSM's `GetParameter` quota (40/s by default) is shared with the account.
const IN_FLIGHT: usize = 4;

impl AwsProvider {
    /// Reads every reference of `references` that lives in AWS (each a
    /// [`SecretRef::fetch_key`]) and records the answers in the provider's
    /// secrets, where [`AwsProvider::secrets`] and the apply find them.
    pub async fn fetch_secrets(&self, references: &[SecretRef]) {
        let wanted: Vec<SecretRef> = references
            .iter()
            .filter_map(SecretRef::fetch_key)
            .filter(|r| !self.secrets().has_fetched(r))
            .collect();
        let answers: Vec<(SecretRef, Result<String, String>)> = futures_util::stream::iter(wanted)
            .map(|reference| async move {
                let answer = self.fetch_one(&reference).await;
                (reference, answer)
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let mut secrets = self
            .secrets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (reference, answer) in answers {
            match &answer {
                Ok(_) => tracing::debug!("read {reference}"),
                Err(why) => tracing::debug!("cannot read {reference}: {why}"),
            }
            secrets.insert_fetched(reference, answer);
        }
    }

    /// The secrets this provider resolves write-only values with: the
    /// spec's directory and environment, and what [`fetch_secrets`] read.
    ///
    /// [`fetch_secrets`]: AwsProvider::fetch_secrets
    pub fn secrets(&self) -> std::sync::RwLockReadGuard<'_, Secrets> {
        self.secrets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn fetch_one(&self, reference: &SecretRef) -> Result<String, String> {
        let region = &self.clients.region;
        match reference {
            SecretRef::Ssm(name) => {
                let out = self
                    .clients
                    .ssm
                    .get_parameter()
                    .name(name)
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|e| {
                        let c = classify("GetParameter", e);
                        match c.code.as_deref() {
                            Some("ParameterNotFound") => format!(
                                "SSM has no parameter `{name}` in region {region} (ParameterNotFound)"
                            ),
                            Some(code) => format!("SSM GetParameter: {code}: {}", c.message),
                            None => c.message,
                        }
                    })?;
                out.parameter
                    .and_then(|p| p.value)
                    .ok_or_else(|| format!("SSM returned parameter `{name}` without a value"))
            }
            SecretRef::SecretsManager { id, .. } => {
                let out = self
                    .clients
                    .secretsmanager
                    .get_secret_value()
                    .secret_id(id)
                    .send()
                    .await
                    .map_err(|e| {
                        let c = classify("GetSecretValue", e);
                        match c.code.as_deref() {
                            Some("ResourceNotFoundException") => format!(
                                "Secrets Manager has no secret `{id}` in region {region} (ResourceNotFoundException)"
                            ),
                            Some(code) => {
                                format!("Secrets Manager GetSecretValue: {code}: {}", c.message)
                            }
                            None => c.message,
                        }
                    })?;
                if let Some(text) = out.secret_string {
                    Ok(text)
                } else if let Some(blob) = out.secret_binary {
                    String::from_utf8(blob.into_inner()).map_err(|_| {
                        format!("secret `{id}` is binary, not UTF-8 text (a credential is text: PEM, JSON or a key)")
                    })
                } else {
                    Err(format!(
                        "Secrets Manager returned secret `{id}` without a value"
                    ))
                }
            }
            SecretRef::Env(_) | SecretRef::File(_) => {
                Err(format!("`{reference}` is not read from AWS"))
            }
        }
    }
}
