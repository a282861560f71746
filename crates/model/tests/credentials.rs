//! Push credential health (`reconcile_model::credentials`): every check has a
//! fixture that trips it and one that does not.
//!
//! Certificates are made at test time with rcgen, dated around a fixed
//! [`NOW`] that is passed to the check, so nothing expires as time passes.
//! Keys without dates are static files under `tests/fixtures/credentials/`
//! (see its README). Every spec goes through [`Stack::check`], which also
//! asserts that no message or hint repeats a line of any secret file.

use std::path::{Path, PathBuf};

use rcgen::{CertificateParams, CustomExtension, DistinguishedName, DnType, KeyPair};
use reconcile_model::credentials::{self, ApnsEnvironment, Check, Finding, Health, Level};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
const WARN_WITHIN: Duration = Duration::days(30);

const APNS_DEVELOPMENT: &[u64] = &[1, 2, 840, 113_635, 100, 6, 3, 1];
const APNS_PRODUCTION: &[u64] = &[1, 2, 840, 113_635, 100, 6, 3, 2];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/credentials");
    std::fs::read_to_string(path.join(name)).unwrap()
}

fn rsa_a() -> KeyPair {
    KeyPair::from_pem(&fixture("rsa-a.pkcs8.pem")).unwrap()
}

fn p256() -> KeyPair {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap()
}

/// A self-signed certificate for `common_name`, valid from a year before
/// [`NOW`] until `not_after`, with Apple's environment extensions `markers`.
fn certificate(
    common_name: &str,
    not_after: OffsetDateTime,
    markers: &[&[u64]],
    key: &KeyPair,
) -> String {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "Example Inc");
    params.distinguished_name = name;
    params.not_before = NOW - Duration::days(365);
    params.not_after = not_after;
    params.custom_extensions = markers
        .iter()
        // Apple's markers hold a DER NULL.
        .map(|oid| CustomExtension::from_oid_content(oid, vec![0x05, 0x00]))
        .collect();
    params.self_signed(key).unwrap().pem()
}

/// A universal certificate ("Apple Push Services"), valid for another year.
fn universal(key: &KeyPair) -> String {
    certificate(
        "Apple Push Services: com.example.shop",
        NOW + Duration::days(365),
        &[APNS_DEVELOPMENT, APNS_PRODUCTION],
        key,
    )
}

/// A spec and its secret files in a temporary directory.
struct Stack {
    dir: tempfile::TempDir,
    secrets: Vec<String>,
}

impl Stack {
    fn new() -> Self {
        Stack {
            dir: tempfile::tempdir().unwrap(),
            secrets: Vec::new(),
        }
    }

    /// Writes a secret file next to the spec.
    fn file(mut self, name: &str, text: &str) -> Self {
        std::fs::write(self.dir.path().join(name), text).unwrap();
        self.secrets.push(text.to_owned());
        self
    }

    /// Loads a spec with these `channels:` (indented YAML) and checks it.
    fn check(&self, channels: &str) -> Health {
        let yaml = format!("stack: creds\napp:\n  name: creds-app\nchannels:\n{channels}");
        let name = self.dir.path().join("spec.yaml");
        let loaded = reconcile_model::load_str(name.to_str().unwrap(), &yaml)
            .unwrap_or_else(|d| panic!("the spec does not load:\n{d}\n{yaml}"));
        let health = credentials::check(&loaded.spec, &loaded.local_secrets(), NOW, WARN_WITHIN);
        assert_no_secret_text(&health, &self.secrets);
        health
    }
}

/// No message or hint holds a line of a secret (PEM lines, JSON lines, and
/// the lines of PEM text inside JSON strings).
fn assert_no_secret_text(health: &Health, secrets: &[String]) {
    for finding in &health.findings {
        let said = [Some(&finding.message), finding.hint.as_ref()];
        for secret in secrets {
            for line in secret.lines().flat_map(|l| l.split("\\n")) {
                let line = line.trim();
                if line.len() < 16 {
                    continue;
                }
                for text in said.iter().flatten() {
                    assert!(
                        !text.contains(line),
                        "{} repeats secret text `{line}`: {text}",
                        finding.path
                    );
                }
            }
        }
    }
}

