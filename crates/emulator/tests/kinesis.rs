//! Kinesis through the real `aws-sdk-kinesis` client: every served
//! operation, its success and its errors.
#![allow(clippy::redundant_closure_for_method_calls)] // `is_some_and(|e| e.is_x())` reads best

mod harness;

use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{
    PutRecordsRequestEntry, ScalingType, ShardIteratorType, StreamMode, StreamModeDetails,
    StreamStatus,
};
use axum::body::Body;
use axum::http::StatusCode;
use harness::code;

async fn active_stream(
    em: &harness::Running,
    k: &aws_sdk_kinesis::Client,
    name: &str,
    shards: i32,
) {
    k.create_stream()
        .stream_name(name)
        .shard_count(shards)
        .send()
        .await
        .expect("create");
    harness::advance_clock(&em.emulator, 1000).await;
}

#[tokio::test]
async fn streams_go_from_creating_to_active_on_the_emulator_clock() {
    let em = harness::start().await;
    let k = harness::kinesis(&em.url);
    k.create_stream()
        .stream_name("pinpoint-events-abc123")
        .shard_count(1)
        .send()
        .await
        .expect("create");
    let summary = k
        .describe_stream_summary()
        .stream_name("pinpoint-events-abc123")
        .send()
        .await
        .expect("summary")
        .stream_description_summary
        .expect("summary");
    assert_eq!(summary.stream_status, StreamStatus::Creating);
    assert_eq!(
        summary.stream_arn,
        "arn:aws:kinesis:us-east-1:123456789012:stream/pinpoint-events-abc123"
    );
    assert_eq!(summary.retention_period_hours, 24);
    assert_eq!(summary.open_shard_count, 1);
    assert_eq!(
        summary.stream_mode_details.map(|m| m.stream_mode),
        Some(StreamMode::Provisioned)
    );
    let age = aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs()
        - summary.stream_creation_timestamp.secs();
    assert!((0..60).contains(&age), "created just now: {age}");

    let err = k
        .put_record()
        .stream_name("pinpoint-events-abc123")
        .data(Blob::new("x"))
        .partition_key("p")
        .send()
        .await
        .expect_err("not writable while CREATING");
    assert_eq!(code(&err).as_deref(), Some("ResourceNotFoundException"));
    let err = k
        .delete_stream()
        .stream_name("pinpoint-events-abc123")
        .send()
        .await
        .expect_err("not deletable while CREATING");
    assert_eq!(code(&err).as_deref(), Some("ResourceInUseException"));

    harness::advance_clock(&em.emulator, 1000).await;
    let described = k
        .describe_stream()
        .stream_arn("arn:aws:kinesis:us-east-1:123456789012:stream/pinpoint-events-abc123")
        .send()
        .await
        .expect("describe by ARN")
        .stream_description
        .expect("description");
    assert_eq!(described.stream_status, StreamStatus::Active);
    assert_eq!(described.shards.len(), 1);
    let shard = &described.shards[0];
    assert_eq!(shard.shard_id, "shardId-000000000000");
    let range = shard.hash_key_range.as_ref().expect("range");
    assert_eq!(range.starting_hash_key, "0");
    assert_eq!(range.ending_hash_key, u128::MAX.to_string());
    assert!(!described.has_more_shards);

    let err = k
        .create_stream()
        .stream_name("pinpoint-events-abc123")
        .shard_count(1)
        .send()
        .await
        .expect_err("exists");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_in_use_exception())
    );

    k.delete_stream()
        .stream_name("pinpoint-events-abc123")
        .send()
        .await
        .expect("delete");
    let err = k
        .describe_stream_summary()
        .stream_name("pinpoint-events-abc123")
        .send()
        .await
        .expect_err("gone");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    );
    assert_eq!(
        harness::message(&err),
        "Stream pinpoint-events-abc123 under account 123456789012 not found."
    );
}

