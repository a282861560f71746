//! Secrets by reference.
//!
//! A spec never holds a credential: it holds a [`SecretRef`]: `${env:NAME}`,
//! `${file:path}` (the path relative to the spec), `${ssm:/path}` (an SSM
//! Parameter Store parameter, read with decryption) or
//! `${secretsmanager:name-or-arn}` (a Secrets Manager secret; `#key` picks
//! one key of a JSON secret). Resolving a reference through [`Secrets`] gives
//! a [`SecretValue`], whose `Debug` and `Display` print a mask and which
//! implements neither `Serialize` nor `Clone`-to-string, so that it cannot
//! reach output, logs, plan files or the journal by accident.
//!
//! The model does no I/O with AWS: the references that live in AWS are
//! listed ([`SecretRef::fetch_key`]), read by the provider once per run, and
//! handed back with [`Secrets::insert_fetched`]; a command that never
//! connects reports them as not read.
//!
//! What is stored and compared instead is a [`fingerprint`]: argon2id salted
//! by the stack's identity (and an optional pepper from
//! `RECONCILE_FINGERPRINT_KEY`), so that every machine that plans the same
//! stack computes the same value and a rotation (in a file, a variable, SSM
//! or Secrets Manager) shows as a change.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;

/// Where a secret comes from. Safe to print, store and serialise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretRef {
    /// `${env:NAME}`: the environment variable `NAME`.
    Env(String),
    /// `${file:path}`: a file, relative to the spec's directory unless absolute.
    File(PathBuf),
    /// `${ssm:name}`: an SSM parameter (a name such as `/push/apns/key`, or
    /// its ARN), read with decryption, so a `SecureString` works.
    Ssm(String),
    /// `${secretsmanager:id}` or `${secretsmanager:id#key}`: a Secrets
    /// Manager secret (name or ARN); with `key`, that key of the secret's
    /// JSON object.
    SecretsManager { id: String, key: Option<String> },
}

/// Why a secret reference could not be parsed or resolved.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "`{0}` is not a secret reference; write `${{env:NAME}}`, `${{file:path}}`, `${{ssm:/name}}` or `${{secretsmanager:name[#key]}}`"
    )]
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
    /// A FIFO would block the read and a device (`/dev/zero`) never ends.
    #[error("secret file `{path}` is {kind}, not a regular file")]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error(
        "secret file `{path}` is {size} bytes; a secret may be at most {limit} KiB",
        limit = MAX_SECRET_BYTES / 1024
    )]
    TooLarge { path: PathBuf, size: u64 },
    #[error(
        "environment variable `{name}` holds more than {limit} KiB; a secret may be at most that",
        limit = MAX_SECRET_BYTES / 1024
    )]
    EnvTooLarge { name: String },
    /// Empty or only whitespace: AWS would refuse it at apply.
    #[error("secret file `{0}` is empty (or only whitespace)")]
    EmptyFile(PathBuf),
    #[error("environment variable `{0}` is set but empty (or only whitespace)")]
    EmptyEnv(String),
    /// A reference to AWS that this command did not read (it does not
    /// connect).
    #[error(
        "`{0}` lives in AWS and is read only by the commands that connect (plan, apply, rollback, destroy, status)"
    )]
    NotFetched(SecretRef),
    /// AWS did not give the value; `message` says why, in AWS's words.
    #[error("cannot read `{reference}` from AWS: {message}")]
    Remote {
        reference: SecretRef,
        message: String,
    },
    #[error("`{reference}` holds more than {limit} KiB; a secret may be at most that", limit = MAX_SECRET_BYTES / 1024)]
    RemoteTooLarge { reference: SecretRef },
    #[error("`{0}` is empty (or only whitespace)")]
    RemoteEmpty(SecretRef),
    /// `#key` on a secret that is not a JSON object.
    #[error("`{reference}`: the secret is not a JSON object, so it has no key `{key}`")]
    NotJsonObject { reference: SecretRef, key: String },
    #[error("`{reference}`: the secret's JSON object has no key `{key}` (it has: {keys})")]
    NoSuchKey {
        reference: SecretRef,
        key: String,
        keys: String,
    },
    #[error("`{reference}`: key `{key}` holds {what}, not a string or a number")]
    KeyNotText {
        reference: SecretRef,
        key: String,
        what: &'static str,
    },
}

