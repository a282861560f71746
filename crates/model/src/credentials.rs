//! Push credential health: pure checks over a spec's channel credentials.
//!
//! AWS stores APNs and FCM credentials without looking at them closely: a
//! certificate that expires next week, a private key from another
//! certificate or a sandbox certificate on the production channel are
//! accepted by `Update*Channel` and fail only when a push is sent. [`check`]
//! reads the secrets a spec refers to (resolving each [`SecretRef`] relative
//! to the spec's directory, as [`Spec::resources`] does) and reports what it
//! finds, before anything reaches AWS. It never talks to Apple, Google or
//! AWS, and takes `now` as an argument, so its answer depends on the files
//! and the clock given, nothing else.
//!
//! A reference that does not resolve is skipped without a finding:
//! [`LoadedSpec::resources`](crate::LoadedSpec::resources) reports it, with a
//! location.
//!
//! # The checks
//!
//! | check | level | field | when |
//! |---|---|---|---|
//! | [`NotACertificate`](Check::NotACertificate) | problem | `channels.<apns*>.certificate` | no PEM `CERTIFICATE` block, or it is not X.509 |
//! | [`Expired`](Check::Expired) | problem | `channels.<apns*>.certificate` | `not_after` is before `now` |
//! | [`ExpiresSoon`](Check::ExpiresSoon) | warning | `channels.<apns*>.certificate` | `not_after` is within `warn_within` of `now` |
//! | [`DevelopmentCertOnProduction`](Check::DevelopmentCertOnProduction) | problem | `channels.<apns\|apns_voip>.certificate` | a development-only certificate on a production channel |
//! | [`ProductionCertOnSandbox`](Check::ProductionCertOnSandbox) | problem | `channels.<apns_sandbox\|apns_voip_sandbox>.certificate` | a production-only certificate on a sandbox channel |
//! | [`NotAPrivateKey`](Check::NotAPrivateKey) | problem | `channels.<apns*>.private_key` | no PEM private key block, an encrypted one, or one that does not parse |
//! | [`KeyMismatch`](Check::KeyMismatch) | problem | `channels.<apns*>.private_key` | the key's public half is not the certificate's (RSA modulus, P-256 point, or the algorithm) |
//! | [`TokenKeyNotP256`](Check::TokenKeyNotP256) | problem | `channels.<apns*>.token_key` | not a PKCS#8 P-256 private key (Apple's `.p8`) |
//! | [`ServiceJsonIncomplete`](Check::ServiceJsonIncomplete) | problem | `channels.gcm.service_json` | not JSON, `type` is not `service_account`, `project_id` or `client_email` missing, `private_key` not a PEM RSA private key |
//! | [`LegacyFcmServerKey`](Check::LegacyFcmServerKey) | warning | `channels.gcm.api_key` | present: Google shut the legacy FCM API down on 2024-07-22 |
//!
//! `<apns*>` is each of `apns`, `apns_sandbox`, `apns_voip` and
//! `apns_voip_sandbox`. ADM and Baidu credentials are opaque strings and are
//! not checked.
//!
//! The APNs environment of a certificate comes from Apple's extensions
//! `1.2.840.113635.100.6.3.1` (development, i.e. sandbox) and
//! `1.2.840.113635.100.6.3.2` (production); a universal certificate
//! ("Apple Push Services: ...") carries both. A certificate with neither
//! extension falls back on its common name ("Apple Development IOS Push
//! Services:", "Apple Production IOS Push Services:", "Apple Push
//! Services:"); with neither marker it gets no environment finding.
//!
//! # What never leaves this module
//!
//! A [`Finding`]'s message and hint name fields, subjects, dates, PEM labels
//! and the non-secret members `type` and `project_id` of a service account;
//! never PEM text, key material or any other member's value.
//!
//! The APNs certificates that parse are also listed in
//! [`Health::certificates`], for `status` to show their subjects and expiry
//! dates.

use pkcs8::ObjectIdentifier;
use serde::Serialize;
use time::{Duration, OffsetDateTime, UtcOffset};
use x509_parser::certificate::X509Certificate;
use x509_parser::pem::Pem;
use x509_parser::public_key::PublicKey as CertPublicKey;

use crate::secret::{SecretRef, SecretValue, Secrets};
use crate::spec::{ApnsChannel, ChannelKey, GcmChannel, Spec};
use crate::{Address, Kind};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Works today, but soon will not, or relies on something retired.
    Warning,
    /// Will not work: pushes through this channel fail.
    Problem,
}