#[tokio::test]
async fn records_round_trip() {
    let em = harness::start().await;
    let k = harness::kinesis(&em.url);
    active_stream(&em, &k, "events", 1).await;

    let put = k
        .put_record()
        .stream_name("events")
        .data(Blob::new("first"))
        .partition_key("endpoint-1")
        .send()
        .await
        .expect("put");
    assert_eq!(put.shard_id, "shardId-000000000000");
    assert_eq!(put.sequence_number.len(), 56);
    let batch = k
        .put_records()
        .stream_name("events")
        .records(
            PutRecordsRequestEntry::builder()
                .data(Blob::new("second"))
                .partition_key("a")
                .build()
                .unwrap(),
        )
        .records(
            PutRecordsRequestEntry::builder()
                .data(Blob::new("third"))
                .partition_key("b")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("put batch");
    assert_eq!(batch.failed_record_count, Some(0));
    assert_eq!(batch.records.len(), 2);
    assert!(batch.records[0].sequence_number() > Some(put.sequence_number.as_str()));

    // A producer inside the emulator (the Pinpoint event stream) writes too.
    let written = em.emulator.with_state(|s| {
        reconcile_emulator::kinesis::append_record(
            &mut s.kinesis,
            "arn:aws:kinesis:us-east-1:123456789012:stream/events",
            b"{\"event_type\":\"_campaign.send\"}".to_vec(),
            "app",
        )
    });
    assert!(written);
    let not_written = em.emulator.with_state(|s| {
        reconcile_emulator::kinesis::append_record(
            &mut s.kinesis,
            "arn:aws:kinesis:us-east-1:123456789012:stream/none",
            vec![],
            "k",
        )
    });
    assert!(!not_written);

    let it = k
        .get_shard_iterator()
        .stream_name("events")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .expect("iterator")
        .shard_iterator
        .expect("iterator");
    let got = k
        .get_records()
        .shard_iterator(&it)
        .limit(3)
        .send()
        .await
        .expect("records");
    let data: Vec<Vec<u8>> = got
        .records
        .iter()
        .map(|r| r.data.as_ref().to_vec())
        .collect();
    assert_eq!(
        data,
        vec![b"first".to_vec(), b"second".to_vec(), b"third".to_vec()]
    );
    assert_eq!(got.records[0].partition_key.as_deref(), Some("endpoint-1"));
    assert!(got.records[0].approximate_arrival_timestamp.is_some());
    assert!(got.millis_behind_latest.is_some());
    let next = got
        .next_shard_iterator
        .expect("open shard has a next iterator");
    let rest = k
        .get_records()
        .shard_iterator(&next)
        .send()
        .await
        .expect("rest");
    assert_eq!(rest.records.len(), 1);
    assert_eq!(
        rest.records[0].data.as_ref(),
        b"{\"event_type\":\"_campaign.send\"}"
    );

    let at = k
        .get_shard_iterator()
        .stream_name("events")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
        .starting_sequence_number(&put.sequence_number)
        .send()
        .await
        .expect("after")
        .shard_iterator
        .unwrap();
    let after = k
        .get_records()
        .shard_iterator(&at)
        .limit(1)
        .send()
        .await
        .expect("records");
    assert_eq!(after.records[0].data.as_ref(), b"second");

    let latest = k
        .get_shard_iterator()
        .stream_name("events")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::Latest)
        .send()
        .await
        .expect("latest")
        .shard_iterator
        .unwrap();
    assert!(
        k.get_records()
            .shard_iterator(&latest)
            .send()
            .await
            .expect("records")
            .records
            .is_empty()
    );

    let err = k
        .get_shard_iterator()
        .stream_name("events")
        .shard_id("shardId-000000000009")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .expect_err("no such shard");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    );
    let err = k
        .get_records()
        .shard_iterator("garbage")
        .send()
        .await
        .expect_err("bad iterator");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_argument_exception())
    );

    // Iterators expire after five minutes on the emulator clock.
    harness::advance_clock(&em.emulator, 5 * 60 * 1000 + 1).await;
    let err = k
        .get_records()
        .shard_iterator(&latest)
        .send()
        .await
        .expect_err("expired");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_expired_iterator_exception())
    );

    // Records older than the retention period are no longer read.
    harness::advance_clock(&em.emulator, 25 * 3600 * 1000).await;
    let it = k
        .get_shard_iterator()
        .stream_name("events")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .expect("iterator")
        .shard_iterator
        .unwrap();
    assert!(
        k.get_records()
            .shard_iterator(&it)
            .send()
            .await
            .expect("records")
            .records
            .is_empty()
    );
}