/// The most a secret may hold. APNs certificates and `.p8` keys and FCM
/// service-account JSON are a few KB; anything larger is the wrong file.
pub const MAX_SECRET_BYTES: u64 = 64 * 1024;

impl SecretRef {
    /// Whether the secret lives in AWS (SSM, Secrets Manager) and must be
    /// fetched by the provider before [`Secrets::resolve`] can give it.
    pub fn is_remote(&self) -> bool {
        match self {
            SecretRef::Env(_) | SecretRef::File(_) => false,
            SecretRef::Ssm(_) | SecretRef::SecretsManager { .. } => true,
        }
    }

    /// What to fetch from AWS for this reference: itself, or for a
    /// `#key` reference the whole secret (one read serves every key of it).
    /// `None` for local references.
    pub fn fetch_key(&self) -> Option<SecretRef> {
        match self {
            SecretRef::Env(_) | SecretRef::File(_) => None,
            SecretRef::Ssm(_) => Some(self.clone()),
            SecretRef::SecretsManager { id, .. } => Some(SecretRef::SecretsManager {
                id: id.clone(),
                key: None,
            }),
        }
    }

    /// Reads a local secret. `base` is the directory of the spec file.
    /// A reference to AWS gives [`SecretError::NotFetched`]: use
    /// [`Secrets::resolve`], which also holds what the provider fetched.
    ///
    /// A file must be a regular file of at most [`MAX_SECRET_BYTES`] (the
    /// type is checked before it is opened, so a FIFO never blocks); a value
    /// that is empty or only whitespace is refused, since AWS would refuse it
    /// only at apply.
    pub fn resolve(&self, base: &Path) -> Result<SecretValue, SecretError> {
        use crate::load::file::{ReadError, read_regular};
        match self {
            SecretRef::Env(name) => {
                let value =
                    std::env::var(name).map_err(|_| SecretError::MissingEnv(name.clone()))?;
                if value.len() as u64 > MAX_SECRET_BYTES {
                    return Err(SecretError::EnvTooLarge { name: name.clone() });
                }
                if value.trim().is_empty() {
                    return Err(SecretError::EmptyEnv(name.clone()));
                }
                Ok(SecretValue(value))
            }
            SecretRef::File(path) => {
                let full = if path.is_absolute() {
                    path.clone()
                } else {
                    base.join(path)
                };
                let bytes = read_regular(&full, MAX_SECRET_BYTES).map_err(|e| match e {
                    ReadError::Io(source) => SecretError::File {
                        path: full.clone(),
                        source,
                    },
                    ReadError::NotRegular(kind) => SecretError::NotRegular {
                        path: full.clone(),
                        kind,
                    },
                    ReadError::TooLarge { size, .. } => SecretError::TooLarge {
                        path: full.clone(),
                        size,
                    },
                })?;
                let text =
                    String::from_utf8(bytes).map_err(|_| SecretError::NotUtf8(full.clone()))?;
                if text.trim().is_empty() {
                    return Err(SecretError::EmptyFile(full));
                }
                Ok(SecretValue(text))
            }
            SecretRef::Ssm(_) | SecretRef::SecretsManager { .. } => {
                Err(SecretError::NotFetched(self.clone()))
            }
        }
    }
}

/// The secrets a run can resolve: local references from the spec's
/// directory and the environment, and what the provider read from AWS for
/// the remote ones. Never serialised; its `Debug` shows no value.
#[derive(Debug)]
pub struct Secrets {
    dir: PathBuf,
    fetched: HashMap<SecretRef, Result<SecretValue, String>>,
}