/// What was found. Each check has one [`Level`] ([`Check::level`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The APNs certificate's `not_after` is in the past.
    Expired,
    /// The APNs certificate expires within the warning window.
    ExpiresSoon,
    /// The APNs private key is not the certificate's.
    KeyMismatch,
    /// A development (sandbox-only) certificate on `apns` or `apns_voip`.
    DevelopmentCertOnProduction,
    /// A production-only certificate on `apns_sandbox` or `apns_voip_sandbox`.
    ProductionCertOnSandbox,
    /// `certificate` holds no X.509 certificate in PEM.
    NotACertificate,
    /// `private_key` holds no usable (unencrypted, parseable) PEM private key.
    NotAPrivateKey,
    /// `token_key` is not a PKCS#8 P-256 private key.
    TokenKeyNotP256,
    /// `service_json` is not a complete service account JSON.
    ServiceJsonIncomplete,
    /// `api_key`: the legacy FCM server key, retired by Google.
    LegacyFcmServerKey,
}

impl Check {
    /// The level every finding of this check has.
    pub fn level(self) -> Level {
        match self {
            Check::ExpiresSoon | Check::LegacyFcmServerKey => Level::Warning,
            Check::Expired
            | Check::KeyMismatch
            | Check::DevelopmentCertOnProduction
            | Check::ProductionCertOnSandbox
            | Check::NotACertificate
            | Check::NotAPrivateKey
            | Check::TokenKeyNotP256
            | Check::ServiceJsonIncomplete => Level::Problem,
        }
    }

    /// The snake_case name, as serialised (`expires_soon`).
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Expired => "expired",
            Check::ExpiresSoon => "expires_soon",
            Check::KeyMismatch => "key_mismatch",
            Check::DevelopmentCertOnProduction => "development_cert_on_production",
            Check::ProductionCertOnSandbox => "production_cert_on_sandbox",
            Check::NotACertificate => "not_a_certificate",
            Check::NotAPrivateKey => "not_a_private_key",
            Check::TokenKeyNotP256 => "token_key_not_p256",
            Check::ServiceJsonIncomplete => "service_json_incomplete",
            Check::LegacyFcmServerKey => "legacy_fcm_server_key",
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which APNs environments a certificate may connect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApnsEnvironment {
    /// Development only (Apple's sandbox gateway).
    Development,
    /// Production only.
    Production,
    /// Both ("Apple Push Services" certificates).
    Universal,
}

/// One thing wrong, or about to be, with one credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The channel: `channel.apns`, `channel.gcm`, ...
    pub address: Address,
    /// The spec path of the field that holds the credential
    /// (`channels.apns.certificate`).
    pub path: String,
    /// Always `check.level()`; here so that renderers need not ask.
    pub level: Level,
    pub check: Check,
    /// One human sentence. Never contains secret text: it names fields,
    /// certificate subjects, dates and PEM labels only.
    pub message: String,
    /// What to do about it, when there is an obvious fix. Never contains
    /// secret text either.
    pub hint: Option<String>,
}

/// An APNs certificate that parsed, for `status` to list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// The channel: `channel.apns`, `channel.apns_sandbox`, ...
    pub address: Address,
    /// The spec path of its field (`channels.apns.certificate`).
    pub path: String,
    /// The subject's common name (`Apple Push Services: com.example.app`),
    /// or the whole subject when it has none.
    pub subject: String,
    /// The end of the validity period.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// The environments it is marked for; `None` when it carries no marker.
    pub environment: Option<ApnsEnvironment>,
}

/// What [`check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    /// Sorted by address, then path; findings on one field keep the order of
    /// the table in the module docs.
    pub findings: Vec<Finding>,
    /// Every APNs certificate that parsed, sorted by address.
    pub certificates: Vec<Certificate>,
}

impl Health {
    /// True when some finding is a [`Level::Problem`].
    pub fn has_problems(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Problem)
    }
}

