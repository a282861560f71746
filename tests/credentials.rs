//! Push credential health, which AWS does not check: `plan` warns at the
//! field, `status` lists each APNs certificate with its expiry and fails
//! under `--fail-on-expiry DAYS`. Certificates are made at test time with
//! rcgen, so that "expires in 10 days" stays true whatever the day.

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use time::{Duration, OffsetDateTime};

use crate::util::{Scratch, expect_code, stderr, stdout};

/// A self-signed universal APNs-like certificate that expires `days` from
/// now, and its key, as PEM.
fn certificate(days: i64) -> (String, String) {
    let key = KeyPair::generate().expect("a P-256 key");
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut name = DistinguishedName::new();
    name.push(
        DnType::CommonName,
        "Apple Push Services: com.example.flashsale",
    );
    params.distinguished_name = name;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(355);
    params.not_after = now + Duration::days(days);
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// The scratch's flash-sale spec with its APNs certificate and key
/// replaced by these PEM texts.
fn with_apns(s: &Scratch, cert: &str, key: &str) {
    std::fs::write(s.spec("demo/test-cert.pem"), cert).unwrap();
    std::fs::write(s.spec("demo/test-key.pem"), key).unwrap();
    let path = s.spec("flash-sale.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text
        .replace("demo/apns-certificate.pem", "demo/test-cert.pem")
        .replace("demo/apns-certificate-key.pem", "demo/test-key.pem");
    assert_ne!(text, edited);
    std::fs::write(path, edited).unwrap();
}

/// No line of a PEM text (but its markers) appears in `out`.
fn assert_no_secret(out: &str, pem: &str) {
    for line in pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 12)
    {
        assert!(!out.contains(line), "a secret line leaked: {line}");
    }
}

#[test]
fn status_fails_on_a_certificate_that_expires_within_the_days_given() {
    let s = Scratch::new();
    let (cert, key) = certificate(10);
    with_apns(&s, &cert, &key);
    s.apply_local("specs/flash-sale.yaml");

    let o = s.run(&[
        "status",
        "--local",
        "specs/flash-sale.yaml",
        "--format",
        "json",
        "--fail-on-expiry",
        "30",
    ]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("`channels.apns.certificate`") && err.contains("--fail-on-expiry 30"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let certs = report["credentials"]["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1, "{report}");
    assert_eq!(certs[0]["path"], "channels.apns.certificate");
    assert_eq!(
        certs[0]["subject"],
        "Apple Push Services: com.example.flashsale"
    );
    let findings = report["credentials"]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "expires_soon" && f["path"] == "channels.apns.certificate"),
        "{findings:?}"
    );
    for text in [stdout(&o), err] {
        assert_no_secret(&text, &cert);
        assert_no_secret(&text, &key);
    }

    // Ten days is beyond a 5-day threshold, and without the flag nothing fails.
    for args in [&["--fail-on-expiry", "5"][..], &[][..]] {
        let o = s
            .cmd()
            .args([
                "status",
                "--local",
                "specs/flash-sale.yaml",
                "--format",
                "table",
            ])
            .args(args)
            .output()
            .unwrap();
        expect_code(&o, 0);
        assert!(stdout(&o).contains("CREDENTIALS"), "{}", stdout(&o));
    }
}

#[test]
fn status_fails_on_an_expired_certificate() {
    let s = Scratch::new();
    let (cert, key) = certificate(-3);
    with_apns(&s, &cert, &key);
    s.apply_local("specs/flash-sale.yaml");
    let o = s.run(&[
        "status",
        "--local",
        "specs/flash-sale.yaml",
        "--format",
        "table",
        "--fail-on-expiry",
        "1",
    ]);
    expect_code(&o, 1);
    assert!(stdout(&o).contains("3 days ago"), "{}", stdout(&o));
}

#[test]
fn plan_warns_at_the_fields_of_an_expiring_certificate_and_a_key_of_another() {
    let s = Scratch::new();
    let (cert, _) = certificate(10);
    let (_, other_key) = certificate(10);
    with_apns(&s, &cert, &other_key);
    let o = s.run(&["plan", "--local", "specs/flash-sale.yaml"]);
    expect_code(&o, 0);
    let err = stderr(&o);
    let warning = |field: &str| {
        err.lines()
            .find(|l| l.contains(": warning: ") && l.contains(field))
            .unwrap_or_else(|| panic!("no warning at {field}: {err}"))
            .to_owned()
    };
    let expiry = warning("`channels.apns.certificate`");
    assert!(expiry.starts_with("specs/flash-sale.yaml:34:"), "{expiry}");
    assert!(
        expiry.contains("in 10 days") || expiry.contains("in 9 days"),
        "{expiry}"
    );
    let mismatch = warning("`channels.apns.private_key`");
    assert!(
        mismatch.starts_with("specs/flash-sale.yaml:35:"),
        "{mismatch}"
    );
    // The legacy FCM key of the recipe is said too.
    assert!(warning("`channels.gcm.api_key`").contains("2024-07-22"));
    assert_no_secret(&err, &cert);
    assert_no_secret(&err, &other_key);
    assert_no_secret(&stdout(&o), &other_key);
}

#[test]
fn the_examples_demo_credentials_pass_the_checks() {
    let s = Scratch::new();
    for spec in ["specs/push-today.yaml", "specs/retail-multi.yaml"] {
        let o = s.run(&["plan", "--local", spec]);
        expect_code(&o, 0);
        let err = stderr(&o);
        assert!(
            !err.lines().any(|l| l.contains("warning: `channels.")),
            "{spec}: {err}"
        );
    }
    // push-today uses no kind AWS retired: no warning at all.
    let o = s.run(&["validate", "specs/push-today.yaml"]);
    expect_code(&o, 0);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}
