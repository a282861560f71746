//! The checked-in `specs/reconcile.schema.json` must equal the generated
//! schema. Regenerate: `RECONCILE_UPDATE_SCHEMA=1 cargo test -p reconcile-model schema`.

use std::path::PathBuf;

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../specs/reconcile.schema.json")
}

#[test]
fn schema_file_is_up_to_date() {
    let generated = reconcile_model::schema::json_schema_text();
    let path = checked_in();
    if std::env::var_os("RECONCILE_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "specs/reconcile.schema.json is stale; regenerate it with \
         `RECONCILE_UPDATE_SCHEMA=1 cargo test -p reconcile-model schema`"
    );
}

#[test]
fn schema_is_draft_07_and_describes_every_field() {
    let schema = reconcile_model::json_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let mut missing = Vec::new();
    for (name, def) in schema["definitions"].as_object().unwrap() {
        for (field, prop) in def["properties"].as_object().into_iter().flatten() {
            let described = prop.get("description").is_some()
                || prop.get("$ref").is_some() && def.get("description").is_some();
            if !described {
                missing.push(format!("{name}.{field}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "fields without a description: {missing:?}"
    );
}

#[test]
fn the_spec_reference_documents_every_key() {
    let readme = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../specs/README.md"),
    )
    .unwrap();
    let schema = reconcile_model::json_schema();
    let mut sections = vec![("Spec (top level)".to_owned(), &schema)];
    for (name, def) in schema["definitions"].as_object().unwrap() {
        if def.get("properties").is_some() {
            sections.push((name.clone(), def));
        }
    }
    let mut missing = Vec::new();
    for (name, def) in sections {
        let heading = format!("\n### {name}\n");
        let Some(start) = readme.find(&heading) else {
            missing.push(format!("section {name}"));
            continue;
        };
        let body = &readme[start + heading.len()..];
        let body = &body[..body.find("\n### ").unwrap_or(body.len())];
        for key in def["properties"].as_object().unwrap().keys() {
            if !body.contains(&format!("| `{key}` |")) {
                missing.push(format!("{name}.{key}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "specs/README.md does not document: {missing:?}"
    );
}