/// Checks every channel credential of `spec`, read through `secrets` (a
/// reference that does not resolve is skipped: it is reported elsewhere,
/// at its field); a certificate is expired when its `not_after` is before
/// `now`, and expires soon when it is at most `warn_within` after `now`.
pub fn check(spec: &Spec, secrets: &Secrets, now: OffsetDateTime, warn_within: Duration) -> Health {
    let mut checker = Checker {
        secrets,
        now,
        warn_within,
        health: Health::default(),
    };
    let ch = &spec.channels;
    for (key, channel) in [
        (ChannelKey::Apns, &ch.apns),
        (ChannelKey::ApnsSandbox, &ch.apns_sandbox),
        (ChannelKey::ApnsVoip, &ch.apns_voip),
        (ChannelKey::ApnsVoipSandbox, &ch.apns_voip_sandbox),
    ] {
        if let Some(channel) = channel {
            checker.apns(key, channel);
        }
    }
    if let Some(channel) = &ch.gcm {
        checker.gcm(channel);
    }
    // ADM and Baidu credentials are opaque strings: nothing to check.
    let mut health = checker.health;
    health
        .findings
        .sort_by(|a, b| (&a.address, &a.path).cmp(&(&b.address, &b.path)));
    health
        .certificates
        .sort_by(|a, b| (&a.address, &a.path).cmp(&(&b.address, &b.path)));
    health
}

/// Where a finding lands: a channel and one of its fields.
struct Field {
    address: Address,
    path: String,
}

impl Field {
    fn new(key: ChannelKey, field: &str) -> Self {
        Field {
            address: Address::new(Kind::Channel, key.as_str()),
            path: format!("channels.{key}.{field}"),
        }
    }
}

struct Checker<'a> {
    secrets: &'a Secrets,
    now: OffsetDateTime,
    warn_within: Duration,
    health: Health,
}

