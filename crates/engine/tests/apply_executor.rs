//! The executor against an in-memory account: order, parallelism, failure
//! handling, retries, rollback, crash recovery and the journal's ordering.

mod apply_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apply_support::{Fault, MemAccount, addr, attrs, change, create, plan, res};
use reconcile_engine::journal::{StepStatus, UndoStatus};
use reconcile_engine::{
    Action, ApplyOutcome, ExecError, ExecOptions, HistoryOutcome, Journal, OnFailure, Plan,
    ProgressEvent, Provider, ReadRequest, RollbackOutcome, execute, list_applies, reverse_plan,
    rollback,
};
use reconcile_model::WriteOnly;
use reconcile_model::resource::FINGERPRINT_ATTR;
use serde_json::json;

fn opts(on_failure: OnFailure) -> ExecOptions {
    ExecOptions {
        parallelism: 4,
        on_failure,
        ..ExecOptions::default()
    }
}

/// Runs a plan with a fresh journal; returns the report, the journal path
/// and the events.
async fn run(
    account: &Arc<MemAccount>,
    state_dir: &std::path::Path,
    plan: &Plan,
    opts: &ExecOptions,
) -> (
    Result<reconcile_engine::ApplyReport, ExecError>,
    std::path::PathBuf,
    Vec<ProgressEvent>,
) {
    let mut journal = Journal::begin(state_dir, plan).unwrap();
    account.watch_journal(journal.path().to_owned());
    let events = Mutex::new(Vec::new());
    let report = execute(account.clone(), plan, opts, &mut journal, |e| {
        events.lock().unwrap().push(e);
    })
    .await;
    (
        report,
        journal.path().to_owned(),
        events.into_inner().unwrap(),
    )
}

