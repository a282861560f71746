//! IAM through the real `aws-sdk-iam` client: every served operation, its
//! success and its errors.
#![allow(clippy::redundant_closure_for_method_calls)] // `is_some_and(|e| e.is_x())` reads best

mod harness;

use aws_sdk_iam::types::Tag;
use axum::body::Body;
use axum::http::StatusCode;
use harness::{code, message};

const TRUST: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": { "Service": "pinpoint.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }
    ]
}"#;

const RECIPE_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonPinpointServiceRole";

fn decode(doc: &str) -> serde_json::Value {
    let text = percent_encoding::percent_decode_str(doc)
        .decode_utf8()
        .expect("utf-8");
    serde_json::from_str(&text).expect("a JSON document")
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().expect("tag")
}

#[tokio::test]
async fn role_lifecycle() {
    let em = harness::start().await;
    let iam = harness::iam(&em.url);

    let created = iam
        .create_role()
        .role_name("PinpointServiceRole-abc123")
        .path("/service/")
        .description("lets Pinpoint write events")
        .assume_role_policy_document(TRUST)
        .tags(tag("team", "push"))
        .send()
        .await
        .expect("create")
        .role
        .expect("role");
    assert_eq!(created.role_name, "PinpointServiceRole-abc123");
    assert_eq!(
        created.arn,
        "arn:aws:iam::123456789012:role/service/PinpointServiceRole-abc123"
    );
    assert!(
        created.role_id.starts_with("AROA") && created.role_id.len() == 21,
        "{}",
        created.role_id
    );
    assert_eq!(created.path, "/service/");
    let age = aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs()
        - created.create_date.secs();
    assert!((0..60).contains(&age), "created just now");
    // Documents come back URL-encoded, as AWS sends them.
    let doc = created
        .assume_role_policy_document
        .as_deref()
        .expect("document");
    assert!(doc.starts_with("%7B"), "{doc}");
    assert_eq!(
        decode(doc),
        serde_json::from_str::<serde_json::Value>(TRUST).unwrap()
    );

    let got = iam
        .get_role()
        .role_name("PinpointServiceRole-abc123")
        .send()
        .await
        .expect("get")
        .role
        .expect("role");
    assert_eq!(got.role_id, created.role_id);
    assert_eq!(
        got.description.as_deref(),
        Some("lets Pinpoint write events")
    );
    assert_eq!(got.max_session_duration, Some(3600));
    assert_eq!(got.tags(), &[tag("team", "push")]);

    // Names are found case-insensitively.
    iam.get_role()
        .role_name("pinpointservicerole-ABC123")
        .send()
        .await
        .expect("case-insensitive get");

    let new_trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"kinesis.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.update_assume_role_policy()
        .role_name("PinpointServiceRole-abc123")
        .policy_document(new_trust)
        .send()
        .await
        .expect("update trust");
    iam.update_role()
        .role_name("PinpointServiceRole-abc123")
        .description("changed")
        .max_session_duration(7200)
        .send()
        .await
        .expect("update role");
    let got = iam
        .get_role()
        .role_name("PinpointServiceRole-abc123")
        .send()
        .await
        .expect("get")
        .role
        .expect("role");
    assert_eq!(
        decode(got.assume_role_policy_document.as_deref().unwrap())["Statement"][0]["Principal"]["Service"],
        "kinesis.amazonaws.com"
    );
    assert_eq!(got.description.as_deref(), Some("changed"));
    assert_eq!(got.max_session_duration, Some(7200));

    // Tags: add (replacing by key), list, remove.
    iam.tag_role()
        .role_name("PinpointServiceRole-abc123")
        .tags(tag("team", "growth"))
        .tags(tag("env", "dev"))
        .send()
        .await
        .expect("tag");
    let tags = iam
        .list_role_tags()
        .role_name("PinpointServiceRole-abc123")
        .send()
        .await
        .expect("list tags");
    // ListRoleTags sorts by key; GetRole keeps the order of tagging.
    assert_eq!(tags.tags(), &[tag("env", "dev"), tag("team", "growth")]);
    assert!(!tags.is_truncated);
    iam.untag_role()
        .role_name("PinpointServiceRole-abc123")
        .tag_keys("team")
        .send()
        .await
        .expect("untag");
    let tags = iam
        .list_role_tags()
        .role_name("PinpointServiceRole-abc123")
        .send()
        .await
        .expect("list tags");
    assert_eq!(tags.tags(), &[tag("env", "dev")]);

    let listed = iam.list_roles().send().await.expect("list");
    assert_eq!(listed.roles().len(), 1);
    assert_eq!(listed.roles()[0].role_name, "PinpointServiceRole-abc123");
    // ListRoles does not return tags, as AWS documents.
    assert!(listed.roles()[0].tags().is_empty());

    iam.delete_role()
        .role_name("PinpointServiceRole-abc123")
        .send()
        .await
        .expect("delete");
    let err = iam
        .get_role()
        .role_name("PinpointServiceRole-abc123")
        .send()
        .await
        .expect_err("gone");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );
    assert_eq!(
        message(&err),
        "The role with name PinpointServiceRole-abc123 cannot be found."
    );
    let err = iam
        .delete_role()
        .role_name("PinpointServiceRole-abc123")
        .send()
        .await
        .expect_err("gone");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );
}