impl Checker<'_> {
    fn report(&mut self, at: &Field, check: Check, message: String, hint: Option<&str>) {
        self.health.findings.push(Finding {
            address: at.address.clone(),
            path: at.path.clone(),
            level: check.level(),
            check,
            message,
            hint: hint.map(str::to_owned),
        });
    }

    /// The secret, or `None` when the reference does not resolve (reported
    /// elsewhere, with a location).
    fn resolve(&self, reference: Option<&SecretRef>) -> Option<SecretValue> {
        self.secrets.resolve(reference?).ok()
    }

    fn apns(&mut self, key: ChannelKey, channel: &ApnsChannel) {
        let cert_field = Field::new(key, "certificate");
        let certificate = self
            .resolve(channel.certificate.as_ref())
            .and_then(|secret| self.apns_certificate(key, &cert_field, &secret));
        let key_field = Field::new(key, "private_key");
        if let Some(secret) = self.resolve(channel.private_key.as_ref()) {
            self.apns_private_key(&key_field, &secret, certificate.as_ref());
        }
        if let Some(secret) = self.resolve(channel.token_key.as_ref()) {
            self.apns_token_key(&Field::new(key, "token_key"), &secret);
        }
    }

    /// Parses the certificate and runs the checks on it alone (validity,
    /// environment). Returns what the private key check needs.
    fn apns_certificate(
        &mut self,
        key: ChannelKey,
        at: &Field,
        secret: &SecretValue,
    ) -> Option<ParsedCertificate> {
        let parsed = match ParsedCertificate::from_pem(secret.expose()) {
            Ok(parsed) => parsed,
            Err(why) => {
                self.report(
                    at,
                    Check::NotACertificate,
                    format!("`{}` {why}", at.path),
                    Some(
                        "Pinpoint wants the APNs certificate as PEM text (a `CERTIFICATE` block); convert a .p12 export with `openssl pkcs12 -in cert.p12 -clcerts -nokeys -out cert.pem`",
                    ),
                );
                return None;
            }
        };
        self.validity(at, &parsed);
        self.environment(key, at, &parsed);
        self.health.certificates.push(Certificate {
            address: at.address.clone(),
            path: at.path.clone(),
            subject: parsed.subject.clone(),
            not_after: parsed.not_after,
            environment: parsed.environment,
        });
        Some(parsed)
    }

    fn validity(&mut self, at: &Field, cert: &ParsedCertificate) {
        let subject = &cert.subject;
        let date = cert.not_after.to_offset(UtcOffset::UTC).date();
        let left = cert.not_after - self.now;
        if left.is_negative() {
            self.report(
                at,
                Check::Expired,
                format!(
                    "the certificate `{subject}` expired on {date} ({} ago)",
                    days(-left)
                ),
                Some(
                    "APNs refuses expired certificates: create a new one in the Apple Developer portal, or switch to token authentication (`token_key`), which does not expire",
                ),
            );
        } else if left <= self.warn_within {
            self.report(
                at,
                Check::ExpiresSoon,
                format!(
                    "the certificate `{subject}` expires on {date}, in {}",
                    days(left)
                ),
                Some(
                    "renew it in the Apple Developer portal and point `certificate` and `private_key` at the new files, or switch to token authentication (`token_key`), which does not expire",
                ),
            );
        }
    }

    fn environment(&mut self, key: ChannelKey, at: &Field, cert: &ParsedCertificate) {
        let (Some(gateway), Some(environment)) = (Gateway::of(key), cert.environment) else {
            return;
        };
        let subject = &cert.subject;
        match (environment, gateway) {
            (ApnsEnvironment::Development, Gateway::Production) => {
                let sandbox = format!("{key}_sandbox");
                self.report(
                    at,
                    Check::DevelopmentCertOnProduction,
                    format!(
                        "the certificate `{subject}` is a development (sandbox) certificate, but `{key}` sends through APNs production"
                    ),
                    Some(&format!(
                        "move it to `channels.{sandbox}`, or use a production or universal (\"Apple Push Services\") certificate here"
                    )),
                );
            }
            (ApnsEnvironment::Production, Gateway::Sandbox) => {
                let production = key.as_str().trim_end_matches("_sandbox");
                self.report(
                    at,
                    Check::ProductionCertOnSandbox,
                    format!(
                        "the certificate `{subject}` is a production-only certificate, but `{key}` sends through the APNs sandbox"
                    ),
                    Some(&format!(
                        "move it to `channels.{production}`, or use a development or universal (\"Apple Push Services\") certificate here"
                    )),
                );
            }
            (ApnsEnvironment::Development, Gateway::Sandbox)
            | (ApnsEnvironment::Production, Gateway::Production)
            | (ApnsEnvironment::Universal, Gateway::Production | Gateway::Sandbox) => {}
        }
    }

    fn apns_private_key(
        &mut self,
        at: &Field,
        secret: &SecretValue,
        certificate: Option<&ParsedCertificate>,
    ) {
        let key = match PrivateKey::from_pem(secret.expose()) {
            Ok(key) => key,
            Err(why) => {
                self.report(
                    at,
                    Check::NotAPrivateKey,
                    format!("`{}` {why}", at.path),
                    Some(
                        "export the certificate's key unencrypted as PEM, e.g. `openssl pkcs12 -in cert.p12 -nocerts -nodes -out key.pem`",
                    ),
                );
                return;
            }
        };
        let Some(cert) = certificate else { return };
        let differs = match (&cert.public_key, &key.public) {
            (KeyPublic::Rsa { modulus: a }, KeyPublic::Rsa { modulus: b }) => {
                (a != b).then_some("its RSA modulus is not the certificate's".to_owned())
            }
            (KeyPublic::P256(a), KeyPublic::P256(b)) => {
                (a != b).then_some("its P-256 public point is not the certificate's".to_owned())
            }
            // A kind this module cannot compare: say nothing rather than guess.
            (KeyPublic::Other(_), _) | (_, KeyPublic::Other(_)) => None,
            (cert_key @ (KeyPublic::Rsa { .. } | KeyPublic::P256(_)), own) => Some(format!(
                "the certificate has {} and this is {}",
                cert_key.describe(),
                own.describe()
            )),
        };
        if let Some(why) = differs {
            self.report(
                at,
                Check::KeyMismatch,
                format!(
                    "the private key does not belong to the certificate `{}`: {why}",
                    cert.subject
                ),
                Some(
                    "export the certificate and its key from the same Keychain entry (.p12): `openssl pkcs12 -in cert.p12 -nocerts -nodes -out key.pem`",
                ),
            );
        }
    }

    fn apns_token_key(&mut self, at: &Field, secret: &SecretValue) {
        let why = match PrivateKey::from_pem(secret.expose()) {
            Ok(PrivateKey {
                format: KeyFormat::Pkcs8,
                public: KeyPublic::P256(_),
            }) => return,
            Ok(PrivateKey {
                format: KeyFormat::Sec1,
                public: KeyPublic::P256(_),
            }) => "is a SEC1 `EC PRIVATE KEY`, not the PKCS#8 `PRIVATE KEY` of an Apple `.p8` file"
                .to_owned(),
            Ok(PrivateKey { public, .. }) => {
                format!("is {}, not a P-256 (ES256) key", public.describe())
            }
            Err(why) => why,
        };
        self.report(
            at,
            Check::TokenKeyNotP256,
            format!("`{}` {why}", at.path),
            Some(
                "use the `.p8` file Apple issued (Certificates, Identifiers & Profiles → Keys, with Apple Push Notifications service) as it is; convert a SEC1 key with `openssl pkcs8 -topk8 -nocrypt`",
            ),
        );
    }

    fn gcm(&mut self, channel: &GcmChannel) {
        if channel.api_key.is_some() {
            self.report(
                &Field::new(ChannelKey::Gcm, "api_key"),
                Check::LegacyFcmServerKey,
                "`channels.gcm.api_key` is a legacy FCM server key, and Google shut the legacy FCM API down on 2024-07-22"
                    .to_owned(),
                Some(
                    "use `service_json` (FCM HTTP v1): a service account JSON from the Firebase console, with `default_authentication_method: TOKEN`",
                ),
            );
        }
        if let Some(secret) = self.resolve(channel.service_json.as_ref()) {
            let at = Field::new(ChannelKey::Gcm, "service_json");
            if let Err(why) = service_account(secret.expose()) {
                self.report(
                    &at,
                    Check::ServiceJsonIncomplete,
                    format!("`{}` {why}", at.path),
                    Some(
                        "download a new key for the service account in the Firebase console (Project settings → Service accounts → Generate new private key) and use that file as it is",
                    ),
                );
            }
        }
    }
}