impl Secrets {
    /// Local references only (`dir` is the spec's directory); a remote one
    /// resolves to [`SecretError::NotFetched`].
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            fetched: HashMap::new(),
        }
    }

    /// The directory `${file:...}` references are relative to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records what AWS answered for `reference` (a [`SecretRef::fetch_key`]):
    /// the value, or why there is none in AWS's words.
    pub fn insert_fetched(&mut self, reference: SecretRef, answer: Result<String, String>) {
        self.fetched.insert(reference, answer.map(SecretValue));
    }

    /// Whether `reference`'s value was fetched (successfully or not).
    pub fn has_fetched(&self, reference: &SecretRef) -> bool {
        reference
            .fetch_key()
            .is_some_and(|k| self.fetched.contains_key(&k))
    }

    /// The secret `reference` names, with the same limits for every source:
    /// at most [`MAX_SECRET_BYTES`], not empty.
    pub fn resolve(&self, reference: &SecretRef) -> Result<SecretValue, SecretError> {
        let Some(fetch_key) = reference.fetch_key() else {
            return reference.resolve(&self.dir);
        };
        let whole = match self.fetched.get(&fetch_key) {
            None => return Err(SecretError::NotFetched(reference.clone())),
            Some(Err(message)) => {
                return Err(SecretError::Remote {
                    reference: reference.clone(),
                    message: message.clone(),
                });
            }
            Some(Ok(value)) => value.expose(),
        };
        let text = match reference {
            SecretRef::SecretsManager { key: Some(key), .. } => json_key(reference, whole, key)?,
            _ => whole.to_owned(),
        };
        if text.len() as u64 > MAX_SECRET_BYTES {
            return Err(SecretError::RemoteTooLarge {
                reference: reference.clone(),
            });
        }
        if text.trim().is_empty() {
            return Err(SecretError::RemoteEmpty(reference.clone()));
        }
        Ok(SecretValue(text))
    }
}