async fn live(account: &MemAccount) -> reconcile_engine::LiveState {
    account
        .read(&ReadRequest {
            stack: "demo",
            desired: &[],
            adopt: false,
        })
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn dependencies_are_respected_while_independent_changes_run_in_parallel() {
    let account = Arc::new(MemAccount::new([]));
    let mut changes = vec![create("app", attrs("app", 1))];
    let mut edges = Vec::new();
    let segs: Vec<String> = (0..6).map(|i| format!("segment.s{i}")).collect();
    let tpls: Vec<String> = (0..4).map(|i| format!("template.t{i}")).collect();
    for s in &segs {
        changes.push(create(s, attrs(s, 1)));
        edges.push(("app", s.as_str()));
    }
    for t in &tpls {
        changes.push(create(t, attrs(t, 1)));
    }
    changes.push(create("campaign.c", attrs("c", 1)));
    edges.push(("segment.s0", "campaign.c"));
    edges.push(("template.t0", "campaign.c"));
    let p = plan(changes, &edges);
    let dir = tempfile::tempdir().unwrap();
    let (report, _, _) = run(&account, dir.path(), &p, &opts(OnFailure::Rollback)).await;
    let report = report.unwrap();

    assert_eq!(report.outcome, ApplyOutcome::Succeeded);
    assert_eq!(report.succeeded.len(), 12);
    assert_eq!(account.snapshot().len(), 12);
    let calls = account.calls();
    let call = |a: &str| calls.iter().find(|c| c.address == addr(a)).unwrap();
    for (before, after) in &edges {
        assert!(
            call(before).ended < call(after).started,
            "`{after}` started before `{before}` finished"
        );
    }
    assert_eq!(
        account.max_in_flight(),
        4,
        "bounded by parallelism, and used"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failure_skips_what_depends_on_it_and_stop_leaves_the_rest() {
    let account = Arc::new(MemAccount::new([]));
    account.fail(&addr("segment.vip"), Action::Create, Fault::Reject, 1);
    let p = plan(
        vec![
            create("segment.vip", attrs("vip", 1)),
            create("campaign.launch", attrs("launch", 1)),
            create("campaign.later", attrs("later", 1)),
            create("template.welcome", attrs("welcome", 1)),
        ],
        &[
            ("segment.vip", "campaign.launch"),
            ("campaign.launch", "campaign.later"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let (report, path, events) = run(&account, dir.path(), &p, &opts(OnFailure::Stop)).await;
    let report = report.unwrap();

    assert_eq!(report.outcome, ApplyOutcome::Failed);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, addr("segment.vip"));
    assert!(report.failed[0].1.contains("programmed rejection"));
    assert_eq!(
        report.skipped,
        vec![addr("campaign.launch"), addr("campaign.later")]
    );
    assert_eq!(report.succeeded, vec![addr("template.welcome")]);
    // The account: only the independent template exists; the campaigns were
    // never requested.
    assert_eq!(
        account.snapshot().keys().cloned().collect::<Vec<_>>(),
        vec![addr("template.welcome")]
    );
    assert_eq!(
        account.calls_to(&addr("campaign.launch"), Some(Action::Create)),
        0
    );
    let hint = report.how_to_go_on().unwrap();
    assert!(
        hint.contains(&format!("reconcile rollback {}", report.apply_id)),
        "{hint}"
    );
    assert!(events.iter().any(|e| matches!(e,
        ProgressEvent::StepSkipped { address, .. } if *address == addr("campaign.later"))));

    let state = Journal::replay(&path).unwrap();
    assert_eq!(state.outcome, Some(ApplyOutcome::Failed));
    assert_eq!(state.history_outcome(), HistoryOutcome::Failed);
    assert_eq!(state.counts().succeeded, 1);
    assert_eq!(state.counts().failed, 1);
}

/// The account before, and a plan that creates, updates, deletes and
/// replaces, whose last step fails.
fn mixed() -> (Vec<reconcile_model::Resource>, Plan) {
    let before = vec![
        res("app", attrs("app", 1)),
        res("segment.a", attrs("a", 1)),
        res("segment.gone", attrs("gone", 1)),
        res("template.t", attrs("t", 1)),
        res("campaign.old", json!({ "name": "old", "segment": "a" })),
    ];
    let p = plan(
        vec![
            change(
                Action::NoOp,
                Some(before[0].clone()),
                Some(before[0].clone()),
            ),
            change(
                Action::Update,
                Some(before[1].clone()),
                Some(res("segment.a", attrs("a", 2))),
            ),
            change(Action::Delete, Some(before[2].clone()), None),
            change(
                Action::Replace,
                Some(before[3].clone()),
                Some(res("template.t", attrs("t-renamed", 1))),
            ),
            change(Action::Delete, Some(before[4].clone()), None),
            create("segment.new", attrs("new", 1)),
            create("campaign.new", json!({ "name": "new", "segment": "new" })),
        ],
        &[
            ("app", "segment.a"),
            ("app", "segment.new"),
            ("campaign.old", "segment.gone"),
            ("segment.new", "campaign.new"),
            ("template.t", "campaign.new"),
        ],
    );
    (before, p)
}

#[tokio::test(start_paused = true)]
async fn rollback_restores_the_account_exactly() {
    let (before, p) = mixed();
    let account = Arc::new(MemAccount::new(before));
    let initial = account.snapshot();
    account.fail(&addr("campaign.new"), Action::Create, Fault::Reject, 1);
    let dir = tempfile::tempdir().unwrap();
    let (report, path, events) = run(&account, dir.path(), &p, &opts(OnFailure::Rollback)).await;
    let report = report.unwrap();

    assert_eq!(account.snapshot(), initial, "the account is as before");
    assert_eq!(report.outcome, ApplyOutcome::RolledBack);
    assert_eq!(report.failed.len(), 1);
    let mut rolled_back = report.rolled_back.clone();
    rolled_back.sort();
    let mut expect = vec![
        addr("campaign.old"),
        addr("segment.a"),
        addr("segment.gone"),
        addr("segment.new"),
        addr("template.t"),
    ];
    expect.sort();
    assert_eq!(rolled_back, expect);
    assert!(report.how_to_go_on().unwrap().contains("undone"));

    // Undo order: the campaign targets the segment, so the segment comes
    // back first; segment.new is deleted only after ... nothing depends on
    // it any more, and `campaign.old` is re-created after `segment.gone`.
    let calls = account.calls();
    let undo_of = |a: &str, act: Action| {
        calls
            .iter()
            .rfind(|c| c.address == addr(a) && c.action == Some(act))
            .unwrap()
            .clone()
    };
    assert!(
        undo_of("segment.gone", Action::Create).ended
            < undo_of("campaign.old", Action::Create).started
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::RollbackStarted { .. }))
    );

    // The journal: the replace is two steps, every completed step is undone.
    let state = Journal::replay(&path).unwrap();
    let t_steps: Vec<_> = state
        .steps
        .values()
        .filter(|s| s.address == addr("template.t"))
        .map(|s| (s.action, s.replace))
        .collect();
    assert_eq!(
        t_steps,
        vec![(Action::Delete, true), (Action::Create, true)]
    );
    for s in state.succeeded() {
        assert!(matches!(s.undo, UndoStatus::Undone { .. }), "{s:?}");
    }
    assert_eq!(state.outcome, Some(ApplyOutcome::RolledBack));
    assert_eq!(state.history_outcome(), HistoryOutcome::RolledBack);
    // The app's no-op was never sent.
    assert_eq!(account.calls_to(&addr("app"), Some(Action::Update)), 0);
    let history = list_applies(dir.path(), "demo").unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].outcome, HistoryOutcome::RolledBack);
    assert_eq!(history[0].counts.undone, 6);
}

/// On a multi-threaded runtime (real time, short latency), so that a request
/// sent before its record was synced would be seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_is_journaled_before_it_is_sent() {
    let (before, p) = mixed();
    let account = Arc::new(MemAccount::with_latency(before, Duration::from_millis(2)));
    account.fail(&addr("campaign.new"), Action::Create, Fault::Reject, 1);
    account.fail(&addr("segment.a"), Action::Update, Fault::Throttle, 2);
    let dir = tempfile::tempdir().unwrap();
    let o = ExecOptions {
        backoff_base: Duration::from_millis(2),
        ..opts(OnFailure::Rollback)
    };
    let (report, _, _) = run(&account, dir.path(), &p, &o).await;
    report.unwrap();
    let (checked, violations) = account.journal_checks();
    let sent = account
        .calls()
        .iter()
        .filter(|c| c.action.is_some())
        .count();
    assert_eq!(checked, sent, "every request was checked, undos included");
    assert!(checked >= 14, "{checked}");
    assert!(violations.is_empty(), "{violations:?}");
}