/// The only finding, which must be of `check` at `path`.
fn only(health: &Health, check: Check, path: &str) -> Finding {
    assert_eq!(health.findings.len(), 1, "{:#?}", health.findings);
    let finding = health.findings[0].clone();
    assert_eq!(finding.check, check, "{finding:#?}");
    assert_eq!(finding.level, check.level());
    assert_eq!(finding.path, path, "{finding:#?}");
    finding
}

fn assert_clean(health: &Health) {
    assert!(health.findings.is_empty(), "{:#?}", health.findings);
}

const APNS_CERT: &str =
    "  apns:\n    certificate: ${file:cert.pem}\n    private_key: ${file:key.pem}\n";

fn apns_cert_on(channel: &str) -> String {
    format!(
        "  {channel}:\n    certificate: ${{file:cert.pem}}\n    private_key: ${{file:key.pem}}\n"
    )
}

#[test]
fn a_valid_certificate_with_its_key_has_no_findings_and_is_listed() {
    let key = rsa_a();
    let cert = universal(&key);
    let health = Stack::new()
        .file("cert.pem", &cert)
        .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
        .check(APNS_CERT);
    assert_clean(&health);
    assert!(!health.has_problems());
    assert_eq!(health.certificates.len(), 1);
    let listed = &health.certificates[0];
    assert_eq!(listed.address.to_string(), "channel.apns");
    assert_eq!(listed.path, "channels.apns.certificate");
    assert_eq!(listed.subject, "Apple Push Services: com.example.shop");
    assert_eq!(listed.environment, Some(ApnsEnvironment::Universal));
    // rcgen writes whole seconds.
    assert_eq!(listed.not_after, NOW + Duration::days(365));
}

#[test]
fn an_expired_certificate_is_a_problem() {
    let key = rsa_a();
    let cert = certificate(
        "Apple Push Services: com.example.shop",
        NOW - Duration::days(10),
        &[APNS_DEVELOPMENT, APNS_PRODUCTION],
        &key,
    );
    let health = Stack::new()
        .file("cert.pem", &cert)
        .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
        .check(APNS_CERT);
    let finding = only(&health, Check::Expired, "channels.apns.certificate");
    assert_eq!(finding.level, Level::Problem);
    assert_eq!(finding.address.to_string(), "channel.apns");
    assert!(
        finding.message.contains("2026-02-19"),
        "{}",
        finding.message
    );
    assert!(
        finding.message.contains("10 days ago"),
        "{}",
        finding.message
    );
    assert!(
        finding
            .message
            .contains("Apple Push Services: com.example.shop"),
        "{}",
        finding.message
    );
    assert!(health.has_problems());
    // Still listed, for `status`.
    assert_eq!(health.certificates.len(), 1);
}

#[test]
fn a_certificate_expiring_within_the_window_is_a_warning() {
    let key = rsa_a();
    let soon = certificate(
        "Apple Push Services: com.example.shop",
        NOW + Duration::days(12),
        &[],
        &key,
    );
    let health = Stack::new()
        .file("cert.pem", &soon)
        .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
        .check(APNS_CERT);
    let finding = only(&health, Check::ExpiresSoon, "channels.apns.certificate");
    assert_eq!(finding.level, Level::Warning);
    assert!(!health.has_problems());
    for part in [
        "2026-03-13",
        "in 12 days",
        "Apple Push Services: com.example.shop",
    ] {
        assert!(finding.message.contains(part), "{}", finding.message);
    }
    assert!(finding.hint.unwrap().contains("token_key"));

    // A day past the window: nothing to say.
    let later = certificate(
        "Apple Push Services: com.example.shop",
        NOW + WARN_WITHIN + Duration::days(1),
        &[],
        &key,
    );
    let health = Stack::new()
        .file("cert.pem", &later)
        .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
        .check(APNS_CERT);
    assert_clean(&health);
}

