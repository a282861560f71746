//! State files: everything survives a restart, failed requests do not touch
//! the file, concurrent clients lose nothing.
#![allow(clippy::redundant_closure_for_method_calls)] // `is_some_and(|e| e.is_x())` reads best

mod harness;

use std::path::Path;

use aws_sdk_kinesis::primitives::Blob;
use reconcile_emulator::Config;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pinpoint.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn with_file(path: &Path) -> Config {
    Config {
        state_file: Some(path.to_owned()),
        ..Config::default()
    }
}

#[tokio::test]
async fn a_new_emulator_on_the_same_file_sees_everything() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested").join("state.json");
    {
        let em = harness::start_with(with_file(&file)).await;
        let iam = harness::iam(&em.url);
        iam.create_role()
            .role_name("r")
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .unwrap();
        iam.put_role_policy()
            .role_name("r")
            .policy_name("p")
            .policy_document(r#"{"Statement":[{"Effect":"Allow","Action":"kinesis:PutRecords","Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        let k = harness::kinesis(&em.url);
        k.create_stream()
            .stream_name("s")
            .shard_count(1)
            .send()
            .await
            .unwrap();
        harness::advance_clock(&em.emulator, 1000).await;
        k.put_record()
            .stream_name("s")
            .data(Blob::new("kept"))
            .partition_key("p")
            .send()
            .await
            .unwrap();
        let cw = harness::cloudwatch(&em.url);
        cw.put_metric_alarm()
            .alarm_name("a")
            .metric_name("M")
            .namespace("AWS/Pinpoint")
            .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
            .period(300)
            .threshold(5.0)
            .comparison_operator(
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold,
            )
            .evaluation_periods(2)
            .send()
            .await
            .unwrap();
    }
    assert!(file.exists());
    let leftovers: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files left: {leftovers:?}"
    );

    let em = harness::start_with(with_file(&file)).await;
    let iam = harness::iam(&em.url);
    let role = iam
        .get_role()
        .role_name("r")
        .send()
        .await
        .expect("role survived")
        .role
        .unwrap();
    assert!(role.role_id.starts_with("AROA"));
    iam.get_role_policy()
        .role_name("r")
        .policy_name("p")
        .send()
        .await
        .expect("inline policy survived");
    let k = harness::kinesis(&em.url);
    let summary = k
        .describe_stream_summary()
        .stream_name("s")
        .send()
        .await
        .expect("stream survived");
    assert_eq!(
        summary.stream_description_summary.unwrap().stream_status,
        aws_sdk_kinesis::types::StreamStatus::Active,
        "the clock offset survived too"
    );
    let it = k
        .get_shard_iterator()
        .stream_name("s")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap();
    let records = k
        .get_records()
        .shard_iterator(it)
        .send()
        .await
        .unwrap()
        .records;
    assert_eq!(records[0].data.as_ref(), b"kept");
    let cw = harness::cloudwatch(&em.url);
    assert_eq!(
        cw.describe_alarms()
            .send()
            .await
            .unwrap()
            .metric_alarms()
            .len(),
        1
    );
}

#[tokio::test]
async fn failed_requests_do_not_touch_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let em = harness::start_with(with_file(&file)).await;
    let iam = harness::iam(&em.url);
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    let before = std::fs::read(&file).unwrap();
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("exists");
    iam.delete_role()
        .role_name("nobody")
        .send()
        .await
        .expect_err("no such role");
    iam.list_roles().send().await.unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[tokio::test]
