//! Secrets where AWS users keep them: `${ssm:...}` (Parameter Store,
//! SecureString) and `${secretsmanager:...#key}` references, read by the
//! real binary from the emulator (seeded with the AWS CLI, as a user seeds
//! AWS), sent to the channels, fingerprinted for rotation, and never
//! printed, logged or stored by `reconcile`.

use std::path::Path;

use crate::util::{Scratch, Served, aws, code, expect_code, has_aws_cli, root, stderr, stdout};

/// `specs/push-today.yaml` with its APNs key in SSM and its FCM service
/// account as one key of a JSON secret in Secrets Manager.
fn spec_with_aws_secrets(s: &Scratch) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("specs/push-today.yaml"))
        .unwrap()
        .replace("stack: push-today", "stack: push-secrets")
        .replace("name: push-today-app", "name: push-secrets-app")
        .replace("push-today-permanent-failures", "push-secrets-failures")
        .replace("push-today-delivery-rate", "push-secrets-delivery-rate")
        .replace(
            "${file:demo/apns-auth-key.p8}",
            "${ssm:/push/apns/token-key}",
        )
        .replace(
            "${file:demo/fcm-service-account.json}",
            "${secretsmanager:push/fcm#service_json}",
        );
    assert!(text.contains("${ssm:") && text.contains("${secretsmanager:"));
    let path = s.spec("push-secrets.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn demo(name: &str) -> String {
    std::fs::read_to_string(root().join("specs/demo").join(name)).unwrap()
}

/// Lines of a secret long enough to be unmistakable if they leak.
fn telltales(secret: &str) -> Vec<String> {
    secret
        .lines()
        .map(str::trim)
        .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
        .map(str::to_owned)
        .collect()
}

/// Every file under `dir` (journals, locks, plans), except the emulator's
/// own state (AWS's side keeps the secrets, as AWS does).
fn files_outside_emulator(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "local") {
                files_outside_emulator(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

#[track_caller]
fn assert_no_secret(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} shows a secret: {secret}"
        );
    }
}

#[test]
fn ssm_and_secrets_manager_references_plan_apply_rotate_and_never_leak() {
    if !has_aws_cli() {
        return;
    }
    let s = Scratch::new();
    let spec = spec_with_aws_secrets(&s);
    let spec = spec.to_str().unwrap();
    let token_key = demo("apns-auth-key.p8");
    let service_json = demo("fcm-service-account.json");
    let bundle = serde_json::json!({ "service_json": service_json, "note": "unused" });
    let state = s.state_dir().join("local").join("emulator.json");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();

    // The user's side: the secrets put where the account keeps them, in the
    // emulator `--local` uses (its state file), with the AWS CLI.
    {
        let served = Served::start(&state);
        let url = served.url.as_str();
        aws(
            &s,
            url,
            &[
                "ssm",
                "put-parameter",
                "--name",
                "/push/apns/token-key",
                "--type",
                "SecureString",
                "--value",
                &token_key,
            ],
        );
        aws(
            &s,
            url,
            &[
                "secretsmanager",
                "create-secret",
                "--name",
                "push/fcm",
                "--secret-string",
                &bundle.to_string(),
            ],
        );
    }
    let mut secrets = telltales(&token_key);
    secrets.extend(telltales(&service_json));
    assert!(secrets.len() >= 3, "{secrets:?}");

    // validate does not connect: the references are checked for form only.
    let validate = s.run(&["validate", spec]);
    expect_code(&validate, 0);

    // plan reads them (GetParameter with decryption, GetSecretValue): the
    // channels are planned, and no value is in the output, the log at -vvv
    // or the saved plan.
    let plan = s.run(&["-vvv", "plan", "--local", spec, "--out", "plan.json"]);
    expect_code(&plan, 0);
    let out = stdout(&plan);
    assert!(
        out.contains("channel.apns") && out.contains("channel.gcm"),
        "{out}"
    );
    assert_no_secret("plan's stdout", &out, &secrets);
    assert_no_secret("plan's log (-vvv)", &stderr(&plan), &secrets);
    let saved = std::fs::read_to_string(s.path().join("plan.json")).unwrap();
    assert_no_secret("the saved plan", &saved, &secrets);

    // apply sends them to the channels.
    let apply = s.run(&["apply", "--local", "--auto-approve", spec]);
    expect_code(&apply, 0);
    assert_no_secret(
        "apply's output",
        &format!("{}{}", stdout(&apply), stderr(&apply)),
        &secrets,
    );
    // (AWS keeps no copy to compare with: the channels answer only that
    // they have a credential, and refuse a TOKEN channel without its key or
    // with a service account that is not a JSON object.)
    let said = format!("{}{}", stdout(&apply), stderr(&apply));
    assert!(said.contains("channel.gcm: created"), "{said}");
    let mut files = Vec::new();
    files_outside_emulator(&s.state_dir(), &mut files);
    assert!(!files.is_empty(), "apply wrote a journal");
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert_no_secret(&file.display().to_string(), &text, &secrets);
    }
    let again = s.run(&["plan", "--local", "--detailed-exitcode", spec]);
    expect_code(&again, 0);

    // A rotation in Secrets Manager shows as a change of that channel only.
    let rotated = serde_json::json!({
        "service_json": service_json.replace("\"private_key_id\": \"", "\"private_key_id\": \"rotated-"),
        "note": "unused",
    });
    assert_ne!(
        rotated, bundle,
        "the demo service account has a private_key_id"
    );
    {
        let served = Served::start(&state);
        aws(
            &s,
            &served.url,
            &[
                "secretsmanager",
                "put-secret-value",
                "--secret-id",
                "push/fcm",
                "--secret-string",
                &rotated.to_string(),
            ],
        );
    }
    let rotation = s.run(&["plan", "--local", "--detailed-exitcode", spec]);
    expect_code(&rotation, 2);
    let out = stdout(&rotation);
    assert!(out.contains("channel.gcm"), "{out}");
    assert!(
        !out.contains("channel.apns"),
        "only the rotated channel changes:\n{out}"
    );

    // A parameter that is gone: the error names the spec's line and field,
    // quotes AWS, says what to check, and nothing is planned.
    {
        let served = Served::start(&state);
        aws(
            &s,
            &served.url,
            &["ssm", "delete-parameter", "--name", "/push/apns/token-key"],
        );
    }
    let gone = s.run(&["plan", "--local", spec]);
    assert_eq!(code(&gone), 1, "{}", stderr(&gone));
    let err = stderr(&gone);
    assert!(err.contains("push-secrets.yaml:"), "{err}");
    assert!(err.contains("token_key"), "{err}");
    assert!(err.contains("${ssm:/push/apns/token-key}"), "{err}");
    assert!(err.contains("ParameterNotFound"), "{err}");
    assert!(err.contains("ssm:GetParameter"), "{err}");
    assert!(
        stdout(&gone).is_empty(),
        "nothing is planned: {}",
        stdout(&gone)
    );
}