#[tokio::test]
async fn role_validation_errors_leave_nothing_behind() {
    let em = harness::start().await;
    let iam = harness::iam(&em.url);
    iam.create_role()
        .role_name("Taken")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("create");

    let err = iam
        .create_role()
        .role_name("TAKEN")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("names collide case-insensitively");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_entity_already_exists_exception())
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(409));

    let err = iam
        .create_role()
        .role_name("has space")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("bad name");
    assert_eq!(code(&err).as_deref(), Some("ValidationError"));
    assert!(message(&err).contains("roleName"), "{}", message(&err));

    let err = iam
        .create_role()
        .role_name("Other")
        .assume_role_policy_document("{not json")
        .send()
        .await
        .expect_err("bad document");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_malformed_policy_document_exception())
    );

    let err = iam
        .create_role()
        .role_name("Other")
        .assume_role_policy_document(TRUST)
        .max_session_duration(60)
        .send()
        .await
        .expect_err("too short a session");
    assert_eq!(code(&err).as_deref(), Some("ValidationError"));

    let err = iam
        .create_role()
        .role_name("Other")
        .assume_role_policy_document(TRUST)
        .tags(tag("k", "1"))
        .tags(tag("K", "2"))
        .send()
        .await
        .expect_err("duplicate tag keys");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_input_exception())
    );

    let err = iam
        .update_assume_role_policy()
        .role_name("Taken")
        .policy_document("[]")
        .send()
        .await
        .expect_err("not a policy");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_malformed_policy_document_exception())
    );

    let roles = iam.list_roles().send().await.expect("list");
    assert_eq!(roles.roles().len(), 1, "only the first role exists");
    let trust = roles.roles()[0]
        .assume_role_policy_document
        .as_deref()
        .unwrap();
    assert_eq!(
        decode(trust)["Statement"][0]["Principal"]["Service"],
        "pinpoint.amazonaws.com"
    );
}