#[test]
fn a_file_without_a_certificate_is_not_a_certificate() {
    let key = fixture("rsa-a.pkcs8.pem");
    // A key where the certificate should be.
    let health = Stack::new()
        .file("cert.pem", &key)
        .file("key.pem", &key)
        .check(APNS_CERT);
    let finding = only(&health, Check::NotACertificate, "channels.apns.certificate");
    assert!(finding.message.contains("no PEM `CERTIFICATE` block"));
    assert!(health.certificates.is_empty());

    // A `CERTIFICATE` block that is not X.509 (the key's DER under the label).
    let fake = key.replace("PRIVATE KEY", "CERTIFICATE");
    let health = Stack::new()
        .file("cert.pem", &fake)
        .file("key.pem", &key)
        .check(APNS_CERT);
    let finding = only(&health, Check::NotACertificate, "channels.apns.certificate");
    assert!(finding.message.contains("not an X.509 certificate"));

    // Text around the block (as `openssl pkcs12` writes) is fine.
    let rcgen_key = rsa_a();
    let bagged = format!(
        "Bag Attributes\n    friendlyName: Apple Push Services: com.example.shop\n{}",
        universal(&rcgen_key)
    );
    let health = Stack::new()
        .file("cert.pem", &bagged)
        .file("key.pem", &key)
        .check(APNS_CERT);
    assert_clean(&health);
}

#[test]
fn a_key_from_another_certificate_is_a_mismatch() {
    let rsa = rsa_a();
    let cert = universal(&rsa);
    let health = Stack::new()
        .file("cert.pem", &cert)
        .file("key.pem", &fixture("rsa-b.pkcs8.pem"))
        .check(APNS_CERT);
    let finding = only(&health, Check::KeyMismatch, "channels.apns.private_key");
    assert!(
        finding.message.contains("RSA modulus"),
        "{}",
        finding.message
    );

    // The same key as PKCS#1 (`RSA PRIVATE KEY`) matches.
    let health = Stack::new()
        .file("cert.pem", &cert)
        .file("key.pem", &fixture("rsa-a.pkcs1.pem"))
        .check(APNS_CERT);
    assert_clean(&health);

    // P-256: the certificate's own key matches, another one does not.
    let ec = p256();
    let ec_cert = universal(&ec);
    let health = Stack::new()
        .file("cert.pem", &ec_cert)
        .file("key.pem", &ec.serialize_pem())
        .check(APNS_CERT);
    assert_clean(&health);
    let other = p256();
    let health = Stack::new()
        .file("cert.pem", &ec_cert)
        .file("key.pem", &other.serialize_pem())
        .check(APNS_CERT);
    let finding = only(&health, Check::KeyMismatch, "channels.apns.private_key");
    assert!(finding.message.contains("P-256"), "{}", finding.message);

    // ... and as SEC1 (`EC PRIVATE KEY`) the fixture key is not the certificate's.
    let health = Stack::new()
        .file("cert.pem", &ec_cert)
        .file("key.pem", &fixture("p256.sec1.pem"))
        .check(APNS_CERT);
    only(&health, Check::KeyMismatch, "channels.apns.private_key");

    // An RSA certificate with an EC key.
    let health = Stack::new()
        .file("cert.pem", &cert)
        .file("key.pem", &fixture("p256.p8"))
        .check(APNS_CERT);
    let finding = only(&health, Check::KeyMismatch, "channels.apns.private_key");
    assert!(
        finding
            .message
            .contains("the certificate has an RSA key and this is a P-256 key"),
        "{}",
        finding.message
    );
}

#[test]
fn a_private_key_that_does_not_parse_is_reported() {
    let key = rsa_a();
    let cert = universal(&key);
    let cases = [
        ("not PEM at all\n", "holds no PEM private key block"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n",
            "not a valid key",
        ),
        (
            &fixture("rsa-a.encrypted.p8"),
            "encrypted private key (`ENCRYPTED PRIVATE KEY`)",
        ),
        // The certificate where the key should be.
        (&cert, "holds no PEM private key block"),
    ];
    for (text, says) in cases {
        let health = Stack::new()
            .file("cert.pem", &cert)
            .file("key.pem", text)
            .check(APNS_CERT);
        let finding = only(&health, Check::NotAPrivateKey, "channels.apns.private_key");
        assert!(finding.message.contains(says), "{}", finding.message);
        // The certificate itself is still checked and listed.
        assert_eq!(health.certificates.len(), 1);
    }
}