#[test]
fn a_key_the_secret_does_not_have_is_reported_at_its_field_with_the_keys_it_has() {
    if !has_aws_cli() {
        return;
    }
    let s = Scratch::new();
    let spec = spec_with_aws_secrets(&s);
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("#service_json}", "#servicejson}");
    std::fs::write(&spec, text).unwrap();
    let state = s.state_dir().join("local").join("emulator.json");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    {
        let served = Served::start(&state);
        aws(
            &s,
            &served.url,
            &[
                "ssm",
                "put-parameter",
                "--name",
                "/push/apns/token-key",
                "--type",
                "SecureString",
                "--value",
                &demo("apns-auth-key.p8"),
            ],
        );
        aws(
            &s,
            &served.url,
            &[
                "secretsmanager",
                "create-secret",
                "--name",
                "push/fcm",
                "--secret-string",
                r#"{"service_json":"sekret-value-never-shown"}"#,
            ],
        );
    }
    let plan = s.run(&["plan", "--local", spec.to_str().unwrap()]);
    assert_eq!(code(&plan), 1, "{}", stderr(&plan));
    let err = stderr(&plan);
    assert!(err.contains("push-secrets.yaml:"), "{err}");
    assert!(err.contains("service_json"), "{err}");
    assert!(err.contains("no key `servicejson`"), "{err}");
    assert!(err.contains("drop `#key`"), "{err}");
    assert!(!err.contains("sekret-value-never-shown"), "{err}");
}

#[test]
fn a_malformed_reference_is_refused_at_its_line_without_any_aws_call() {
    let s = Scratch::new();
    let spec = spec_with_aws_secrets(&s);
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("${ssm:/push/apns/token-key}", "${ssm:/push apns}");
    std::fs::write(&spec, text).unwrap();
    let validate = s.run(&["validate", spec.to_str().unwrap()]);
    assert_eq!(code(&validate), 1, "{}", stdout(&validate));
    let err = stderr(&validate);
    assert!(err.contains("push-secrets.yaml:"), "{err}");
    assert!(
        err.contains("${ssm:/parameter/name}"),
        "the hint shows the forms: {err}"
    );
}
