//! The AWS provider against the real emulator, through the four SDKs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use reconcile_aws::{AwsProvider, Clients, ConnectOptions, ProviderOptions};
use reconcile_emulator::knobs::{Fault, ScriptedFault};
use reconcile_emulator::{Config, Emulator};
use reconcile_engine::{
    Action, Change, LiveState, Provider, ProviderError, ReadRequest, StepRequest, diff,
};
use reconcile_model::{Address, Kind, Resource};

const STACK: &str = "demo";

/// The recipe's stack: every kind once.
const SPEC: &str = r#"
stack: demo
app:
  name: flash-sale
  tags: { team: growth }
  settings:
    quiet_time: { start: "22:00", end: "08:00" }
    cloudwatch_metrics_enabled: true
channels:
  apns:
    token_key: ${file:keys/apns.p8}
    token_key_id: ABC123DEFG
    bundle_id: com.example.flashsale
    team_id: TEAM123456
  gcm:
    service_json: ${file:keys/fcm.json}
endpoints:
  ios-user-001:
    channel_type: APNS
    address: "a1b2c3d4e5f6"
    attributes: { PurchaseHistory: [high-value] }
    user: { user_id: user-001 }
  android-user-002:
    channel_type: GCM
    address: "fcm-token-002"
    demographic: { platform: Android }
segments:
  high_value:
    name: high-value-customers
    dimensions:
      attributes:
        PurchaseHistory: { values: [high-value] }
templates:
  flash_sale:
    name: FlashSalePush
    default: { title: "Flash sale", body: "Half price until midnight" }
campaigns:
  flash:
    name: flash-sale-campaign
    segment: high_value
    template: flash_sale
    schedule:
      start_time: "2035-01-01T09:00:00Z"
      timezone: utc
kinesis_streams:
  events: { name: pinpoint-events, tags: { team: growth } }
iam_roles:
  writer:
    name: pinpoint-events-role
    managed_policy_arns: [arn:aws:iam::aws:policy/service-role/AmazonPinpointServiceRole]
    allow_put_to_stream: events
event_stream: { stream: events, role: writer }
alarms:
  failures:
    name: flash-sale-failures
    metric_name: DirectSendMessagePermanentFailure
    statistic: Sum
    period: 300
    threshold: 5
    comparison_operator: GreaterThanThreshold
    evaluation_periods: 1
    tags: { team: growth }
"#;

struct Env {
    em: Emulator,
    url: String,
    dir: tempfile::TempDir,
}

impl Env {
    async fn new() -> Self {
        let em = Emulator::new(Config::default()).unwrap();
        let url = em.clone().spawn().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("keys")).unwrap();
        std::fs::write(
            dir.path().join("keys/apns.p8"),
            "-----BEGIN PRIVATE KEY-----\nAPNS-ONE\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("keys/fcm.json"),
            r#"{"type":"service_account","project_id":"demo","private_key":"FCM-ONE"}"#,
        )
        .unwrap();
        Self { em, url, dir }
    }

    async fn clients(&self, max_attempts: u32) -> Clients {
        Clients::connect(&ConnectOptions {
            endpoint_url: Some(self.url.clone()),
            region: Some("us-east-1".into()),
            dummy_credentials: true,
            max_attempts,
            api: reconcile_model::Api::Classic,
            ..ConnectOptions::default()
        })
        .await
    }

    async fn provider(&self) -> AwsProvider {
        let opts = ProviderOptions {
            role_propagation_wait: Duration::from_secs(2),
            stream_active_wait: Duration::from_secs(20),
            ..ProviderOptions::default()
        };
        AwsProvider::with_options(
            self.clients(3).await,
            STACK.into(),
            self.dir.path().to_path_buf(),
            opts,
        )
    }

    fn desired(&self, text: &str) -> Vec<Resource> {
        let path = self.dir.path().join("stack.yaml");
        std::fs::write(&path, text).unwrap();
        let loaded = reconcile_model::load(&path).unwrap_or_else(|d| panic!("{d:?}"));
        loaded.resources().unwrap_or_else(|d| panic!("{d:?}"))
    }

    fn reset_counts(&self) {
        self.em.knobs().reset_counts();
    }

    fn counts(&self) -> BTreeMap<String, u64> {
        self.em.knobs().counts()
    }
}