#[tokio::test]
async fn managed_and_inline_policies() {
    let em = harness::start().await;
    let iam = harness::iam(&em.url);
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("create");

    iam.attach_role_policy()
        .role_name("r")
        .policy_arn(RECIPE_POLICY)
        .send()
        .await
        .expect("the recipe's policy attaches");
    // Attaching again is accepted and changes nothing.
    iam.attach_role_policy()
        .role_name("r")
        .policy_arn(RECIPE_POLICY)
        .send()
        .await
        .expect("idempotent");
    let err = iam
        .attach_role_policy()
        .role_name("r")
        .policy_arn("arn:aws:iam::aws:policy/NoSuchPolicyAnywhere")
        .send()
        .await
        .expect_err("unknown managed policy");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );
    let err = iam
        .attach_role_policy()
        .role_name("nobody")
        .policy_arn(RECIPE_POLICY)
        .send()
        .await
        .expect_err("unknown role");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );

    let attached = iam
        .list_attached_role_policies()
        .role_name("r")
        .send()
        .await
        .expect("list attached");
    let names: Vec<_> = attached
        .attached_policies()
        .iter()
        .map(|p| {
            (
                p.policy_name().unwrap_or_default(),
                p.policy_arn().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(names, vec![("AmazonPinpointServiceRole", RECIPE_POLICY)]);

    let err = iam
        .delete_role()
        .role_name("r")
        .send()
        .await
        .expect_err("policies remain");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_delete_conflict_exception())
    );
    assert_eq!(
        message(&err),
        "Cannot delete entity, must detach all policies first."
    );

    let inline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:PutRecords","kinesis:DescribeStream"],"Resource":"arn:aws:kinesis:us-east-1:123456789012:stream/s"}]}"#;
    iam.put_role_policy()
        .role_name("r")
        .policy_name("write-events")
        .policy_document(inline)
        .send()
        .await
        .expect("put inline");
    let got = iam
        .get_role_policy()
        .role_name("r")
        .policy_name("write-events")
        .send()
        .await
        .expect("get inline");
    assert_eq!(got.role_name, "r");
    assert_eq!(got.policy_name, "write-events");
    assert_eq!(
        decode(&got.policy_document),
        serde_json::from_str::<serde_json::Value>(inline).unwrap()
    );
    let names = iam
        .list_role_policies()
        .role_name("r")
        .send()
        .await
        .expect("list inline");
    assert_eq!(names.policy_names(), &["write-events".to_owned()]);

    iam.detach_role_policy()
        .role_name("r")
        .policy_arn(RECIPE_POLICY)
        .send()
        .await
        .expect("detach");
    let err = iam
        .detach_role_policy()
        .role_name("r")
        .policy_arn(RECIPE_POLICY)
        .send()
        .await
        .expect_err("no longer attached");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );

    let err = iam
        .delete_role()
        .role_name("r")
        .send()
        .await
        .expect_err("inline remains");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_delete_conflict_exception())
    );
    assert_eq!(
        message(&err),
        "Cannot delete entity, must delete policies first."
    );

    let err = iam
        .get_role_policy()
        .role_name("r")
        .policy_name("other")
        .send()
        .await
        .expect_err("no such inline policy");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );
    let err = iam
        .put_role_policy()
        .role_name("r")
        .policy_name("bad")
        .policy_document("nope")
        .send()
        .await
        .expect_err("not JSON");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_malformed_policy_document_exception())
    );

    iam.delete_role_policy()
        .role_name("r")
        .policy_name("write-events")
        .send()
        .await
        .expect("delete inline");
    let err = iam
        .delete_role_policy()
        .role_name("r")
        .policy_name("write-events")
        .send()
        .await
        .expect_err("already deleted");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );
    iam.delete_role()
        .role_name("r")
        .send()
        .await
        .expect("now it deletes");
}