/// The APNs gateway a channel sends through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gateway {
    Production,
    Sandbox,
}

impl Gateway {
    /// `None` for the channels that are not Apple's.
    fn of(key: ChannelKey) -> Option<Gateway> {
        match key {
            ChannelKey::Apns | ChannelKey::ApnsVoip => Some(Gateway::Production),
            ChannelKey::ApnsSandbox | ChannelKey::ApnsVoipSandbox => Some(Gateway::Sandbox),
            ChannelKey::Gcm | ChannelKey::Adm | ChannelKey::Baidu => None,
        }
    }
}

/// Apple's extension on development (sandbox) push certificates.
const OID_APNS_DEVELOPMENT: &str = "1.2.840.113635.100.6.3.1";
/// Apple's extension on production push certificates.
const OID_APNS_PRODUCTION: &str = "1.2.840.113635.100.6.3.2";
/// Common-name prefixes of Apple's push certificates, for certificates
/// without the extensions.
const APNS_COMMON_NAMES: [(&str, ApnsEnvironment); 3] = [
    (
        "Apple Development IOS Push Services:",
        ApnsEnvironment::Development,
    ),
    (
        "Apple Production IOS Push Services:",
        ApnsEnvironment::Production,
    ),
    ("Apple Push Services:", ApnsEnvironment::Universal),
];

impl ApnsEnvironment {
    fn of(cert: &X509Certificate<'_>, common_name: Option<&str>) -> Option<ApnsEnvironment> {
        let marked = |oid: &str| {
            cert.extensions()
                .iter()
                .any(|e| e.oid.to_id_string() == oid)
        };
        match (marked(OID_APNS_DEVELOPMENT), marked(OID_APNS_PRODUCTION)) {
            (true, true) => Some(ApnsEnvironment::Universal),
            (true, false) => Some(ApnsEnvironment::Development),
            (false, true) => Some(ApnsEnvironment::Production),
            (false, false) => {
                let cn = common_name?;
                APNS_COMMON_NAMES
                    .iter()
                    .find(|(prefix, _)| cn.starts_with(prefix))
                    .map(|&(_, environment)| environment)
            }
        }
    }
}

/// What the checks need of a certificate; nothing secret (a certificate is
/// public, but its file may hold the key too, so its text is never kept).
struct ParsedCertificate {
    subject: String,
    not_after: OffsetDateTime,
    environment: Option<ApnsEnvironment>,
    public_key: KeyPublic,
}