#[tokio::test(start_paused = true)]
async fn stop_leaves_completed_steps_and_a_later_rollback_restores() {
    let (before, p) = mixed();
    let account = Arc::new(MemAccount::new(before));
    let initial = account.snapshot();
    account.fail(&addr("campaign.new"), Action::Create, Fault::Reject, 1);
    let dir = tempfile::tempdir().unwrap();
    let (report, path, _) = run(&account, dir.path(), &p, &opts(OnFailure::Stop)).await;
    let report = report.unwrap();
    assert_eq!(report.outcome, ApplyOutcome::Failed);
    assert!(report.rolled_back.is_empty());
    let after = account.snapshot();
    assert_ne!(after, initial);
    assert_eq!(after[&addr("segment.a")], attrs("a", 2));
    assert!(after.contains_key(&addr("segment.new")));
    assert!(!after.contains_key(&addr("segment.gone")));

    // `reconcile rollback`: reverse plan from the journal and the account.
    let mut journal = Journal::open(&path).unwrap();
    let reverse = reverse_plan(journal.state(), &live(&account).await);
    assert!(reverse.drifted.is_empty(), "{:?}", reverse.drifted);
    assert!(reverse.inexact.is_empty());
    let actions: BTreeMap<_, _> = reverse
        .plan
        .changes
        .iter()
        .map(|c| (c.address.to_string(), c.action))
        .collect();
    assert_eq!(actions["segment.new"], Action::Delete);
    assert_eq!(actions["segment.a"], Action::Update);
    assert_eq!(actions["segment.gone"], Action::Create);
    assert_eq!(actions["template.t"], Action::Replace);
    let rb = rollback(
        account.clone(),
        &reverse,
        &opts(OnFailure::Stop),
        &mut journal,
        false,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(rb.outcome, RollbackOutcome::Complete);
    assert_eq!(account.snapshot(), initial);
    let (_, violations) = account.journal_checks();
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(
        Journal::replay(&path).unwrap().history_outcome(),
        HistoryOutcome::RolledBack
    );
    // A second reverse plan has nothing left to do.
    let again = reverse_plan(&Journal::replay(&path).unwrap(), &live(&account).await);
    assert!(again.is_empty(), "{:?}", again.plan.changes);
}

#[tokio::test(start_paused = true)]
async fn rollback_refuses_a_resource_changed_since_unless_forced() {
    let (before, p) = mixed();
    let account = Arc::new(MemAccount::new(before));
    let initial = account.snapshot();
    account.fail(&addr("campaign.new"), Action::Create, Fault::Reject, 1);
    let dir = tempfile::tempdir().unwrap();
    let (_, path, _) = run(&account, dir.path(), &p, &opts(OnFailure::Stop)).await;
    account.tamper(&addr("segment.a"), attrs("a", 99));

    let mut journal = Journal::open(&path).unwrap();
    let reverse = reverse_plan(journal.state(), &live(&account).await);
    assert_eq!(reverse.drifted, vec![addr("segment.a")]);
    let err = rollback(
        account.clone(),
        &reverse,
        &opts(OnFailure::Stop),
        &mut journal,
        false,
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExecError::Drifted { .. }));
    assert!(err.to_string().contains("`segment.a`"), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    assert_ne!(account.snapshot(), initial, "nothing was undone");

    let rb = rollback(
        account.clone(),
        &reverse,
        &opts(OnFailure::Stop),
        &mut journal,
        true,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(rb.outcome, RollbackOutcome::Complete);
    assert_eq!(account.snapshot(), initial);
}

#[tokio::test(start_paused = true)]
async fn a_create_whose_response_was_lost_is_found_not_duplicated() {
    let account = Arc::new(MemAccount::new([]));
    account.fail(
        &addr("segment.vip"),
        Action::Create,
        Fault::LostAfterCommit,
        1,
    );
    let p = plan(vec![create("segment.vip", attrs("vip", 1))], &[]);
    let dir = tempfile::tempdir().unwrap();
    let (report, path, events) = run(&account, dir.path(), &p, &opts(OnFailure::Rollback)).await;
    let report = report.unwrap();
    assert_eq!(report.outcome, ApplyOutcome::Succeeded);
    assert_eq!(account.count(&addr("segment.vip")), 1, "no duplicate");
    assert_eq!(
        account.calls_to(&addr("segment.vip"), Some(Action::Create)),
        1
    );
    assert_eq!(
        account.calls_to(&addr("segment.vip"), None),
        1,
        "looked up once"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::Retrying { .. }))
    );
    let state = Journal::replay(&path).unwrap();
    let step = state.steps.values().next().unwrap();
    assert_eq!(
        step.status,
        StepStatus::Succeeded {
            live_after: Some(res("segment.vip", attrs("vip", 1)))
        }
    );
}

