//! Secrets by reference.
//!
//! A spec never holds a credential: it holds a [`SecretRef`] (`${env:NAME}`
//! or `${file:path}`, the path relative to the spec). Resolving a reference
//! gives a [`SecretValue`], whose `Debug` and `Display` print a mask and which
//! implements neither `Serialize` nor `Clone`-to-string, so that it cannot reach
//! output, logs, plan files or the journal by accident.
//!
//! What is stored and compared instead is a [`fingerprint`]: an HMAC-SHA256
//! keyed by the stack's identity (and an optional pepper from
//! `RECONCILE_FINGERPRINT_KEY`), so that every machine that plans the same
//! stack computes the same value and a rotation shows as a change.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;

/// Where a secret comes from. Safe to print, store and serialise.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretRef {
    /// `${env:NAME}`: the environment variable `NAME`.
    Env(String),
    /// `${file:path}`: a file, relative to the spec's directory unless absolute.
    File(PathBuf),
}

/// Why a secret reference could not be parsed or resolved.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("`{0}` is not a secret reference; write `${{env:NAME}}` or `${{file:path}}`")]
    Syntax(String),
    #[error("environment variable `{0}` is not set")]
    MissingEnv(String),
    #[error("cannot read secret file `{path}`: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("secret file `{0}` is not UTF-8 text")]
    NotUtf8(PathBuf),
}

impl SecretRef {
    /// Reads the secret. `base` is the directory of the spec file.
    pub fn resolve(&self, base: &Path) -> Result<SecretValue, SecretError> {
        match self {
            SecretRef::Env(name) => std::env::var(name)
                .map(SecretValue)
                .map_err(|_| SecretError::MissingEnv(name.clone())),
            SecretRef::File(path) => {
                let full = if path.is_absolute() {
                    path.clone()
                } else {
                    base.join(path)
                };
                let bytes = std::fs::read(&full).map_err(|source| SecretError::File {
                    path: full.clone(),
                    source,
                })?;
                String::from_utf8(bytes)
                    .map(SecretValue)
                    .map_err(|_| SecretError::NotUtf8(full))
            }
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "${{env:{name}}}"),
            SecretRef::File(path) => write!(f, "${{file:{}}}", path.display()),
        }
    }
}

impl FromStr for SecretRef {
    type Err = SecretError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let inner = s
            .trim()
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .ok_or_else(|| SecretError::Syntax(s.to_owned()))?;
        match inner.split_once(':') {
            Some(("env", name))
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                Ok(SecretRef::Env(name.to_owned()))
            }
            Some(("file", path)) if !path.is_empty() => Ok(SecretRef::File(PathBuf::from(path))),
            _ => Err(SecretError::Syntax(s.to_owned())),
        }
    }
}

impl Serialize for SecretRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for SecretRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SecretRef".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": r"^\$\{(env:[A-Za-z0-9_]+|file:.+)\}$",
            "description": "A secret by reference: `${env:NAME}` or `${file:path}` (relative to the spec). Never the secret itself."
        })
    }
}

/// A resolved secret. Prints as `(sensitive)`; cannot be serialised.
pub struct SecretValue(String);

impl SecretValue {
    /// The secret itself, for the one place that sends it to AWS.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(sensitive)")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

/// The environment variable holding an optional pepper for fingerprints.
pub const FINGERPRINT_KEY_ENV: &str = "RECONCILE_FINGERPRINT_KEY";

/// A keyed hash of write-only values: HMAC-SHA256 keyed by the stack name (and
/// the pepper in `RECONCILE_FINGERPRINT_KEY` when set), over the `(field,
/// value)` pairs in order; 32 hex digits. Equal inputs give equal fingerprints
/// on every machine; the value cannot be recovered from it.
pub fn fingerprint<'a>(
    stack: &str,
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let pepper = std::env::var(FINGERPRINT_KEY_ENV).unwrap_or_default();
    let key = format!("reconcile/fingerprint/v1\0{stack}\0{pepper}");
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    for (name, value) in fields {
        mac.update(&(name.len() as u64).to_be_bytes());
        mac.update(name.as_bytes());
        mac.update(&(value.len() as u64).to_be_bytes());
        mac.update(value.as_bytes());
    }
    hex::encode(&mac.finalize().into_bytes()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_and_print() {
        let r: SecretRef = "${env:FCM_KEY}".parse().unwrap();
        assert_eq!(r, SecretRef::Env("FCM_KEY".into()));
        assert_eq!(r.to_string(), "${env:FCM_KEY}");
        let f: SecretRef = "${file:keys/apns.p8}".parse().unwrap();
        assert_eq!(f.to_string(), "${file:keys/apns.p8}");
        assert!("plain-secret".parse::<SecretRef>().is_err());
        assert!("${vault:x}".parse::<SecretRef>().is_err());
    }

    #[test]
    fn secret_values_never_print() {
        let v = SecretValue("hunter2".into());
        assert!(!format!("{v:?}").contains("hunter2"));
        assert!(!format!("{v}").contains("hunter2"));
    }

    #[test]
    fn fingerprints_change_with_the_secret_and_the_stack() {
        let a = fingerprint("s", [("api_key", "one")]);
        assert_eq!(a, fingerprint("s", [("api_key", "one")]));
        assert_ne!(a, fingerprint("s", [("api_key", "two")]));
        assert_ne!(a, fingerprint("t", [("api_key", "one")]));
        assert!(!a.contains("one"));
        assert_eq!(a.len(), 32);
    }
}