#[tokio::test]
async fn tags_and_retention() {
    let em = harness::start().await;
    let k = harness::kinesis(&em.url);
    k.create_stream()
        .stream_name("s")
        .stream_mode_details(
            StreamModeDetails::builder()
                .stream_mode(StreamMode::OnDemand)
                .build()
                .unwrap(),
        )
        .tags("team", "push")
        .send()
        .await
        .expect("create on demand with tags");
    harness::advance_clock(&em.emulator, 1000).await;
    let summary = k
        .describe_stream_summary()
        .stream_name("s")
        .send()
        .await
        .unwrap()
        .stream_description_summary
        .unwrap();
    assert_eq!(
        summary.stream_mode_details.map(|m| m.stream_mode),
        Some(StreamMode::OnDemand)
    );
    assert_eq!(summary.open_shard_count, 4);

    k.add_tags_to_stream()
        .stream_name("s")
        .tags("env", "dev")
        .tags("team", "growth")
        .send()
        .await
        .expect("tag");
    let tags = k
        .list_tags_for_stream()
        .stream_name("s")
        .send()
        .await
        .expect("list");
    let pairs: Vec<(String, Option<String>)> = tags
        .tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("env".into(), Some("dev".into())),
            ("team".into(), Some("growth".into()))
        ]
    );
    assert!(!tags.has_more_tags);
    let page = k
        .list_tags_for_stream()
        .stream_name("s")
        .limit(1)
        .send()
        .await
        .expect("page");
    assert!(page.has_more_tags);
    k.remove_tags_from_stream()
        .stream_name("s")
        .tag_keys("team")
        .send()
        .await
        .expect("untag");
    let tags = k
        .list_tags_for_stream()
        .stream_name("s")
        .send()
        .await
        .expect("list");
    assert_eq!(tags.tags.len(), 1);

    k.increase_stream_retention_period()
        .stream_name("s")
        .retention_period_hours(48)
        .send()
        .await
        .expect("increase");
    let err = k
        .increase_stream_retention_period()
        .stream_name("s")
        .retention_period_hours(36)
        .send()
        .await
        .expect_err("not an increase");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_argument_exception())
    );
    let err = k
        .decrease_stream_retention_period()
        .stream_name("s")
        .retention_period_hours(12)
        .send()
        .await
        .expect_err("below 24 hours");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_argument_exception())
    );
    k.decrease_stream_retention_period()
        .stream_name("s")
        .retention_period_hours(24)
        .send()
        .await
        .expect("decrease");
    let summary = k
        .describe_stream_summary()
        .stream_name("s")
        .send()
        .await
        .unwrap()
        .stream_description_summary
        .unwrap();
    assert_eq!(summary.retention_period_hours, 24);

    let err = k
        .update_shard_count()
        .stream_name("s")
        .target_shard_count(8)
        .scaling_type(ScalingType::UniformScaling)
        .send()
        .await
        .expect_err("on-demand streams do not take a shard count");
    assert_eq!(code(&err).as_deref(), Some("ValidationException"));
}

#[tokio::test]
async fn resharding_closes_parents_and_opens_children() {
    let em = harness::start().await;
    let k = harness::kinesis(&em.url);
    active_stream(&em, &k, "s", 1).await;
    k.put_record()
        .stream_name("s")
        .data(Blob::new("before"))
        .partition_key("p")
        .send()
        .await
        .expect("put");

    let out = k
        .update_shard_count()
        .stream_name("s")
        .target_shard_count(2)
        .scaling_type(ScalingType::UniformScaling)
        .send()
        .await
        .expect("reshard");
    assert_eq!(out.current_shard_count, Some(1));
    assert_eq!(out.target_shard_count, Some(2));
    let summary = k
        .describe_stream_summary()
        .stream_name("s")
        .send()
        .await
        .unwrap()
        .stream_description_summary
        .unwrap();
    assert_eq!(summary.stream_status, StreamStatus::Updating);
    let err = k
        .update_shard_count()
        .stream_name("s")
        .target_shard_count(4)
        .scaling_type(ScalingType::UniformScaling)
        .send()
        .await
        .expect_err("busy");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_in_use_exception())
    );
    harness::advance_clock(&em.emulator, 1000).await;

    let shards = k
        .list_shards()
        .stream_name("s")
        .send()
        .await
        .expect("list shards")
        .shards
        .unwrap_or_default();
    assert_eq!(shards.len(), 3);
    assert!(
        shards[0]
            .sequence_number_range
            .as_ref()
            .unwrap()
            .ending_sequence_number
            .is_some()
    );
    assert_eq!(
        shards[1].parent_shard_id.as_deref(),
        Some("shardId-000000000000")
    );
    assert_eq!(
        shards[2].parent_shard_id.as_deref(),
        Some("shardId-000000000000")
    );
    let open = k
        .list_shards()
        .stream_name("s")
        .shard_filter(
            aws_sdk_kinesis::types::ShardFilter::builder()
                .r#type(aws_sdk_kinesis::types::ShardFilterType::AtLatest)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("open shards")
        .shards
        .unwrap_or_default();
    assert_eq!(open.len(), 2);
    let page = k
        .list_shards()
        .stream_name("s")
        .max_results(2)
        .send()
        .await
        .expect("page");
    let token = page.next_token.expect("more");
    let rest = k
        .list_shards()
        .next_token(token)
        .send()
        .await
        .expect("rest")
        .shards
        .unwrap_or_default();
    assert_eq!(rest.len(), 1);

    // Reading the closed parent to its end hands over to the children.
    let it = k
        .get_shard_iterator()
        .stream_name("s")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap();
    let got = k
        .get_records()
        .shard_iterator(&it)
        .send()
        .await
        .expect("records");
    assert_eq!(got.records.len(), 1);
    assert!(got.next_shard_iterator.is_none());
    assert_eq!(got.child_shards().len(), 2);

    let err = k
        .update_shard_count()
        .stream_name("s")
        .target_shard_count(5)
        .scaling_type(ScalingType::UniformScaling)
        .send()
        .await
        .expect_err("more than double");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_limit_exceeded_exception())
    );
}