#[tokio::test(start_paused = true)]
async fn a_create_found_done_in_part_is_finished_with_an_update() {
    let account = Arc::new(MemAccount::new([]));
    let role = addr("iam_role.events");
    account.fail(&role, Action::Create, Fault::PartialThenLost, 1);
    let want = json!({ "name": "events", "extra": "policy" });
    let p = plan(vec![create("iam_role.events", want.clone())], &[]);
    let dir = tempfile::tempdir().unwrap();
    let (report, path, _) = run(&account, dir.path(), &p, &opts(OnFailure::Rollback)).await;
    assert_eq!(report.unwrap().outcome, ApplyOutcome::Succeeded);
    assert_eq!(account.count(&role), 1, "no duplicate");
    assert_eq!(account.snapshot()[&role], want, "the create was finished");
    assert_eq!(account.calls_to(&role, Some(Action::Create)), 1);
    assert_eq!(account.calls_to(&role, None), 1, "looked up once");
    assert_eq!(account.calls_to(&role, Some(Action::Update)), 1);
    assert!(
        account.journal_checks().1.is_empty(),
        "{:?}",
        account.journal_checks()
    );
    // Still one create in the journal, which a rollback undoes by a delete.
    let state = Journal::replay(&path).unwrap();
    let step = state.steps.values().next().unwrap();
    assert_eq!(step.action, Action::Create);
    assert_eq!(
        step.status,
        StepStatus::Succeeded {
            live_after: Some(res("iam_role.events", want))
        }
    );
}