impl ParsedCertificate {
    /// The first PEM `CERTIFICATE` block of `text`. The error completes the
    /// sentence "`<path>` ...".
    fn from_pem(text: &str) -> Result<ParsedCertificate, &'static str> {
        let pem = first_block(text, |label| label == "CERTIFICATE")
            .ok_or("holds no PEM `CERTIFICATE` block")?
            .map_err(|()| "has a PEM block that does not decode")?;
        let cert = pem
            .parse_x509()
            .map_err(|_| "has a PEM `CERTIFICATE` block that is not an X.509 certificate")?;
        let common_name = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok());
        let public_key = match cert.public_key().parsed() {
            Ok(CertPublicKey::RSA(rsa)) => KeyPublic::Rsa {
                modulus: strip_leading_zeros(rsa.modulus).to_vec(),
            },
            Ok(CertPublicKey::EC(point)) => p256::PublicKey::from_sec1_bytes(point.data()).map_or(
                KeyPublic::Other("an EC key on another curve"),
                KeyPublic::P256,
            ),
            Ok(_) | Err(_) => KeyPublic::Other("a key of another kind"),
        };
        Ok(ParsedCertificate {
            subject: common_name.map_or_else(|| cert.subject().to_string(), str::to_owned),
            not_after: cert.validity().not_after.to_datetime(),
            environment: ApnsEnvironment::of(&cert, common_name),
            public_key,
        })
    }
}

/// The public half of a key, as far as this module compares keys.
#[derive(PartialEq)]
enum KeyPublic {
    /// An RSA key: its modulus, big-endian, without leading zeros.
    Rsa {
        modulus: Vec<u8>,
    },
    P256(p256::PublicKey),
    /// Something else; the text completes "is ...".
    Other(&'static str),
}

impl KeyPublic {
    /// Completes "is ..." / "has ...".
    fn describe(&self) -> &'static str {
        match self {
            KeyPublic::Rsa { .. } => "an RSA key",
            KeyPublic::P256(_) => "a P-256 key",
            KeyPublic::Other(what) => what,
        }
    }
}

/// How a private key was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFormat {
    /// `RSA PRIVATE KEY`.
    Pkcs1,
    /// `EC PRIVATE KEY`.
    Sec1,
    /// `PRIVATE KEY`.
    Pkcs8,
}

/// A parsed private key, reduced to its public half: the private part is
/// dropped as soon as the public one is known.
struct PrivateKey {
    format: KeyFormat,
    public: KeyPublic,
}