#[tokio::test]
async fn customer_managed_policies() {
    let em = harness::start().await;
    let iam = harness::iam(&em.url);
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:PutRecords","Resource":"*"}]}"#;
    let policy = iam
        .create_policy()
        .policy_name("write-events")
        .policy_document(doc)
        .description("events")
        .send()
        .await
        .expect("create policy")
        .policy
        .expect("policy");
    let arn = policy.arn().expect("arn").to_owned();
    assert_eq!(arn, "arn:aws:iam::123456789012:policy/write-events");
    assert!(policy.policy_id().is_some_and(|id| id.starts_with("ANPA")));
    assert_eq!(policy.default_version_id(), Some("v1"));
    assert_eq!(policy.attachment_count(), Some(0));

    let err = iam
        .create_policy()
        .policy_name("write-events")
        .policy_document(doc)
        .send()
        .await
        .expect_err("duplicate");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_entity_already_exists_exception())
    );

    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("role");
    iam.attach_role_policy()
        .role_name("r")
        .policy_arn(&arn)
        .send()
        .await
        .expect("attach customer policy");
    let got = iam
        .get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect("get")
        .policy
        .expect("policy");
    assert_eq!(got.attachment_count(), Some(1));
    assert_eq!(got.description(), Some("events"));
    let version = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .expect("version")
        .policy_version
        .expect("version");
    assert_eq!(
        decode(version.document().unwrap()),
        serde_json::from_str::<serde_json::Value>(doc).unwrap()
    );

    let err = iam
        .delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect_err("attached");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_delete_conflict_exception())
    );

    let local = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("local");
    assert_eq!(local.policies().len(), 1);
    let aws = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Aws)
        .send()
        .await
        .expect("aws");
    assert!(
        aws.policies()
            .iter()
            .any(|p| p.arn() == Some(RECIPE_POLICY))
    );
    assert!(aws.policies().iter().all(|p| {
        p.arn()
            .is_some_and(|a| a.starts_with("arn:aws:iam::aws:policy/"))
    }));
    let recipe = iam
        .get_policy()
        .policy_arn(RECIPE_POLICY)
        .send()
        .await
        .expect("aws policy")
        .policy
        .unwrap();
    assert_eq!(recipe.path(), Some("/service-role/"));

    iam.detach_role_policy()
        .role_name("r")
        .policy_arn(&arn)
        .send()
        .await
        .expect("detach");
    iam.delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect("delete");
    let err = iam
        .get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect_err("gone");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );
}

#[tokio::test]
async fn list_roles_pages_with_marker() {
    let em = harness::start().await;
    let iam = harness::iam(&em.url);
    for i in 0..5 {
        iam.create_role()
            .role_name(format!("role-{i}"))
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .expect("create");
    }
    let first = iam.list_roles().max_items(2).send().await.expect("page 1");
    assert_eq!(first.roles().len(), 2);
    assert!(first.is_truncated);
    let marker = first.marker().expect("marker").to_owned();
    let second = iam
        .list_roles()
        .max_items(2)
        .marker(marker)
        .send()
        .await
        .expect("page 2");
    assert_eq!(second.roles()[0].role_name, "role-2");

    let all: Vec<String> = iam
        .list_roles()
        .max_items(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate")
        .into_iter()
        .map(|r| r.role_name)
        .collect();
    assert_eq!(all, (0..5).map(|i| format!("role-{i}")).collect::<Vec<_>>());

    let err = iam
        .list_roles()
        .max_items(0)
        .send()
        .await
        .expect_err("MaxItems below 1");
    assert_eq!(code(&err).as_deref(), Some("ValidationError"));
}

#[tokio::test]
async fn wire_errors_in_iam_shape() {
    let em = harness::start().await;
    let form = |body: &str| {
        harness::aws_request("POST", "/", "iam")
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let r = harness::raw(
        &em.emulator,
        form("Action=CreateUser&Version=2010-05-08&UserName=u"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("<Code>InvalidAction</Code>"),
        "{}",
        r.text()
    );
    assert!(
        r.text()
            .starts_with(r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">"#)
    );

    let r = harness::raw(&em.emulator, form("Version=2010-05-08")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("<Code>MissingAction</Code>"),
        "{}",
        r.text()
    );

    let r = harness::raw(
        &em.emulator,
        harness::aws_request("POST", "/", "iam")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(&b"Action=GetRole&RoleName=%FF%FE"[..]))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("<Code>MalformedInput</Code>"),
        "{}",
        r.text()
    );

    let unsigned = axum::http::Request::builder()
        .method("POST")
        .uri("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("Action=ListRoles&Version=2010-05-08"))
        .unwrap();
    let r = harness::raw(&em.emulator, unsigned).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.text().contains("<Code>MissingAuthenticationToken</Code>"),
        "{}",
        r.text()
    );

    let r = harness::raw(&em.emulator, form("Action=ListRoles&Version=2010-05-08")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().starts_with(r#"<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult><Roles></Roles><IsTruncated>false</IsTruncated></ListRolesResult>"#), "{}", r.text());
    assert!(r.header("x-amzn-requestid").is_some());
}