#[tokio::test(start_paused = true)]
async fn a_create_lost_before_it_arrived_is_looked_up_then_sent_again() {
    let account = Arc::new(MemAccount::new([]));
    account.fail(
        &addr("segment.vip"),
        Action::Create,
        Fault::LostBeforeCommit,
        2,
    );
    let p = plan(vec![create("segment.vip", attrs("vip", 1))], &[]);
    let dir = tempfile::tempdir().unwrap();
    let (report, _, _) = run(&account, dir.path(), &p, &opts(OnFailure::Rollback)).await;
    assert_eq!(report.unwrap().outcome, ApplyOutcome::Succeeded);
    assert_eq!(account.count(&addr("segment.vip")), 1);
    assert_eq!(
        account.calls_to(&addr("segment.vip"), Some(Action::Create)),
        3
    );
    assert_eq!(account.calls_to(&addr("segment.vip"), None), 2);
    // Each create was preceded by a look-up after the first.
    let calls = account.calls();
    let kinds: Vec<_> = calls.iter().map(|c| c.action).collect();
    assert_eq!(
        kinds,
        vec![
            Some(Action::Create),
            None,
            Some(Action::Create),
            None,
            Some(Action::Create)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn lost_responses_of_updates_and_deletes_are_retried() {
    let account = Arc::new(MemAccount::new([
        res("segment.a", attrs("a", 1)),
        res("segment.b", attrs("b", 1)),
    ]));
    account.fail(
        &addr("segment.a"),
        Action::Update,
        Fault::LostAfterCommit,
        1,
    );
    account.fail(
        &addr("segment.b"),
        Action::Delete,
        Fault::LostAfterCommit,
        1,
    );
    let p = plan(
        vec![
            change(
                Action::Update,
                Some(res("segment.a", attrs("a", 1))),
                Some(res("segment.a", attrs("a", 2))),
            ),
            change(Action::Delete, Some(res("segment.b", attrs("b", 1))), None),
        ],
        &[],
    );
    let dir = tempfile::tempdir().unwrap();
    let (report, _, _) = run(&account, dir.path(), &p, &opts(OnFailure::Rollback)).await;
    assert_eq!(report.unwrap().outcome, ApplyOutcome::Succeeded);
    let snap = account.snapshot();
    assert_eq!(snap[&addr("segment.a")], attrs("a", 2));
    assert!(!snap.contains_key(&addr("segment.b")));
    // The second delete found nothing: that is success, not a failure.
    assert_eq!(
        account.calls_to(&addr("segment.b"), Some(Action::Delete)),
        2
    );
    assert_eq!(
        account.calls_to(&addr("segment.a"), Some(Action::Update)),
        2
    );
}

#[tokio::test(start_paused = true)]
async fn throttles_are_retried_with_growing_backoff_up_to_max_attempts() {
    let account = Arc::new(MemAccount::new([]));
    account.fail(&addr("template.t"), Action::Create, Fault::Throttle, 3);
    account.fail(&addr("template.u"), Action::Create, Fault::Throttle, 10);
    let p = plan(
        vec![
            create("template.t", attrs("t", 1)),
            create("template.u", attrs("u", 1)),
        ],
        &[],
    );
    let o = ExecOptions {
        max_attempts: 4,
        on_failure: OnFailure::Stop,
        ..ExecOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let (report, _, events) = run(&account, dir.path(), &p, &o).await;
    let report = report.unwrap();
    assert_eq!(report.succeeded, vec![addr("template.t")]);
    assert_eq!(account.count(&addr("template.t")), 1);
    assert_eq!(
        account.calls_to(&addr("template.t"), Some(Action::Create)),
        4
    );
    assert_eq!(
        account.calls_to(&addr("template.u"), Some(Action::Create)),
        4
    );
    assert!(
        report.failed[0].1.contains("after 4 tries"),
        "{:?}",
        report.failed
    );
    let delays: Vec<(u32, Duration)> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Retrying {
                address,
                attempt,
                delay,
                ..
            } if *address == addr("template.t") => Some((*attempt, *delay)),
            _ => None,
        })
        .collect();
    assert_eq!(
        delays.iter().map(|d| d.0).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    for (attempt, delay) in delays {
        // base 200ms doubled per try, the upper half random.
        let full = Duration::from_millis(200 * 2u64.pow(attempt - 1));
        assert!(
            delay >= full / 2 && delay <= full,
            "try {attempt}: {delay:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn requests_keep_to_the_rate_of_their_class() {
    let account = Arc::new(MemAccount::with_latency([], Duration::ZERO));
    let changes = (0..40)
        .map(|i| create(&format!("template.t{i}"), attrs("t", i)))
        .collect();
    let p = plan(changes, &[]);
    let o = ExecOptions {
        parallelism: 40,
        ..ExecOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let start = tokio::time::Instant::now();
    let (report, _, _) = run(&account, dir.path(), &p, &o).await;
    assert_eq!(report.unwrap().succeeded.len(), 40);
    // 5 at once (half of AWS's burst), then 10 per second: 3.5 seconds for 40.
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(3_490) && took < Duration::from_millis(3_600),
        "{took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_crash_leaves_the_step_in_flight_and_rollback_resolves_it() {
    let account = Arc::new(MemAccount::new([res("segment.a", attrs("a", 1))]));
    let initial = account.snapshot();
    // The create of `segment.new` reaches the service, then the process dies.
    account.fail(
        &addr("segment.new"),
        Action::Create,
        Fault::CommitThenHang,
        1,
    );
    let p = plan(
        vec![
            change(
                Action::Update,
                Some(res("segment.a", attrs("a", 1))),
                Some(res("segment.a", attrs("a", 2))),
            ),
            create("segment.new", attrs("new", 1)),
            create("campaign.c", attrs("c", 1)),
        ],
        &[("segment.a", "segment.new"), ("segment.new", "campaign.c")],
    );
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::begin(dir.path(), &p).unwrap();
    let path = journal.path().to_owned();
    account.watch_journal(path.clone());
    let o = opts(OnFailure::Rollback);
    let crashed = tokio::time::timeout(
        Duration::from_mins(1),
        execute(account.clone(), &p, &o, &mut journal, |_| {}),
    )
    .await;
    assert!(crashed.is_err(), "the apply hung as programmed");
    drop(journal);
    // And the last write was torn.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(br#"{"type":"step_succ"#).unwrap();
    }

    let state = Journal::replay(&path).unwrap();
    let in_flight: Vec<_> = state
        .in_flight()
        .map(|s| (s.address.clone(), s.action))
        .collect();
    assert_eq!(in_flight, vec![(addr("segment.new"), Action::Create)]);
    assert_eq!(state.warnings.len(), 1, "torn line noted");
    assert_eq!(state.outcome, None);
    let mut dead = state.clone();
    dead.header.pid = 4_194_304 + 17;
    if reconcile_engine::lock::process_alive(1).is_some() {
        assert_eq!(dead.history_outcome(), HistoryOutcome::Interrupted);
    }

    // The next process rolls back: the in-flight create did take effect, so
    // it is deleted; the update is reverted.
    let mut journal = Journal::open(&path).unwrap();
    let reverse = reverse_plan(journal.state(), &live(&account).await);
    assert!(reverse.drifted.is_empty());
    let rb = rollback(account.clone(), &reverse, &o, &mut journal, false, |_| {})
        .await
        .unwrap();
    assert_eq!(rb.outcome, RollbackOutcome::Complete);
    assert_eq!(account.snapshot(), initial);
    assert_eq!(
        account.calls_to(&addr("campaign.c"), Some(Action::Create)),
        0
    );
    let (_, violations) = account.journal_checks();
    assert!(violations.is_empty(), "{violations:?}");
}

#[tokio::test(start_paused = true)]
async fn a_deleted_channel_cannot_be_recreated_without_its_credentials() {
    let channel = res(
        "channel.apns",
        json!({ "enabled": true, FINGERPRINT_ATTR: "0123abcd" }),
    );
    let account = Arc::new(MemAccount::new([channel.clone()]));
    let initial = account.snapshot();
    account.fail(&addr("segment.x"), Action::Create, Fault::Reject, 1);
    let p = plan(
        vec![
            change(Action::Delete, Some(channel.clone()), None),
            create("segment.x", attrs("x", 1)),
        ],
        &[("channel.apns", "segment.x")],
    );
    let dir = tempfile::tempdir().unwrap();
    let (report, path, _) = run(&account, dir.path(), &p, &opts(OnFailure::Rollback)).await;
    let report = report.unwrap();
    // Named, not skipped in silence; nothing sent that would fail.
    assert_eq!(report.outcome, ApplyOutcome::RollbackFailed);
    assert_eq!(report.not_reversed.len(), 1);
    assert_eq!(report.not_reversed[0].0, addr("channel.apns"));
    assert!(
        report.not_reversed[0].1.contains("write-only"),
        "{:?}",
        report.not_reversed
    );
    assert!(!account.snapshot().contains_key(&addr("channel.apns")));
    assert_eq!(
        account.calls_to(&addr("channel.apns"), Some(Action::Create)),
        0
    );
    assert_eq!(
        Journal::replay(&path).unwrap().history_outcome(),
        HistoryOutcome::RollbackFailed
    );

    // The user supplies the credentials (by reference) and rolls back again.
    let mut journal = Journal::open(&path).unwrap();
    let mut reverse = reverse_plan(journal.state(), &live(&account).await);
    assert_eq!(reverse.inexact.len(), 1);
    assert!(reverse.supply(
        &addr("channel.apns"),
        BTreeMap::from([(
            "token_key".to_owned(),
            WriteOnly::Secret("${env:APNS_KEY}".parse().unwrap())
        )])
    ));
    assert!(reverse.inexact.is_empty());
    let rb = rollback(
        account.clone(),
        &reverse,
        &opts(OnFailure::Stop),
        &mut journal,
        false,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(rb.outcome, RollbackOutcome::Complete);
    assert_eq!(account.snapshot(), initial);
    // The journal holds the reference, never a value.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("APNS_KEY") || text.contains("${env:APNS_KEY}"));
}

#[tokio::test(start_paused = true)]
async fn an_adoption_is_sent_as_a_tagging_update() {
    let ext = res("segment.ext", attrs("ext", 1));
    let account = Arc::new(MemAccount::new([ext.clone()]));
    let mut c = change(Action::NoOp, Some(ext.clone()), Some(ext.clone()));
    c.adopt = true;
    let p = plan(vec![c], &[]);
    let dir = tempfile::tempdir().unwrap();
    let (report, _, _) = run(&account, dir.path(), &p, &opts(OnFailure::Rollback)).await;
    assert_eq!(report.unwrap().succeeded, vec![addr("segment.ext")]);
    let calls = account.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].action, Some(Action::Update));
    assert!(calls[0].adopt);
}

#[tokio::test(start_paused = true)]
async fn a_plan_with_a_cycle_is_refused_before_anything_is_sent() {
    let account = Arc::new(MemAccount::new([]));
    let p = plan(
        vec![
            create("segment.a", attrs("a", 1)),
            create("segment.b", attrs("b", 1)),
        ],
        &[("segment.a", "segment.b"), ("segment.b", "segment.a")],
    );
    let dir = tempfile::tempdir().unwrap();
    let (report, path, _) = run(&account, dir.path(), &p, &opts(OnFailure::Rollback)).await;
    let err = report.unwrap_err();
    assert!(matches!(err, ExecError::InvalidPlan(_)), "{err}");
    assert!(err.to_string().contains("cycle"), "{err}");
    assert!(account.calls().is_empty());
    assert!(Journal::replay(&path).unwrap().steps.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_step_whose_outcome_stayed_unknown_is_looked_up_and_undone() {
    let account = Arc::new(MemAccount::new([res("segment.a", attrs("a", 1))]));
    let initial = account.snapshot();
    // Every try of the update takes effect and loses its response.
    account.fail(
        &addr("segment.a"),
        Action::Update,
        Fault::LostAfterCommit,
        3,
    );
    let p = plan(
        vec![change(
            Action::Update,
            Some(res("segment.a", attrs("a", 1))),
            Some(res("segment.a", attrs("a", 2))),
        )],
        &[],
    );
    let o = ExecOptions {
        max_attempts: 3,
        ..opts(OnFailure::Rollback)
    };
    let dir = tempfile::tempdir().unwrap();
    let (report, path, _) = run(&account, dir.path(), &p, &o).await;
    let report = report.unwrap();
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.outcome, ApplyOutcome::RolledBack);
    assert_eq!(report.rolled_back, vec![addr("segment.a")]);
    assert_eq!(account.snapshot(), initial);
    assert_eq!(account.calls_to(&addr("segment.a"), None), 1, "looked up");
    let state = Journal::replay(&path).unwrap();
    let step = state.steps.values().next().unwrap();
    assert!(matches!(
        step.status,
        StepStatus::Failed {
            outcome_unknown: true,
            ..
        }
    ));
    assert!(matches!(step.undo, UndoStatus::Undone { .. }));
}

/// 1,000 resources across four rate classes: the walk should take about
/// what the slowest class's quota sets, not the sum of the classes.
#[tokio::test(start_paused = true)]
async fn a_thousand_resources_take_about_the_time_the_quotas_set() {
    let account = Arc::new(MemAccount::with_latency([], Duration::from_millis(50)));
    let mut changes = vec![create("app", attrs("app", 0))];
    let mut edges: Vec<(String, String)> = Vec::new();
    for i in 0..300 {
        changes.push(create(&format!("endpoint.e{i}"), attrs("e", i)));
        edges.push(("app".into(), format!("endpoint.e{i}")));
    }
    for i in 0..300 {
        changes.push(create(&format!("segment.s{i}"), attrs("s", i)));
        edges.push(("app".into(), format!("segment.s{i}")));
    }
    for i in 0..200 {
        changes.push(create(&format!("template.t{i}"), attrs("t", i)));
    }
    for i in 0..199 {
        changes.push(create(&format!("campaign.c{i}"), attrs("c", i)));
        edges.push((format!("segment.s{i}"), format!("campaign.c{i}")));
        edges.push((format!("template.t{i}"), format!("campaign.c{i}")));
    }
    let edge_refs: Vec<(&str, &str)> = edges
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let p = plan(changes, &edge_refs);
    let dir = tempfile::tempdir().unwrap();
    let start = tokio::time::Instant::now();
    // Not watching the journal here: that re-reads it on every request.
    let mut journal = Journal::begin(dir.path(), &p).unwrap();
    let report = execute(
        account.clone(),
        &p,
        &opts(OnFailure::Stop),
        &mut journal,
        |_| {},
    )
    .await
    .unwrap();
    let took = start.elapsed();
    assert_eq!(report.succeeded.len(), 1000);
    assert_eq!(report.requests, 1000);
    // The bound: 300 endpoint writes at 10/s after a burst of 10 = 29 s.
    assert!(took >= Duration::from_secs(29), "{took:?}");
    assert!(took <= Duration::from_secs(32), "{took:?}");
}
