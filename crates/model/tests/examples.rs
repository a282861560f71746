//! Every example spec under `specs/` validates, validates against the
//! generated JSON Schema, and builds its resources without leaking secrets.

use std::path::{Path, PathBuf};

use reconcile_model::load::structure::to_json;
use reconcile_model::load::yaml;

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../specs")
}

fn example_specs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(specs_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    out
}

#[test]
fn there_are_example_specs() {
    let names: Vec<String> = example_specs()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"flash-sale.yaml".to_owned()), "{names:?}");
    assert!(names.contains(&"retail-multi.yaml".to_owned()), "{names:?}");
}

#[test]
fn every_example_spec_validates() {
    for path in example_specs() {
        if let Err(d) = reconcile_model::load(&path) {
            panic!("{} does not validate:\n{d}", path.display());
        }
    }
}

#[test]
fn every_example_spec_validates_against_the_schema() {
    let schema = reconcile_model::json_schema();
    let validator = jsonschema::draft7::new(&schema).expect("the schema compiles");
    for path in example_specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let tree = yaml::parse(&text).unwrap();
        let instance = to_json(&tree);
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

#[test]
fn every_example_spec_points_at_the_schema() {
    for path in example_specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=./reconcile.schema.json\n"),
            "{} lacks the yaml-language-server comment",
            path.display()
        );
    }
}

fn demo_secrets(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("demo"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[test]
fn resources_never_contain_the_secrets() {
    let secrets = demo_secrets(&specs_dir());
    assert!(!secrets.is_empty());
    for path in example_specs() {
        let loaded = reconcile_model::load(&path).unwrap();
        let resources = loaded.resources().unwrap_or_else(|d| panic!("{d}"));
        let json = serde_json::to_string(&resources).unwrap();
        let debug = format!("{resources:?}");
        for secret in &secrets {
            for line in secret.lines().filter(|l| l.len() > 8) {
                assert!(
                    !json.contains(line),
                    "{}: JSON holds `{line}`",
                    path.display()
                );
                assert!(
                    !debug.contains(line),
                    "{}: Debug holds `{line}`",
                    path.display()
                );
            }
        }
        for r in &resources {
            if !r.write_only.is_empty() {
                assert!(
                    r.attrs.get("write_only_fingerprint").is_some(),
                    "{} has write-only fields but no fingerprint",
                    r.address
                );
                assert!(r.sensitive.contains("/write_only_fingerprint"));
            }
        }
    }
}

#[test]
fn flash_sale_has_the_recipes_resources() {
    let loaded = reconcile_model::load(&specs_dir().join("flash-sale.yaml")).unwrap();
    let addresses: Vec<String> = loaded
        .resources()
        .unwrap()
        .iter()
        .map(|r| r.address.to_string())
        .collect();
    assert_eq!(
        addresses,
        [
            "iam_role.pinpoint_events",
            "kinesis_stream.events",
            "app",
            "channel.apns",
            "channel.gcm",
            "endpoint.android-user-002",
            "endpoint.ios-user-001",
            "segment.high_value_customers",
            "template.flash_sale",
            "campaign.flash_sale",
            "event_stream",
            "alarm.delivery_rate",
            "alarm.push_failures",
        ]
    );
}