/// `key` of the JSON object `whole` (Secrets Manager's key/value secrets),
/// as text: a string as it is, a number as written.
fn json_key(reference: &SecretRef, whole: &str, key: &str) -> Result<String, SecretError> {
    let not_object = || SecretError::NotJsonObject {
        reference: reference.clone(),
        key: key.to_owned(),
    };
    let value: serde_json::Value = serde_json::from_str(whole).map_err(|_| not_object())?;
    let serde_json::Value::Object(map) = value else {
        return Err(not_object());
    };
    match map.get(key) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err(SecretError::KeyNotText {
            reference: reference.clone(),
            key: key.to_owned(),
            what: match other {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Array(_) => "an array",
                _ => "an object",
            },
        }),
        None => {
            // Key names are not secret; the values are not shown.
            let keys: Vec<String> = map.keys().take(20).map(|k| format!("`{k}`")).collect();
            Err(SecretError::NoSuchKey {
                reference: reference.clone(),
                key: key.to_owned(),
                keys: if keys.is_empty() {
                    "none".to_owned()
                } else {
                    keys.join(", ")
                },
            })
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "${{env:{name}}}"),
            SecretRef::File(path) => write!(f, "${{file:{}}}", path.display()),
            SecretRef::Ssm(name) => write!(f, "${{ssm:{name}}}"),
            SecretRef::SecretsManager { id, key: None } => write!(f, "${{secretsmanager:{id}}}"),
            SecretRef::SecretsManager { id, key: Some(key) } => {
                write!(f, "${{secretsmanager:{id}#{key}}}")
            }
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
            // SSM's name characters, plus `:` for an ARN or a `:version`.
            Some(("ssm", name))
                if !name.is_empty()
                    && name.len() <= 2048
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-/:".contains(c)) =>
            {
                Ok(SecretRef::Ssm(name.to_owned()))
            }
            // Secrets Manager's name characters, plus `:` for an ARN; a name
            // never holds `#`, so the first one starts the key.
            Some(("secretsmanager", rest)) => {
                let (id, key) = match rest.split_once('#') {
                    Some((id, key)) => (id, Some(key)),
                    None => (rest, None),
                };
                let id_ok = !id.is_empty()
                    && id.len() <= 2048
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-:".contains(c));
                let key_ok = key.is_none_or(|k| !k.is_empty() && !k.contains(['{', '}']));
                if id_ok && key_ok {
                    Ok(SecretRef::SecretsManager {
                        id: id.to_owned(),
                        key: key.map(str::to_owned),
                    })
                } else {
                    Err(SecretError::Syntax(s.to_owned()))
                }
            }
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
            "pattern": r"^\$\{(env:[A-Za-z0-9_]+|file:.+|ssm:[A-Za-z0-9_.\-/:]+|secretsmanager:[A-Za-z0-9/_+=.@\-:]+(#[^{}]+)?)\}$",
            "description": "A secret by reference: `${env:NAME}`, `${file:path}` (relative to the spec), `${ssm:/name}` (an SSM parameter, SecureString decrypted) or `${secretsmanager:name-or-arn}` (`#key` for one key of a JSON secret). Never the secret itself."
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

/// The cost of a fingerprint: argon2id with 19 MiB of memory and two
/// passes (OWASP's minimum for password storage), one lane.
const FINGERPRINT_MEMORY_KIB: u32 = 19 * 1024;
const FINGERPRINT_PASSES: u32 = 2;

/// A fingerprint of write-only values, so that a plan can tell "changed"
/// from "unchanged" without AWS ever returning them: argon2id over the
/// `(field, value)` pairs in order, salted with the stack name, keyed with
/// the pepper in `RECONCILE_FINGERPRINT_KEY` when set; 32 hex digits. Equal
/// inputs give equal fingerprints on every machine (a CI runner sees what
/// a laptop saw); the value cannot be recovered from it.
///
/// Threat model (also in `specs/README.md`): fingerprints are stored in the
/// app's tags and in saved plans (CI artifacts), so anyone who can read
/// either can test guesses offline. Argon2id makes each guess cost 19 MiB
/// and tens of milliseconds instead of the nanoseconds of a plain HMAC; a
/// pepper kept in the CI's secrets (and not in the artifact) makes guessing
/// impossible without it. Credentials with real entropy (keys, certificates,
/// service accounts) are out of reach either way; the pepper matters for
/// short ones.
pub fn fingerprint<'a>(
    stack: &str,
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    use argon2::{Algorithm, Argon2, Params, Version};
    use sha2::Digest;

    let pepper = std::env::var(FINGERPRINT_KEY_ENV).unwrap_or_default();
    let mut input = Vec::new();
    for (name, value) in fields {
        input.extend_from_slice(&(name.len() as u64).to_be_bytes());
        input.extend_from_slice(name.as_bytes());
        input.extend_from_slice(&(value.len() as u64).to_be_bytes());
        input.extend_from_slice(value.as_bytes());
    }
    // A per-stack salt of fixed length, whatever the stack's name.
    let salt = Sha256::digest(format!("reconcile/fingerprint/v2\0{stack}").as_bytes());
    let params = Params::new(FINGERPRINT_MEMORY_KIB, FINGERPRINT_PASSES, 1, Some(16))
        .expect("the fingerprint's argon2 parameters are valid");
    let argon = if pepper.is_empty() {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    } else {
        Argon2::new_with_secret(
            pepper.as_bytes(),
            Algorithm::Argon2id,
            Version::V0x13,
            params,
        )
        .expect("argon2 takes a pepper of any length up to 4 GiB")
    };
    let mut out = [0u8; 16];
    argon
        .hash_password_into(&input, &salt, &mut out)
        .expect("argon2 takes any input with a 32-byte salt");
    hex::encode(out)
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
    fn resolve_refuses_what_is_not_a_small_non_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str| SecretRef::File(PathBuf::from(name));
        std::fs::write(dir.path().join("key.txt"), "AAAA\n").unwrap();
        std::fs::write(dir.path().join("empty.txt"), " \n\t\n").unwrap();
        std::fs::write(dir.path().join("big.txt"), vec![b'a'; 64 * 1024 + 1]).unwrap();
        let resolve = |r: SecretRef| r.resolve(dir.path());
        assert_eq!(resolve(file("key.txt")).unwrap().expose(), "AAAA\n");
        assert!(matches!(
            resolve(file("empty.txt")),
            Err(SecretError::EmptyFile(_))
        ));
        let err = resolve(file("big.txt")).unwrap_err();
        assert!(
            matches!(err, SecretError::TooLarge { size: 65537, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("at most 64 KiB"), "{err}");
        let err = resolve(file(".")).unwrap_err();
        assert!(
            err.to_string()
                .contains("is a directory, not a regular file"),
            "{err}"
        );
        #[cfg(unix)]
        {
            let err = resolve(file("/dev/zero")).unwrap_err();
            assert!(err.to_string().contains("is a character device"), "{err}");
        }
    }

    #[test]
    fn aws_references_parse_and_print() {
        for text in [
            "${ssm:/push/apns/key}",
            "${ssm:push-key}",
            "${ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/push/key}",
            "${secretsmanager:push/fcm}",
            "${secretsmanager:push/fcm#service_json}",
            "${secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:push-AbCdEf#key}",
        ] {
            let r: SecretRef = text.parse().unwrap();
            assert!(r.is_remote(), "{text}");
            assert_eq!(r.to_string(), text);
        }
        let r: SecretRef = "${secretsmanager:push/fcm#service_json}".parse().unwrap();
        assert_eq!(
            r,
            SecretRef::SecretsManager {
                id: "push/fcm".into(),
                key: Some("service_json".into())
            }
        );
        assert_eq!(
            r.fetch_key().unwrap().to_string(),
            "${secretsmanager:push/fcm}"
        );
        for bad in [
            "${ssm:}",
            "${ssm:a b}",
            "${ssm:a$b}",
            "${secretsmanager:}",
            "${secretsmanager:x#}",
            "${secretsmanager:#k}",
            "${secretsmanager:a b}",
        ] {
            assert!(bad.parse::<SecretRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn remote_secrets_resolve_from_what_was_fetched() {
        let ssm: SecretRef = "${ssm:/push/key}".parse().unwrap();
        let whole: SecretRef = "${secretsmanager:push}".parse().unwrap();
        let key: SecretRef = "${secretsmanager:push#api_key}".parse().unwrap();
        let number: SecretRef = "${secretsmanager:push#port}".parse().unwrap();
        let missing: SecretRef = "${secretsmanager:push#nope}".parse().unwrap();
        let nested: SecretRef = "${secretsmanager:push#nested}".parse().unwrap();
        let mut secrets = Secrets::local("/nowhere");
        assert!(matches!(
            secrets.resolve(&ssm),
            Err(SecretError::NotFetched(_))
        ));
        secrets.insert_fetched(ssm.clone(), Ok("s3cr3t".into()));
        secrets.insert_fetched(
            whole.clone(),
            Ok(r#"{"api_key":"k-123","port":443,"nested":{"a":1}}"#.into()),
        );
        assert_eq!(secrets.resolve(&ssm).unwrap().expose(), "s3cr3t");
        assert_eq!(secrets.resolve(&key).unwrap().expose(), "k-123");
        assert_eq!(secrets.resolve(&number).unwrap().expose(), "443");
        let err = secrets.resolve(&missing).unwrap_err().to_string();
        assert!(err.contains("no key `nope`"), "{err}");
        assert!(err.contains("`api_key`"), "{err}");
        assert!(!err.contains("k-123"), "a key's value leaked: {err}");
        let err = secrets.resolve(&nested).unwrap_err().to_string();
        assert!(err.contains("an object"), "{err}");
        let failed: SecretRef = "${ssm:/gone}".parse().unwrap();
        secrets.insert_fetched(failed.clone(), Err("ParameterNotFound".into()));
        let err = secrets.resolve(&failed).unwrap_err().to_string();
        assert!(err.contains("ParameterNotFound"), "{err}");
        let blank: SecretRef = "${ssm:/blank}".parse().unwrap();
        secrets.insert_fetched(blank.clone(), Ok("  \n".into()));
        assert!(matches!(
            secrets.resolve(&blank),
            Err(SecretError::RemoteEmpty(_))
        ));
        assert!(!format!("{secrets:?}").contains("s3cr3t"));
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

    #[test]
    fn a_fingerprint_is_argon2id_salted_by_the_stack() {
        // The known answer pins the construction (a change to it changes
        // every stack's fingerprints: each channel is written once again).
        // Checked against an independent implementation, argon2-cffi:
        // hash_secret_raw(u64be(7) "api_key" u64be(3) "one",
        // sha256("reconcile/fingerprint/v2\0flash-sale"), time_cost=2,
        // memory_cost=19456, parallelism=1, hash_len=16, type=ID).
        assert_eq!(
            fingerprint("flash-sale", [("api_key", "one")]),
            "22cc462ad4b0a9d79231bace4e46ed7e"
        );
        // Field boundaries count: ("ab","c") is not ("a","bc").
        assert_ne!(
            fingerprint("s", [("ab", "c")]),
            fingerprint("s", [("a", "bc")])
        );
    }
}