#[test]
fn a_development_certificate_on_production_is_a_problem() {
    let key = rsa_a();
    let development = certificate(
        "Apple Development IOS Push Services: com.example.shop",
        NOW + Duration::days(365),
        &[APNS_DEVELOPMENT],
        &key,
    );
    for channel in ["apns", "apns_voip"] {
        let health = Stack::new()
            .file("cert.pem", &development)
            .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
            .check(&apns_cert_on(channel));
        let finding = only(
            &health,
            Check::DevelopmentCertOnProduction,
            &format!("channels.{channel}.certificate"),
        );
        assert_eq!(finding.address.to_string(), format!("channel.{channel}"));
        assert!(
            finding
                .hint
                .unwrap()
                .contains(&format!("channels.{channel}_sandbox"))
        );
        assert_eq!(
            health.certificates[0].environment,
            Some(ApnsEnvironment::Development)
        );
    }
    for channel in ["apns_sandbox", "apns_voip_sandbox"] {
        let health = Stack::new()
            .file("cert.pem", &development)
            .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
            .check(&apns_cert_on(channel));
        assert_clean(&health);
    }

    // Without the extensions, the common name decides.
    let by_name = certificate(
        "Apple Development IOS Push Services: com.example.shop",
        NOW + Duration::days(365),
        &[],
        &key,
    );
    let health = Stack::new()
        .file("cert.pem", &by_name)
        .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
        .check(APNS_CERT);
    only(
        &health,
        Check::DevelopmentCertOnProduction,
        "channels.apns.certificate",
    );
}

#[test]
fn a_production_certificate_on_sandbox_is_a_problem() {
    let key = rsa_a();
    let production = certificate(
        "Apple Production IOS Push Services: com.example.shop",
        NOW + Duration::days(365),
        &[APNS_PRODUCTION],
        &key,
    );
    for channel in ["apns_sandbox", "apns_voip_sandbox"] {
        let health = Stack::new()
            .file("cert.pem", &production)
            .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
            .check(&apns_cert_on(channel));
        let finding = only(
            &health,
            Check::ProductionCertOnSandbox,
            &format!("channels.{channel}.certificate"),
        );
        let production_channel = channel.trim_end_matches("_sandbox");
        assert!(
            finding
                .hint
                .unwrap()
                .contains(&format!("channels.{production_channel}`"))
        );
    }
    for channel in ["apns", "apns_voip"] {
        let health = Stack::new()
            .file("cert.pem", &production)
            .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
            .check(&apns_cert_on(channel));
        assert_clean(&health);
    }

    // Universal and unmarked certificates fit every channel.
    let unmarked = certificate("push.example.com", NOW + Duration::days(365), &[], &key);
    for cert in [universal(&key), unmarked] {
        for channel in ["apns", "apns_sandbox", "apns_voip", "apns_voip_sandbox"] {
            let health = Stack::new()
                .file("cert.pem", &cert)
                .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
                .check(&apns_cert_on(channel));
            assert_clean(&health);
        }
    }
    let health = Stack::new()
        .file(
            "cert.pem",
            &certificate("push.example.com", NOW + Duration::days(365), &[], &key),
        )
        .file("key.pem", &fixture("rsa-a.pkcs8.pem"))
        .check(APNS_CERT);
    assert_eq!(health.certificates[0].environment, None);
    assert_eq!(health.certificates[0].subject, "push.example.com");
}

const APNS_TOKEN: &str = "  apns:\n    token_key: ${file:AuthKey.p8}\n    token_key_id: ABC123DEFG\n    bundle_id: com.example.shop\n    team_id: DEF123GHIJ\n";

#[test]
fn a_token_key_must_be_a_pkcs8_p256_key() {
    let health = Stack::new()
        .file("AuthKey.p8", &fixture("p256.p8"))
        .check(APNS_TOKEN);
    assert_clean(&health);
    assert!(health.certificates.is_empty());

    let cases = [
        (fixture("p384.p8"), "an EC key on another curve"),
        (fixture("rsa-a.pkcs8.pem"), "an RSA key, not a P-256"),
        (fixture("p256.sec1.pem"), "SEC1 `EC PRIVATE KEY`"),
        (fixture("rsa-a.encrypted.p8"), "encrypted"),
        (
            "-----BEGIN DEMO KEY-----\n".to_owned(),
            "a PEM block that does not decode",
        ),
        ("a text file\n".to_owned(), "no PEM private key block"),
    ];
    for (text, says) in cases {
        let health = Stack::new().file("AuthKey.p8", &text).check(APNS_TOKEN);
        let finding = only(&health, Check::TokenKeyNotP256, "channels.apns.token_key");
        assert!(finding.message.contains(says), "{}", finding.message);
    }
}