async fn read(p: &AwsProvider, desired: &[Resource], adopt: bool) -> LiveState {
    p.read(&ReadRequest {
        stack: STACK,
        desired,
        adopt,
    })
    .await
    .unwrap()
}

fn pending(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| {
            format!(
                "{} {}: {}",
                c.action.as_str(),
                c.address,
                c.changed_paths.join(",")
            )
        })
        .collect()
}

/// Applies the changes in dependency order (deletes after, in reverse), as
/// the executor would, one at a time.
async fn apply_changes(p: &AwsProvider, changes: &[Change]) {
    let mut creates: Vec<&Change> = changes
        .iter()
        .filter(|c| {
            matches!(c.action, Action::Create | Action::Update | Action::Replace)
                || (c.action == Action::NoOp && c.adopt)
        })
        .collect();
    let deletes: Vec<&Change> = changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .collect();
    let mut done: BTreeSet<Address> = BTreeSet::new();
    let pending_addrs: BTreeSet<Address> = creates.iter().map(|c| c.address.clone()).collect();
    while !creates.is_empty() {
        let ready = creates
            .iter()
            .position(|c| {
                c.after.as_ref().is_none_or(|a| {
                    a.depends_on
                        .iter()
                        .all(|d| done.contains(d) || !pending_addrs.contains(d))
                })
            })
            .expect("no cycle");
        let c = creates.remove(ready);
        if c.action == Action::Replace {
            step(p, Action::Delete, c).await;
            step(p, Action::Create, c).await;
        } else if c.action == Action::NoOp {
            step(p, Action::Update, c).await;
        } else {
            step(p, c.action, c).await;
        }
        done.insert(c.address.clone());
    }
    let mut deletes = deletes;
    deletes.sort_by_key(|c| std::cmp::Reverse(c.address.kind));
    for c in deletes {
        step(p, Action::Delete, c).await;
    }
}

async fn step(p: &AwsProvider, action: Action, c: &Change) {
    let req = StepRequest {
        action,
        address: &c.address,
        before: c.before.as_ref(),
        after: c.after.as_ref(),
        adopt: c.adopt,
    };
    if let Err(e) = p.apply(&req).await {
        panic!("{} {}: {e}", action.as_str(), c.address);
    }
}

/// Plans and applies `desired`; returns the plan's changes.
async fn converge(p: &AwsProvider, desired: &[Resource], adopt: bool) -> Vec<Change> {
    let live = read(p, desired, adopt).await;
    let changes = diff(desired, &live);
    apply_changes(p, &changes).await;
    changes
}