#[tokio::test]
async fn list_streams_and_validation() {
    let em = harness::start().await;
    let k = harness::kinesis(&em.url);
    for name in ["a", "b", "c"] {
        k.create_stream()
            .stream_name(name)
            .shard_count(1)
            .send()
            .await
            .expect("create");
    }
    let all = k.list_streams().send().await.expect("list");
    assert_eq!(all.stream_names, vec!["a", "b", "c"]);
    assert!(!all.has_more_streams);
    assert_eq!(all.stream_summaries().len(), 3);
    assert_eq!(
        all.stream_summaries()[0].stream_status,
        StreamStatus::Creating
    );
    let page = k.list_streams().limit(2).send().await.expect("page");
    assert!(page.has_more_streams);
    let rest = k
        .list_streams()
        .next_token(page.next_token.unwrap())
        .send()
        .await
        .expect("rest");
    assert_eq!(rest.stream_names, vec!["c"]);
    let after = k
        .list_streams()
        .exclusive_start_stream_name("a")
        .send()
        .await
        .expect("after");
    assert_eq!(after.stream_names, vec!["b", "c"]);

    let err = k
        .create_stream()
        .stream_name("bad name!")
        .shard_count(1)
        .send()
        .await
        .expect_err("bad name");
    assert_eq!(code(&err).as_deref(), Some("ValidationException"));
    let err = k
        .create_stream()
        .stream_name("d")
        .stream_mode_details(
            StreamModeDetails::builder()
                .stream_mode(StreamMode::Provisioned)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect_err("provisioned needs a shard count");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_argument_exception())
    );
    let err = k
        .describe_stream()
        .send()
        .await
        .expect_err("no stream named");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_argument_exception())
    );
    let err = k
        .describe_stream()
        .stream_arn("arn:aws:kinesis:eu-west-1:123456789012:stream/a")
        .send()
        .await
        .expect_err("another region");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    );
    assert_eq!(
        k.list_streams().send().await.unwrap().stream_names.len(),
        3,
        "failed creates left nothing"
    );
}

#[tokio::test]
async fn wire_errors_in_json_shape() {
    let em = harness::start().await;
    let req = |target: &str, body: &'static str| {
        harness::aws_request("POST", "/", "kinesis")
            .header("x-amz-target", target)
            .header("content-type", "application/x-amz-json-1.1")
            .body(Body::from(body))
            .unwrap()
    };
    let r = harness::raw(
        &em.emulator,
        req("Kinesis_20131202.ListStreams", "{not json"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["__type"], "SerializationException");
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));

    let r = harness::raw(
        &em.emulator,
        req("Kinesis_20131202.CreateStream", r#"{"StreamName": 7}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["__type"], "SerializationException");

    let r = harness::raw(&em.emulator, req("Kinesis_20131202.SplitShard", "{}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["__type"], "UnknownOperationException");

    let r = harness::raw(&em.emulator, req("Kinesis_20131202.ListStreams", "")).await;
    assert_eq!(r.status, StatusCode::OK, "an empty body is an empty input");
    assert_eq!(r.json()["StreamNames"], serde_json::json!([]));
}