const GCM_TOKEN: &str = "  gcm:\n    service_json: ${file:service-account.json}\n";

#[test]
fn a_service_json_must_be_a_complete_service_account() {
    let good = fixture("service-account.json");
    let health = Stack::new()
        .file("service-account.json", &good)
        .check(GCM_TOKEN);
    assert_clean(&health);

    let edited = |edit: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
        let mut json: serde_json::Value = serde_json::from_str(&good).unwrap();
        edit(json.as_object_mut().unwrap());
        serde_json::to_string_pretty(&json).unwrap()
    };
    let cases = [
        ("{ not json".to_owned(), "is not JSON (line 1, column 3)"),
        ("[]".to_owned(), "not an object"),
        (
            edited(&|o| {
                o.remove("client_email");
            }),
            "`client_email` is missing",
        ),
        (
            edited(&|o| {
                o.insert("type".into(), "authorized_user".into());
            }),
            "`type` is `authorized_user`, not `service_account`",
        ),
        (
            edited(&|o| {
                o.insert("project_id".into(), "".into());
            }),
            "`project_id` is not a non-empty string",
        ),
        (
            edited(&|o| {
                o.insert("private_key".into(), "not a key at all, but long".into());
            }),
            "`private_key` holds no PEM private key block",
        ),
        (
            edited(&|o| {
                o.insert("private_key".into(), fixture("p256.p8").into());
            }),
            "`private_key` is a P-256 key, not the RSA key Google issues",
        ),
    ];
    for (text, says) in cases {
        let health = Stack::new()
            .file("service-account.json", &text)
            .check(GCM_TOKEN);
        let finding = only(
            &health,
            Check::ServiceJsonIncomplete,
            "channels.gcm.service_json",
        );
        assert_eq!(finding.address.to_string(), "channel.gcm");
        assert!(finding.message.contains(says), "{}", finding.message);
        assert!(!finding.message.contains("fixture@"), "{}", finding.message);
    }
}

#[test]
fn a_legacy_fcm_server_key_is_a_warning() {
    let health = Stack::new()
        .file(
            "server-key.txt",
            "AAAAdemo:APA91bFakeLegacyServerKeyForTests",
        )
        .check("  gcm:\n    api_key: ${file:server-key.txt}\n");
    let finding = only(&health, Check::LegacyFcmServerKey, "channels.gcm.api_key");
    assert_eq!(finding.level, Level::Warning);
    assert!(
        finding.message.contains("2024-07-22"),
        "{}",
        finding.message
    );
    assert!(finding.hint.unwrap().contains("service_json"));

    let health = Stack::new()
        .file("service-account.json", &fixture("service-account.json"))
        .check(GCM_TOKEN);
    assert_clean(&health);
}

#[test]
fn references_that_do_not_resolve_are_skipped() {
    let health = Stack::new().check(
        "  apns:\n    certificate: ${file:missing-cert.pem}\n    private_key: ${env:RECONCILE_TEST_NEVER_SET_KEY}\n  apns_sandbox:\n    token_key: ${file:missing.p8}\n    token_key_id: ABC123DEFG\n    bundle_id: com.example.shop\n    team_id: DEF123GHIJ\n  gcm:\n    service_json: ${file:missing.json}\n",
    );
    assert_eq!(health, Health::default());
}