async fn a_write_failure_is_a_500_and_undoes_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    let em = harness::start_with(with_file(&sub.join("state.json"))).await;
    // The state file's directory becomes a file: every save fails.
    std::fs::write(&sub, b"").unwrap();
    let iam = harness::iam_no_retry(&em.url);
    let err = iam
        .create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("cannot persist");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_service_failure_exception())
    );
    let err = iam
        .get_role()
        .role_name("r")
        .send()
        .await
        .expect_err("undone");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let em = harness::start_with(with_file(&file)).await;
    let k = harness::kinesis(&em.url);
    k.create_stream()
        .stream_name("s")
        .shard_count(2)
        .send()
        .await
        .unwrap();
    harness::advance_clock(&em.emulator, 1000).await;

    let mut tasks = Vec::new();
    for client in 0..16 {
        let url = em.url.clone();
        tasks.push(tokio::spawn(async move {
            let iam = harness::iam(&url);
            let k = harness::kinesis(&url);
            for i in 0..5 {
                iam.create_role()
                    .role_name(format!("role-{client}-{i}"))
                    .assume_role_policy_document(TRUST)
                    .send()
                    .await
                    .expect("create role");
                k.put_record()
                    .stream_name("s")
                    .data(Blob::new(format!("{client}-{i}")))
                    .partition_key(format!("{client}-{i}"))
                    .send()
                    .await
                    .expect("put record");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let roles = em.emulator.with_state(|s| s.iam.roles.len());
    assert_eq!(roles, 80);
    let records: usize = em.emulator.with_state(|s| {
        s.kinesis.streams["s"]
            .shards
            .iter()
            .map(|sh| sh.records.len())
            .sum()
    });
    assert_eq!(records, 80);
    let seqs: std::collections::BTreeSet<u128> = em.emulator.with_state(|s| {
        s.kinesis.streams["s"]
            .shards
            .iter()
            .flat_map(|sh| sh.records.iter().map(|r| r.seq))
            .collect()
    });
    assert_eq!(seqs.len(), 80, "sequence numbers are unique");

    let reloaded = reconcile_emulator::state::State::load(&file).unwrap();
    assert_eq!(reloaded.iam.roles.len(), 80);
}

#[test]
fn a_corrupt_state_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    std::fs::write(&file, b"{ not json").unwrap();
    let err = reconcile_emulator::Emulator::new(with_file(&file)).expect_err("corrupt");
    let text = err.to_string();
    assert!(
        text.contains("state.json") && text.contains("not valid"),
        "{text}"
    );
}

/// Two emulators on one file (two `--local` commands, in one process here)
/// lose nothing of each other's writes, and each reads the other's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_emulators_on_one_file_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("local").join("emulator.json");
    let a = harness::start_with(with_file(&file)).await;
    let b = harness::start_with(with_file(&file)).await;
    let (ia, ib) = (harness::iam(&a.url), harness::iam(&b.url));
    let create = |iam: aws_sdk_iam::Client, name: String| async move {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .map(drop)
    };
    let mut tasks = Vec::new();
    for i in 0..40 {
        tasks.push(tokio::spawn(create(ia.clone(), format!("a{i}"))));
        tasks.push(tokio::spawn(create(ib.clone(), format!("b{i}"))));
    }
    for t in tasks {
        t.await.unwrap().expect("every create succeeds");
    }
    // Each sees the other's roles, and the file holds all of them.
    for iam in [&ia, &ib] {
        let roles = iam.list_roles().max_items(1000).send().await.unwrap();
        assert_eq!(roles.roles().len(), 80);
    }
    let reloaded = reconcile_emulator::state::State::load(&file).unwrap();
    assert_eq!(reloaded.iam.roles.len(), 80);
    // A name taken through one is taken for the other.
    let err = ib
        .create_role()
        .role_name("a0")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("exists");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_entity_already_exists_exception())
    );
}

/// The control path's writes (the clock) are transactions on the file too:
/// an advance through one emulator is seen by the other and kept by its
/// next write.
#[tokio::test]
async fn a_clock_moved_through_one_emulator_is_kept_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let a = harness::start_with(with_file(&file)).await;
    let b = harness::start_with(with_file(&file)).await;
    harness::advance_clock(&a.emulator, 60_000).await;
    harness::iam(&b.url)
        .create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    let reloaded = reconcile_emulator::state::State::load(&file).unwrap();
    assert_eq!(reloaded.clock_offset_ms, 60_000);
    assert!(reloaded.iam.roles.contains_key("r"));
}

/// A state file whose clock runs further ahead than the emulator ever sets
/// it (an old emulator accepted any advance, and every request then
/// panicked) is refused at start, naming the field, not served.
#[test]
fn an_absurd_clock_offset_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    for offset in [i64::MAX, i64::MIN, -(100 * 366 * 24 * 3600 * 1000 + 1)] {
        std::fs::write(&file, format!(r#"{{"clock_offset_ms": {offset}}}"#)).unwrap();
        let err = reconcile_emulator::Emulator::new(with_file(&file)).expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains("state.json") && text.contains("`clock_offset_ms`"),
            "{text}"
        );
    }
    let max = reconcile_emulator::state::MAX_CLOCK_OFFSET_MS;
    std::fs::write(&file, format!(r#"{{"clock_offset_ms": {max}}}"#)).unwrap();
    let em = reconcile_emulator::Emulator::new(with_file(&file)).expect("the bound itself loads");
    assert_eq!(em.with_state(|s| s.clock_offset_ms), max);
}

/// The temporaries of saves interrupted by a kill are removed when the
/// next emulator opens the state; other files beside it are kept.
#[test]
fn leftover_temporaries_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("emulator.json");
    std::fs::write(&file, b"{}").unwrap();
    let leftovers = [".emulator.json.4194321.0.tmp", ".emulator.json.1.17.tmp"];
    let kept = [".other.json.1.0.tmp", "emulator.json.bak", "notes.tmp"];
    for name in leftovers.iter().chain(&kept) {
        std::fs::write(dir.path().join(name), b"{\"half\": ").unwrap();
    }
    let _em = reconcile_emulator::Emulator::new(with_file(&file)).unwrap();
    for name in leftovers {
        assert!(!dir.path().join(name).exists(), "{name} removed");
    }
    for name in kept {
        assert!(dir.path().join(name).exists(), "{name} kept");
    }
}