/// `rsaEncryption` (RFC 8017).
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-ecPublicKey` (RFC 5480).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

impl PrivateKey {
    /// The first PEM private key block of `text` (text around it, such as
    /// the "Bag Attributes" lines of `openssl pkcs12`, is ignored). The
    /// error completes the sentence "`<path>` ...".
    fn from_pem(text: &str) -> Result<PrivateKey, String> {
        let pem = first_block(text, |label| label.ends_with("PRIVATE KEY"))
            .ok_or("holds no PEM private key block")?
            .map_err(|()| "has a PEM block that does not decode")?;
        let der = pem.contents.as_slice();
        let invalid = || format!("has a PEM `{}` block that is not a valid key", pem.label);
        match pem.label.as_str() {
            "RSA PRIVATE KEY" => Ok(PrivateKey {
                format: KeyFormat::Pkcs1,
                public: rsa_public(der).ok_or_else(invalid)?,
            }),
            "EC PRIVATE KEY" => Ok(PrivateKey {
                format: KeyFormat::Sec1,
                public: p256::SecretKey::from_sec1_der(der).map_or(
                    KeyPublic::Other("an EC key on another curve"),
                    |k| KeyPublic::P256(k.public_key()),
                ),
            }),
            "PRIVATE KEY" => {
                let info = pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|_| invalid())?;
                let public = if info.algorithm.oid == OID_RSA_ENCRYPTION {
                    rsa_public(info.private_key.as_bytes()).ok_or_else(invalid)?
                } else if info.algorithm.oid == OID_EC_PUBLIC_KEY {
                    p256::SecretKey::try_from(info).map_or(
                        KeyPublic::Other("an EC key on another curve"),
                        |k| KeyPublic::P256(k.public_key()),
                    )
                } else {
                    KeyPublic::Other("a key of another algorithm")
                };
                Ok(PrivateKey {
                    format: KeyFormat::Pkcs8,
                    public,
                })
            }
            "ENCRYPTED PRIVATE KEY" => Err(
                "holds an encrypted private key (`ENCRYPTED PRIVATE KEY`); Pinpoint needs it unencrypted"
                    .to_owned(),
            ),
            other => Err(format!(
                "holds a PEM `{other}` block, not an RSA, EC or PKCS#8 private key"
            )),
        }
    }
}

/// The modulus of a PKCS#1 `RSAPrivateKey`.
fn rsa_public(der: &[u8]) -> Option<KeyPublic> {
    let key = pkcs1::RsaPrivateKeyRef::try_from(der).ok()?;
    Some(KeyPublic::Rsa {
        modulus: strip_leading_zeros(key.modulus.as_bytes()).to_vec(),
    })
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// The first PEM block whose label `wanted` accepts: `None` when there is
/// none, `Some(Err(()))` when a block is malformed before one is found.
fn first_block(text: &str, wanted: impl Fn(&str) -> bool) -> Option<Result<Pem, ()>> {
    for block in Pem::iter_from_buffer(text.as_bytes()) {
        match block {
            Ok(pem) if wanted(&pem.label) => return Some(Ok(pem)),
            Ok(_) => {}
            Err(_) => return Some(Err(())),
        }
    }
    None
}

/// Checks a service account JSON. The error completes the sentence
/// "`channels.gcm.service_json` ..." and names members, never their values
/// (except `type`, which is not secret).
fn service_account(text: &str) -> Result<(), String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "is not JSON (line {}, column {}); it should be a service account JSON file",
            e.line(),
            e.column()
        )
    })?;
    let Some(object) = json.as_object() else {
        return Err("is JSON but not an object; it should be a service account JSON file".into());
    };
    let mut wrong = Vec::new();
    match object.get("type") {
        None => wrong.push("`type` is missing".to_owned()),
        Some(serde_json::Value::String(t)) if t == "service_account" => {}
        Some(serde_json::Value::String(t)) if t.len() <= 40 && !t.contains('\n') => {
            wrong.push(format!("`type` is `{t}`, not `service_account`"));
        }
        Some(_) => wrong.push("`type` is not `service_account`".to_owned()),
    }
    for member in ["project_id", "client_email"] {
        match object.get(member) {
            None => wrong.push(format!("`{member}` is missing")),
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {}
            Some(_) => wrong.push(format!("`{member}` is not a non-empty string")),
        }
    }
    match object.get("private_key") {
        None => wrong.push("`private_key` is missing".to_owned()),
        Some(serde_json::Value::String(pem)) => match PrivateKey::from_pem(pem) {
            Ok(PrivateKey {
                public: KeyPublic::Rsa { .. },
                ..
            }) => {}
            Ok(PrivateKey { public, .. }) => wrong.push(format!(
                "`private_key` is {}, not the RSA key Google issues",
                public.describe()
            )),
            Err(why) => wrong.push(format!("`private_key` {why}")),
        },
        Some(_) => wrong.push("`private_key` is not a string".to_owned()),
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "is not a complete service account: {}",
            wrong.join("; ")
        ))
    }
}

/// "less than a day", "1 day", "12 days".
fn days(span: Duration) -> String {
    match span.whole_days() {
        0 => "less than a day".to_owned(),
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_its_level() {
        assert_eq!(Check::Expired.level(), Level::Problem);
        assert_eq!(Check::ExpiresSoon.level(), Level::Warning);
        assert_eq!(Check::LegacyFcmServerKey.level(), Level::Warning);
        assert_eq!(
            serde_json::to_value(Check::DevelopmentCertOnProduction).unwrap(),
            Check::DevelopmentCertOnProduction.as_str()
        );
    }

    #[test]
    fn day_counts_read_well() {
        assert_eq!(days(Duration::hours(5)), "less than a day");
        assert_eq!(days(Duration::hours(30)), "1 day");
        assert_eq!(days(Duration::days(12)), "12 days");
    }

    #[test]
    fn text_is_not_a_private_key() {
        let why = PrivateKey::from_pem("hunter2").err().unwrap();
        assert_eq!(why, "holds no PEM private key block");
        assert!(!why.contains("hunter2"));
    }

    #[test]
    fn service_json_names_members_not_values() {
        let why = service_account(
            r#"{"type":"authorized_user","client_email":"","private_key":"s3cr3t-value"}"#,
        )
        .unwrap_err();
        assert!(why.contains("`type` is `authorized_user`"), "{why}");
        assert!(why.contains("`project_id` is missing"), "{why}");
        assert!(
            why.contains("`client_email` is not a non-empty string"),
            "{why}"
        );
        assert!(
            why.contains("`private_key` holds no PEM private key block"),
            "{why}"
        );
        assert!(!why.contains("s3cr3t"), "{why}");
    }
}