#[test]
fn findings_are_sorted_by_address_then_path() {
    let key = rsa_a();
    let expired = certificate(
        "Apple Push Services: com.example.shop",
        NOW - Duration::days(1),
        &[APNS_DEVELOPMENT, APNS_PRODUCTION],
        &key,
    );
    let health = Stack::new()
        .file("cert.pem", &expired)
        .file("other-key.pem", &fixture("rsa-b.pkcs8.pem"))
        .file("AuthKey.p8", &fixture("rsa-a.pkcs8.pem"))
        .check(
            "  gcm:\n    api_key: ${env:RECONCILE_TEST_NEVER_SET_KEY}\n  apns_voip:\n    certificate: ${file:cert.pem}\n    private_key: ${file:other-key.pem}\n  apns:\n    default_authentication_method: TOKEN\n    token_key: ${file:AuthKey.p8}\n    token_key_id: ABC123DEFG\n    bundle_id: com.example.shop\n    team_id: DEF123GHIJ\n    certificate: ${file:cert.pem}\n    private_key: ${file:other-key.pem}\n",
        );
    let got: Vec<(String, &str)> = health
        .findings
        .iter()
        .map(|f| (f.path.clone(), f.check.as_str()))
        .collect();
    let want = [
        ("channels.apns.certificate", "expired"),
        ("channels.apns.private_key", "key_mismatch"),
        ("channels.apns.token_key", "token_key_not_p256"),
        ("channels.apns_voip.certificate", "expired"),
        ("channels.apns_voip.private_key", "key_mismatch"),
        ("channels.gcm.api_key", "legacy_fcm_server_key"),
    ];
    let want: Vec<(String, &str)> = want.iter().map(|(p, c)| ((*p).to_owned(), *c)).collect();
    assert_eq!(got, want);
    let listed: Vec<String> = health
        .certificates
        .iter()
        .map(|c| c.address.to_string())
        .collect();
    assert_eq!(listed, ["channel.apns", "channel.apns_voip"]);
}

#[test]
fn findings_serialise_without_secrets() {
    let health = Stack::new()
        .file("AuthKey.p8", &fixture("rsa-a.pkcs8.pem"))
        .check(APNS_TOKEN);
    let json = serde_json::to_value(&health).unwrap();
    assert_eq!(json["findings"][0]["check"], "token_key_not_p256");
    assert_eq!(json["findings"][0]["level"], "problem");
    assert_eq!(json["findings"][0]["address"], "channel.apns");
    let text = json.to_string();
    for line in fixture("rsa-a.pkcs8.pem").lines().skip(1).take(3) {
        assert!(!text.contains(line));
    }
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/demo")
}

#[test]
fn the_demo_credentials_pass_every_check() {
    let yaml = "stack: today\napp:\n  name: today-app\nchannels:\n  apns:\n    token_key: ${file:apns-auth-key.p8}\n    token_key_id: DEMOKEY123\n    bundle_id: com.example.today\n    team_id: DEMOTEAM01\n  apns_sandbox:\n    token_key: ${file:apns-auth-key.p8}\n    token_key_id: DEMOKEY123\n    bundle_id: com.example.today\n    team_id: DEMOTEAM01\n  gcm:\n    service_json: ${file:fcm-service-account.json}\n";
    let name = demo().join("credentials-check.yaml");
    let loaded = reconcile_model::load_str(name.to_str().unwrap(), yaml).unwrap();
    // Both files are really there and really read.
    for file in [
        "apns-auth-key.p8",
        "fcm-service-account.json",
        "apns-certificate.pem",
    ] {
        assert!(loaded.dir.join(file).is_file(), "{file}");
    }
    let health = credentials::check(&loaded.spec, &loaded.local_secrets(), NOW, WARN_WITHIN);
    assert_clean(&health);
    // The example's APNs certificate and key, valid until 2126.
    let yaml = "stack: cert\napp:\n  name: cert-app\nchannels:\n  apns:\n    certificate: ${file:apns-certificate.pem}\n    private_key: ${file:apns-certificate-key.pem}\n  apns_sandbox:\n    certificate: ${file:apns-certificate.pem}\n    private_key: ${file:apns-certificate-key.pem}\n";
    let loaded = reconcile_model::load_str(name.to_str().unwrap(), yaml).unwrap();
    let health = credentials::check(&loaded.spec, &loaded.local_secrets(), NOW, WARN_WITHIN);
    assert_clean(&health);
    assert_eq!(health.certificates.len(), 2);
    assert!(health.certificates[0].not_after.year() >= 2126);

    let account: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(demo().join("fcm-service-account.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(account["type"], "service_account");
    assert_eq!(account["project_id"], "demo-push-today");
    assert_eq!(
        account["client_email"],
        "demo@demo-push-today.iam.gserviceaccount.com"
    );
}