fn ops(counts: &BTreeMap<String, u64>) -> BTreeMap<&str, u64> {
    counts.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

#[tokio::test]
async fn an_empty_account_reads_as_nothing_with_one_look_per_named_thing() {
    let env = Env::new().await;
    let p = env.provider().await;
    let desired = env.desired(SPEC);
    env.reset_counts();
    let live = read(&p, &desired, false).await;
    assert!(live.resources.is_empty(), "{:?}", live.resources);
    assert!(live.conflicts.is_empty() && live.unavailable.is_empty());
    let changes = diff(&desired, &live);
    assert!(changes.iter().all(|c| c.action == Action::Create));
    assert_eq!(changes.len(), desired.len());
    // No app: nothing inside it is read; named things are looked up once.
    assert_eq!(
        ops(&env.counts()),
        BTreeMap::from([
            ("CloudWatch:DescribeAlarms", 1),
            ("IAM:GetRole", 1),
            ("Kinesis:DescribeStreamSummary", 1),
            ("Kinesis:ListTagsForStream", 1),
            ("Pinpoint:GetApps", 1),
            ("Pinpoint:GetPushTemplate", 1),
        ])
    );
}

#[tokio::test]
async fn an_applied_stack_reads_back_as_no_change_with_the_fewest_calls() {
    let env = Env::new().await;
    let p = env.provider().await;
    let desired = env.desired(SPEC);
    let first = converge(&p, &desired, false).await;
    assert_eq!(
        first.iter().filter(|c| c.action == Action::Create).count(),
        desired.len()
    );

    // What AWS now holds, checked in the emulator.
    env.em.with_state(|s| {
        assert_eq!(s.pinpoint.apps.len(), 1);
        let app = s.pinpoint.apps.values().next().unwrap();
        assert_eq!(
            app.tags.get("reconcile:stack").map(String::as_str),
            Some(STACK)
        );
        assert_eq!(app.endpoints.len(), 2);
        assert_eq!(app.segments.len(), 1);
        assert_eq!(app.campaigns.len(), 1);
        assert!(app.event_stream.is_some());
        assert!(app.tags.keys().any(|k| k == "reconcile:fp:channel.apns"));
        assert!(!format!("{:?}", app.tags).contains("APNS-ONE"));
    });

    // A second provider (another machine) sees no change.
    let fresh = env.provider().await;
    env.reset_counts();
    let live = read(&fresh, &desired, false).await;
    let changes = diff(&desired, &live);
    assert_eq!(pending(&changes), Vec::<String>::new(), "{live:#?}");
    assert!(live.conflicts.is_empty() && live.adopted.is_empty());
    let counts = env.counts();
    assert_eq!(
        ops(&counts),
        BTreeMap::from([
            ("CloudWatch:DescribeAlarms", 1),
            ("CloudWatch:ListTagsForResource", 1),
            ("IAM:GetRole", 1),
            ("IAM:GetRolePolicy", 1),
            ("IAM:ListAttachedRolePolicies", 1),
            ("IAM:ListRolePolicies", 1),
            ("Kinesis:DescribeStreamSummary", 1),
            ("Kinesis:ListTagsForStream", 1),
            ("Pinpoint:GetApnsChannel", 1),
            ("Pinpoint:GetApplicationSettings", 1),
            ("Pinpoint:GetApps", 1),
            ("Pinpoint:GetCampaigns", 1),
            ("Pinpoint:GetChannels", 1),
            ("Pinpoint:GetEndpoint", 2),
            ("Pinpoint:GetEventStream", 1),
            ("Pinpoint:GetGcmChannel", 1),
            ("Pinpoint:GetPushTemplate", 1),
            ("Pinpoint:GetSegments", 1),
        ]),
        "{counts:#?}"
    );
}

#[tokio::test]
async fn a_rotated_secret_shows_as_a_change_and_an_unchanged_one_does_not() {
    let env = Env::new().await;
    let p = env.provider().await;
    let desired = env.desired(SPEC);
    converge(&p, &desired, false).await;

    std::fs::write(
        env.dir.path().join("keys/apns.p8"),
        "-----BEGIN PRIVATE KEY-----\nAPNS-TWO\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let rotated = env.desired(SPEC);
    let live = read(&p, &rotated, false).await;
    let changes = diff(&rotated, &live);
    assert_eq!(
        pending(&changes),
        vec!["update channel.apns: /write_only_fingerprint".to_owned()]
    );
    apply_changes(&p, &changes).await;
    let live = read(&env.provider().await, &rotated, false).await;
    assert_eq!(pending(&diff(&rotated, &live)), Vec::<String>::new());
    // The live side holds fingerprints, never the values.
    let text = serde_json::to_string(&live).unwrap();
    assert!(!text.contains("APNS-TWO") && !text.contains("FCM-ONE"));
}

#[tokio::test]
async fn removed_resources_owned_by_the_stack_are_deleted() {
    let env = Env::new().await;
    let p = env.provider().await;
    converge(&p, &env.desired(SPEC), false).await;

    let smaller = SPEC
        .replace(
            "  android-user-002:\n    channel_type: GCM\n    address: \"fcm-token-002\"\n    demographic: { platform: Android }\n",
            "",
        );
    let desired = env.desired(&smaller);
    let fresh = env.provider().await;
    let live = read(&fresh, &desired, false).await;
    let changes = diff(&desired, &live);
    assert_eq!(
        pending(&changes),
        vec!["delete endpoint.android-user-002: ".to_owned()]
    );
    apply_changes(&fresh, &changes).await;
    env.em.with_state(|s| {
        let app = s.pinpoint.apps.values().next().unwrap();
        assert_eq!(app.endpoints.len(), 1);
    });
    let live = read(&env.provider().await, &desired, false).await;
    assert_eq!(pending(&diff(&desired, &live)), Vec::<String>::new());

    // Without alarms, roles, streams and the event stream, those go too.
    let head = smaller.split("kinesis_streams:").next().unwrap().to_owned();
    let desired = env.desired(&head);
    let fresh = env.provider().await;
    let live = read(&fresh, &desired, false).await;
    let changes = diff(&desired, &live);
    let deleted: BTreeSet<String> = changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.address.to_string())
        .collect();
    assert_eq!(
        deleted,
        BTreeSet::from(
            [
                "alarm.failures",
                "event_stream",
                "iam_role.writer",
                "kinesis_stream.events"
            ]
            .map(String::from)
        )
    );
    apply_changes(&fresh, &changes).await;
    env.em.with_state(|s| {
        assert!(s.iam.roles.is_empty());
        assert!(s.kinesis.streams.is_empty());
        assert!(s.cloudwatch.alarms.is_empty());
    });
    let live = read(&env.provider().await, &desired, false).await;
    assert_eq!(pending(&diff(&desired, &live)), Vec::<String>::new());
}

#[tokio::test]
async fn a_create_whose_response_was_lost_is_found_by_its_tags() {
    let env = Env::new().await;
    let p = env.provider().await;
    let desired = env.desired(SPEC);
    let live = read(&p, &desired, false).await;
    let changes = diff(&desired, &live);
    // Everything but the segment and what depends on it.
    let before: Vec<Change> = changes
        .iter()
        .filter(|c| !matches!(c.address.kind, Kind::Segment | Kind::Campaign))
        .cloned()
        .collect();
    apply_changes(&p, &before).await;

    let segment = changes
        .iter()
        .find(|c| c.address.kind == Kind::Segment)
        .unwrap();
    let mut knobs = env.em.knobs().knobs();
    knobs.script = vec![ScriptedFault {
        op: "Pinpoint:CreateSegment".into(),
        nth: 1,
        fault: Fault::DropAfterCommit,
    }];
    env.em.knobs().set_knobs(knobs);
    env.reset_counts();
    // One attempt: the SDK must not resend the create itself.
    let once = AwsProvider::new(
        env.clients(1).await,
        STACK.into(),
        env.dir.path().to_path_buf(),
    );
    read(&once, &desired, false).await;
    let err = once
        .apply(&StepRequest {
            action: Action::Create,
            address: &segment.address,
            before: None,
            after: segment.after.as_ref(),
            adopt: false,
        })
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let found = once
        .find(STACK, &segment.address)
        .await
        .unwrap()
        .expect("found by its tags");
    assert_eq!(found.attrs, segment.after.as_ref().unwrap().attrs);
    assert_eq!(env.counts().get("Pinpoint:CreateSegment"), Some(&1));
    env.em.with_state(|s| {
        assert_eq!(s.pinpoint.apps.values().next().unwrap().segments.len(), 1);
    });
    // Every kind is found by a provider that only knows the stack.
    let stranger = env.provider().await;
    for c in &before {
        let r = stranger.find(STACK, &c.address).await.unwrap();
        let r = r.unwrap_or_else(|| panic!("{} not found", c.address));
        assert_eq!(r.attrs, c.after.as_ref().unwrap().attrs, "{}", c.address);
    }
    let missing = Address::new(Kind::Segment, "nope");
    assert!(stranger.find(STACK, &missing).await.unwrap().is_none());
}

/// Builds, with the SDKs and without tags, what the recipe's commands build.
async fn build_by_hand(env: &Env) -> String {
    let c = env.clients(3).await;
    let app = c
        .pinpoint
        .create_app()
        .create_application_request(
            aws_sdk_pinpoint::types::CreateApplicationRequest::builder()
                .name("flash-sale")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let app_id = app.application_response().unwrap().id().unwrap().to_owned();
    c.iam
        .create_role()
        .role_name("pinpoint-events-role")
        .assume_role_policy_document(
            reconcile_model::trust_policy("pinpoint.amazonaws.com").to_string(),
        )
        .send()
        .await
        .unwrap();
    c.pinpoint
        .create_push_template()
        .template_name("FlashSalePush")
        .push_notification_template_request(
            aws_sdk_pinpoint::types::PushNotificationTemplateRequest::builder()
                .default_value(
                    aws_sdk_pinpoint::types::DefaultPushNotificationTemplate::builder()
                        .title("Flash sale")
                        .body("old body")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    app_id
}

#[tokio::test]
async fn unowned_namesakes_are_conflicts_and_adopt_takes_them_over() {
    let env = Env::new().await;
    let app_id = build_by_hand(&env).await;
    let p = env.provider().await;
    let desired = env.desired(SPEC);
    let live = read(&p, &desired, false).await;
    let conflicts: BTreeSet<String> = live
        .conflicts
        .iter()
        .map(|c| c.address.to_string())
        .collect();
    assert_eq!(
        conflicts,
        BTreeSet::from(["app", "iam_role.writer", "template.flash_sale"].map(String::from))
    );
    let app_conflict = live
        .conflicts
        .iter()
        .find(|c| c.address.kind == Kind::App)
        .unwrap();
    assert_eq!(app_conflict.live_id, app_id);
    assert!(
        app_conflict.message.contains("--adopt"),
        "{}",
        app_conflict.message
    );
    assert!(live.resources.is_empty());

    let live = read(&p, &desired, true).await;
    assert!(live.conflicts.is_empty(), "{:?}", live.conflicts);
    let adopted: BTreeSet<String> = live.adopted.iter().map(ToString::to_string).collect();
    assert!(adopted.is_superset(&BTreeSet::from(
        ["app", "iam_role.writer", "template.flash_sale"].map(String::from)
    )));
    let changes = diff(&desired, &live);
    assert!(changes.iter().all(|c| c.action != Action::Delete));
    let template = changes
        .iter()
        .find(|c| c.address.kind == Kind::Template)
        .unwrap();
    assert!(
        template.adopt
            && template
                .changed_paths
                .iter()
                .any(|p| p.starts_with("/default")),
        "{template:?}"
    );
    apply_changes(&p, &changes).await;

    // Now owned: no conflict, no change, still one app.
    let live = read(&env.provider().await, &desired, false).await;
    assert!(live.conflicts.is_empty() && live.adopted.is_empty());
    assert_eq!(pending(&diff(&desired, &live)), Vec::<String>::new());
    env.em.with_state(|s| {
        assert_eq!(s.pinpoint.apps.len(), 1);
        assert!(s.pinpoint.apps.contains_key(&app_id));
    });
}

#[tokio::test]
async fn a_stack_of_another_owner_is_never_taken() {
    let env = Env::new().await;
    let p = env.provider().await;
    let desired = env.desired(SPEC);
    converge(&p, &desired, false).await;
    let other = AwsProvider::new(
        env.clients(3).await,
        "other".into(),
        env.dir.path().to_path_buf(),
    );
    let theirs = env.desired(&SPEC.replace("stack: demo", "stack: other"));
    let live = other
        .read(&ReadRequest {
            stack: "other",
            desired: &theirs,
            adopt: true,
        })
        .await
        .unwrap();
    assert!(live.resources.is_empty() && live.adopted.is_empty());
    let owners: BTreeSet<Option<String>> = live.conflicts.iter().map(|c| c.owner.clone()).collect();
    assert_eq!(owners, BTreeSet::from([Some(STACK.to_owned())]));
}

#[tokio::test]
async fn after_the_end_of_support_refused_families_are_unavailable_not_deleted() {
    let env = Env::new().await;
    let p = env.provider().await;
    let desired = env.desired(SPEC);
    converge(&p, &desired, false).await;
    env.em.with_state(|s| s.end_of_support = true);

    let live = read(&env.provider().await, &desired, false).await;
    let unavailable: BTreeSet<String> = live
        .unavailable
        .iter()
        .map(|u| u.address.to_string())
        .collect();
    for a in [
        "segment.*",
        "segment.high_value",
        "campaign.*",
        "campaign.flash",
        "endpoint.*",
        "endpoint.ios-user-001",
        "event_stream.*",
        "event_stream",
    ] {
        assert!(unavailable.contains(a), "{a} not in {unavailable:?}");
    }
    assert!(live.unavailable.iter().all(|u| !u.message.is_empty()));
    let changes = diff(&desired, &live);
    assert_eq!(pending(&changes), Vec::<String>::new());
    // A write to a refused family says so.
    let seg = desired
        .iter()
        .find(|r| r.address.kind == Kind::Segment)
        .unwrap();
    let mut changed = seg.clone();
    changed.attrs["dimensions"]["attributes"]["PurchaseHistory"]["values"] =
        serde_json::json!(["vip"]);
    let err = p
        .apply(&StepRequest {
            action: Action::Update,
            address: &seg.address,
            before: Some(seg),
            after: Some(&changed),
            adopt: false,
        })
        .await;
    assert!(matches!(err, Err(ProviderError::Unavailable(_))), "{err:?}");
}

#[tokio::test]
async fn the_event_stream_waits_for_a_role_only_as_long_as_allowed() {
    let env = Env::new().await;
    let p = env.provider().await;
    let desired = env.desired(SPEC);
    let live = read(&p, &desired, false).await;
    let changes = diff(&desired, &live);
    let before: Vec<Change> = changes
        .iter()
        .filter(|c| c.address.kind != Kind::EventStream)
        .cloned()
        .collect();
    apply_changes(&p, &before).await;
    // The role vanishes behind the provider's back: AWS answers as while a
    // new role propagates, and the provider gives up after its budget.
    env.em.with_state(|s| s.iam.roles.clear());
    let es = changes
        .iter()
        .find(|c| c.address.kind == Kind::EventStream)
        .unwrap();
    let started = std::time::Instant::now();
    let err = p
        .apply(&StepRequest {
            action: Action::Create,
            address: &es.address,
            before: None,
            after: es.after.as_ref(),
            adopt: false,
        })
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(
        err.to_string()
            .contains("make sure the IAM Role is configured correctly"),
        "{err}"
    );
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(6),
        "{waited:?}"
    );
    assert!(
        env.counts()
            .get("Pinpoint:PutEventStream")
            .copied()
            .unwrap_or(0)
            >= 2
    );
}

#[test]
fn rate_classes_follow_the_published_quotas() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clients = rt.block_on(Clients::connect(&ConnectOptions {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        region: Some("us-east-1".into()),
        dummy_credentials: true,
        max_attempts: 1,
        api: reconcile_model::Api::Classic,
        ..ConnectOptions::default()
    }));
    let p = AwsProvider::new(clients, STACK.into(), Path::new(".").to_path_buf());
    let class = |k: Kind, a: Action| p.rate_class(&Address::new(k, "x"), a);
    assert_eq!(class(Kind::Segment, Action::Create), "segment-write");
    assert_eq!(class(Kind::Campaign, Action::Delete), "campaign-write");
    assert_eq!(class(Kind::Template, Action::Update), "template-write");
    assert_eq!(class(Kind::Endpoint, Action::Create), "endpoint-write");
    assert_eq!(class(Kind::Endpoint, Action::Delete), "endpoint-delete");
    assert_eq!(class(Kind::Template, Action::Delete), "other");
    assert_eq!(class(Kind::Endpoint, Action::NoOp), "other");
    assert_eq!(class(Kind::IamRole, Action::Create), "other");
}

#[tokio::test]
async fn destroy_from_another_machine_finds_and_removes_everything_the_stack_owns() {
    let env = Env::new().await;
    let p = env.provider().await;
    let desired = env.desired(SPEC);
    converge(&p, &desired, false).await;
    // Something of someone else's with a wanted name stays.
    let c = env.clients(3).await;
    c.pinpoint
        .create_app()
        .create_application_request(
            aws_sdk_pinpoint::types::CreateApplicationRequest::builder()
                .name("flash-sale")
                .build(),
        )
        .send()
        .await
        .unwrap();

    let other_machine = env.provider().await;
    let live = read(&other_machine, &[], false).await;
    let owned: BTreeSet<Address> = live.resources.iter().map(|r| r.address.clone()).collect();
    let settings = Address::singleton(Kind::AppSettings);
    let expected: BTreeSet<Address> = desired
        .iter()
        .map(|r| r.address.clone())
        .filter(|a| *a != settings)
        .collect();
    assert_eq!(owned, expected);
    let changes = diff(&[], &live);
    assert!(changes.iter().all(|c| c.action == Action::Delete));
    apply_changes(&other_machine, &changes).await;
    env.em.with_state(|s| {
        assert_eq!(s.pinpoint.apps.len(), 1, "only the stranger's app is left");
        assert!(s.pinpoint.templates.is_empty());
        assert!(s.iam.roles.is_empty());
        assert!(s.kinesis.streams.is_empty());
        assert!(s.cloudwatch.alarms.is_empty());
    });
    assert!(
        read(&env.provider().await, &[], false)
            .await
            .resources
            .is_empty()
    );
}

#[tokio::test]
async fn a_write_to_what_another_stack_took_over_after_the_read_is_refused() {
    let env = Env::new().await;
    let p = env.provider().await;
    converge(&p, &env.desired(SPEC), false).await;

    // The next plan updates the segment and the role, and deletes the alarm.
    let changed = SPEC
        .replace(
            "PurchaseHistory: { values: [high-value] }",
            "PurchaseHistory: { values: [vip] }",
        )
        .replace(
            "    allow_put_to_stream: events\n",
            "    allow_put_to_stream: events\n    description: changed\n",
        );
    let cut = changed.find("alarms:").unwrap();
    let changed = &changed[..cut];
    let desired = env.desired(changed);
    let live = read(&p, &desired, false).await;
    let changes = diff(&desired, &live);
    let by = |a: &str| {
        changes
            .iter()
            .find(|c| c.address.to_string() == a)
            .unwrap_or_else(|| panic!("no change for {a}: {}", pending(&changes).join("; ")))
    };
    assert_eq!(by("segment.high_value").action, Action::Update);
    assert_eq!(by("iam_role.writer").action, Action::Update);
    assert_eq!(by("alarm.failures").action, Action::Delete);

    // Between the read and the writes, another stack takes them over.
    let takeover = |tags: &mut BTreeMap<String, String>| {
        tags.insert("reconcile:stack".into(), "other".into());
    };
    env.em.with_state(|s| {
        for app in s.pinpoint.apps.values_mut() {
            for seg in app.segments.values_mut() {
                takeover(&mut seg.tags);
            }
        }
        for role in s.iam.roles.values_mut() {
            for t in &mut role.tags {
                if t.key == "reconcile:stack" {
                    t.value = "other".into();
                }
            }
        }
        for alarm in s.cloudwatch.alarms.values_mut() {
            for t in &mut alarm.tags {
                if t.key == "reconcile:stack" {
                    t.value = "other".into();
                }
            }
        }
    });
    env.reset_counts();
    for (address, action) in [
        ("segment.high_value", Action::Update),
        ("iam_role.writer", Action::Update),
        ("alarm.failures", Action::Delete),
    ] {
        let c = by(address);
        let err = p
            .apply(&StepRequest {
                action,
                address: &c.address,
                before: c.before.as_ref(),
                after: c.after.as_ref(),
                adopt: false,
            })
            .await
            .expect_err("a write to another stack's resource");
        match err {
            ProviderError::Rejected { code, message } => {
                assert_eq!(code, "NotOwned");
                assert!(message.contains("stack `other`"), "{message}");
            }
            e => panic!("{address}: {e}"),
        }
    }
    // Only the tag reads were sent; nothing was written.
    let counts = env.counts();
    let writes: Vec<&String> = counts
        .keys()
        .filter(|op| !op.contains(":Get") && !op.contains(":List") && !op.contains(":Describe"))
        .collect();
    assert!(writes.is_empty(), "{counts:?}");
}
