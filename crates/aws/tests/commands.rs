//! The provider's command helpers (`send_test`, `status`, `export`) against
//! the real emulator, through the SDKs.

use std::collections::BTreeSet;
use std::time::Duration;

use reconcile_aws::export::{AppSelector, ExportRequest};
use reconcile_aws::send::{Message, SendError, Target};
use reconcile_aws::status::{Part, Window};
use reconcile_aws::{AwsProvider, Clients, ConnectOptions, ProviderOptions};
use reconcile_emulator::{Config, Emulator};
use reconcile_engine::{Action, Provider, ReadRequest, StepRequest, make_plan};
use reconcile_model::Resource;
use time::OffsetDateTime;

const STACK: &str = "demo";

const SPEC: &str = r#"
stack: demo
app:
  name: flash-sale
  settings:
    quiet_time: { start: "22:00", end: "08:00" }
channels:
  apns:
    certificate: ${file:keys/cert.pem}
    private_key: ${file:keys/key.pem}
  gcm:
    api_key: ${file:keys/fcm.txt}
endpoints:
  ios-user-001:
    channel_type: APNS
    address: device-token-ios-user-001
    user:
      user_id: user-001
      user_attributes: { PurchaseHistory: [high-value] }
  android-user-002:
    channel_type: GCM
    address: device-token-android-user-002
    user: { user_id: user-002 }
segments:
  high_value:
    name: high-value-customers
    dimensions:
      user_attributes:
        PurchaseHistory: { values: [high-value] }
templates:
  flash_sale:
    name: flash-sale-template
    default: { title: "Flash sale", body: "Half price until midnight" }
campaigns:
  flash:
    name: flash-sale-notification
    segment: high_value
    template: flash_sale
    schedule:
      start_time: immediate
kinesis_streams:
  events: { name: pinpoint-events }
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
        let keys = dir.path().join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        std::fs::write(keys.join("cert.pem"), "DEMO-CERTIFICATE").unwrap();
        std::fs::write(keys.join("key.pem"), "DEMO-PRIVATE-KEY").unwrap();
        std::fs::write(keys.join("fcm.txt"), "DEMO-FCM-KEY").unwrap();
        Self { em, url, dir }
    }

    async fn provider(&self, stack: &str) -> AwsProvider {
        let clients = Clients::connect(&ConnectOptions {
            endpoint_url: Some(self.url.clone()),
            region: Some("us-east-1".into()),
            dummy_credentials: true,
            max_attempts: 2,
            api: reconcile_model::Api::Classic,
            ..ConnectOptions::default()
        })
        .await;
        AwsProvider::with_options(
            clients,
            stack.into(),
            self.dir.path().to_path_buf(),
            ProviderOptions {
                role_propagation_wait: Duration::from_secs(2),
                stream_active_wait: Duration::from_secs(20),
                ..ProviderOptions::default()
            },
        )
    }

    fn desired(&self, text: &str) -> Vec<Resource> {
        let path = self.dir.path().join("stack.yaml");
        std::fs::write(&path, text).unwrap();
        let loaded = reconcile_model::load(&path).unwrap_or_else(|d| panic!("{d}"));
        loaded.resources().unwrap()
    }

    /// Moves the emulator's clock (campaigns run, streams become active).
    fn advance(&self, ms: i64) {
        self.em.with_state(|s| s.clock_offset_ms += ms);
    }
}

/// Plans and applies `desired`, one step at a time in plan order.
async fn apply(p: &AwsProvider, desired: Vec<Resource>) {
    let live = p
        .read(&ReadRequest {
            stack: p.stack(),
            desired: &desired,
            adopt: false,
        })
        .await
        .unwrap();
    let plan = make_plan(p.stack(), "stack.yaml", ".", desired, live).unwrap();
    for c in &plan.changes {
        if c.action == Action::NoOp {
            continue;
        }
        let req = StepRequest {
            action: c.action,
            address: &c.address,
            before: c.before.as_ref(),
            after: c.after.as_ref(),
            adopt: c.adopt,
        };
        p.apply(&req)
            .await
            .unwrap_or_else(|e| panic!("{} {}: {e}", c.action.as_str(), c.address));
    }
}

/// Targets by id, with the spec's addresses and channel types.
fn ids(v: &[&str]) -> Vec<Target> {
    v.iter()
        .map(|id| {
            let (address, channel) = match *id {
                "ios-user-001" => (Some("device-token-ios-user-001"), Some("APNS")),
                "android-user-002" => (Some("device-token-android-user-002"), Some("GCM")),
                _ => (None, None),
            };
            Target {
                endpoint: (*id).to_owned(),
                address: address.map(ToOwned::to_owned),
                channel_type: channel.map(ToOwned::to_owned),
            }
        })
        .collect()
}

fn week() -> Window {
    let end = OffsetDateTime::now_utc() + time::Duration::hours(1);
    Window {
        start: end - time::Duration::days(7),
        end,
    }
}

#[tokio::test]
async fn a_test_push_reports_each_endpoint_and_its_failures() {
    let env = Env::new().await;
    let p = env.provider(STACK).await;
    // No app yet.
    let err = p
        .send_test(
            &ids(&["ios-user-001"]),
            &Message::Template { name: "x".into() },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::NoApp { .. }), "{err}");

    apply(&p, env.desired(SPEC)).await;
    let inline = Message::Inline {
        title: Some("Test".into()),
        body: "Your app is working".into(),
    };
    let report = p
        .send_test(&ids(&["ios-user-001", "android-user-002"]), &inline)
        .await
        .unwrap();
    assert!(report.all_successful(), "{report:?}");
    let order: Vec<&str> = report
        .deliveries
        .iter()
        .map(|d| d.endpoint.as_str())
        .collect();
    assert_eq!(order, ["ios-user-001", "android-user-002"]);
    assert_eq!(
        report.deliveries[0].address.as_deref(),
        Some("device-token-ios-user-001")
    );
    assert_eq!(report.deliveries[0].status_code, Some(200));

    // A template, and an endpoint that does not exist.
    let report = p
        .send_test(
            &ids(&["android-user-002", "nobody"]),
            &Message::Template {
                name: "flash-sale-template".into(),
            },
        )
        .await
        .unwrap();
    assert!(report.deliveries[0].successful(), "{report:?}");
    assert_eq!(report.deliveries[1].delivery_status, "PERMANENT_FAILURE");
    assert_eq!(report.deliveries[1].status_code, Some(404));
    assert!(!report.all_successful());

    // A disabled channel fails its endpoints only.
    let spec = SPEC.replace(
        "  gcm:\n    api_key",
        "  gcm:\n    enabled: false\n    api_key",
    );
    apply(&p, env.desired(&spec)).await;
    let report = p
        .send_test(&ids(&["ios-user-001", "android-user-002"]), &inline)
        .await
        .unwrap();
    assert!(report.deliveries[0].successful());
    let failed = &report.deliveries[1];
    assert_eq!(failed.delivery_status, "PERMANENT_FAILURE");
    assert!(
        failed
            .status_message
            .as_deref()
            .is_some_and(|m| m.contains("disabled")),
        "{failed:?}"
    );
}

#[tokio::test]
async fn after_the_end_of_support_a_test_push_goes_to_the_addresses() {
    let env = Env::new().await;
    let p = env.provider(STACK).await;
    apply(&p, env.desired(SPEC)).await;
    env.em.with_state(|s| s.end_of_support = true);
    let inline = Message::Inline {
        title: None,
        body: "hello".into(),
    };
    let report = p
        .send_test(&ids(&["ios-user-001", "android-user-002"]), &inline)
        .await
        .unwrap();
    assert!(report.via_addresses);
    assert!(report.all_successful(), "{report:?}");
    assert_eq!(report.deliveries[1].endpoint, "android-user-002");
    assert_eq!(
        report.deliveries[1].address.as_deref(),
        Some("device-token-android-user-002")
    );
    // Without an address to fall back on, the refusal is the answer.
    let err = p
        .send_test(&ids(&["ios-user-001", "nobody"]), &inline)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Provider(reconcile_engine::ProviderError::Unavailable(_))
        ),
        "{err}"
    );
}

#[tokio::test]
async fn the_status_covers_every_part_of_the_recipe_validation() {
    let env = Env::new().await;
    let p = env.provider(STACK).await;
    let desired = env.desired(SPEC);
    apply(&p, desired.clone()).await;
    let inline = Message::Inline {
        title: None,
        body: "hello".into(),
    };
    p.send_test(&ids(&["ios-user-001", "android-user-002"]), &inline)
        .await
        .unwrap();
    env.advance(2_000);

    let s = p.status(&desired, week()).await.unwrap();
    assert_eq!(s.stack, STACK);
    let app = s.app.as_ref().unwrap();
    assert_eq!(app.name, "flash-sale");
    assert_eq!(app.id.len(), 32);

    let channels = s.channels.value().unwrap();
    let apns = channels.iter().find(|c| c.channel == "apns").unwrap();
    assert_eq!(apns.enabled, Some(true));
    assert_eq!(apns.authentication_method.as_deref(), Some("CERTIFICATE"));
    assert_eq!(apns.version, Some(1));
    assert_eq!(channels.len(), 2);

    let endpoints = s.endpoints.value().unwrap();
    assert_eq!(endpoints.len(), 2);
    assert!(endpoints.iter().all(|e| e.present));
    let ios = endpoints.iter().find(|e| e.id == "ios-user-001").unwrap();
    assert_eq!(ios.user_id.as_deref(), Some("user-001"));
    assert_eq!(ios.channel_type.as_deref(), Some("APNS"));

    let seg = &s.segments.value().unwrap()[0];
    assert_eq!((seg.key.as_str(), seg.version), ("high_value", Some(1)));
    assert!(seg.id.as_ref().is_some_and(|id| id.len() == 32));

    let t = &s.templates.value().unwrap()[0];
    assert_eq!(t.active_version.as_deref(), Some("1"));

    let c = &s.campaigns.value().unwrap()[0];
    assert_eq!(c.state.as_deref(), Some("COMPLETED"), "{c:?}");
    assert_eq!(c.version, Some(1));
    let run = c
        .last_activity
        .as_ref()
        .expect("the immediate campaign ran");
    // The segment holds the iOS user only.
    assert_eq!(run.total_endpoint_count, Some(1), "{run:?}");
    assert_eq!(run.successful_endpoint_count, Some(1));

    let es = s.event_stream.value().unwrap().as_ref().unwrap();
    assert!(
        es.destination_stream_arn
            .as_deref()
            .is_some_and(|a| a.ends_with(":stream/pinpoint-events"))
    );

    let alarm = &s.alarms.value().unwrap()[0];
    assert_eq!(alarm.state.as_deref(), Some("INSUFFICIENT_DATA"));

    let kpi = |name: &str| {
        s.kpis
            .values
            .iter()
            .find(|k| k.name == name)
            .unwrap()
            .value
            .clone()
    };
    // Two direct sends and one campaign send, all delivered, to two devices.
    assert_eq!(kpi("unique-deliveries"), Part::Ok { value: Some(2.0) });
    assert_eq!(kpi("unique-endpoints"), Part::Ok { value: Some(2.0) });
    assert_eq!(
        kpi("successful-delivery-rate"),
        Part::Ok { value: Some(1.0) }
    );
    assert!(!s.has_unavailable() && !s.has_failures());

    // A resource of the spec that is missing shows as not present.
    let more = SPEC.replace(
        "endpoints:\n",
        "endpoints:\n  web-user-003:\n    channel_type: GCM\n    address: token-003\n",
    );
    let s = p.status(&env.desired(&more), week()).await.unwrap();
    let missing = s
        .endpoints
        .value()
        .unwrap()
        .iter()
        .find(|e| e.id == "web-user-003")
        .unwrap();
    assert!(!missing.present && missing.address.is_none());
}

#[tokio::test]
async fn after_the_end_of_support_the_status_says_which_parts_are_gone() {
    let env = Env::new().await;
    let p = env.provider(STACK).await;
    let desired = env.desired(SPEC);
    apply(&p, desired.clone()).await;
    env.em.with_state(|s| s.end_of_support = true);

    let s = p.status(&desired, week()).await.unwrap();
    assert!(s.app.is_some());
    for (part, gone) in [
        ("channels", s.channels.is_unavailable()),
        ("alarms", s.alarms.is_unavailable()),
        ("templates", !s.templates.is_unavailable()),
        ("endpoints", !s.endpoints.is_unavailable()),
        ("segments", !s.segments.is_unavailable()),
        ("campaigns", !s.campaigns.is_unavailable()),
        ("event stream", !s.event_stream.is_unavailable()),
    ] {
        assert!(!gone, "{part}: {s:#?}");
    }
    assert!(s.kpis.values.iter().all(|k| k.value.is_unavailable()));
    match &s.segments {
        Part::Unavailable { message } => assert!(message.contains("end of support"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(s.has_unavailable() && !s.has_failures());
    // Apps and channels live on.
    assert_eq!(s.channels.value().map(Vec::len), Some(2));
}

#[tokio::test]
async fn an_export_describes_the_app_and_plans_as_no_change_but_credentials() {
    let env = Env::new().await;
    let p = env.provider(STACK).await;
    apply(&p, env.desired(SPEC)).await;
    env.advance(2_000);

    let out = p
        .export(&ExportRequest {
            app: AppSelector::Name("flash-sale".into()),
            endpoints: Vec::new(),
        })
        .await
        .unwrap();
    let spec = &out.spec;
    // Keys come from the `reconcile:key` tags; endpoints from the index.
    assert_eq!(spec.segments.keys().collect::<Vec<_>>(), ["high_value"]);
    assert_eq!(spec.campaigns["flash"].segment, "high_value");
    assert_eq!(
        spec.campaigns["flash"].template.as_deref(),
        Some("flash_sale")
    );
    assert_eq!(spec.endpoints.len(), 2);
    assert_eq!(
        spec.event_stream
            .as_ref()
            .map(|e| (e.stream.as_str(), e.role.as_str())),
        Some(("events", "writer"))
    );
    assert_eq!(
        spec.iam_roles["writer"].allow_put_to_stream.as_deref(),
        Some("events")
    );
    assert_eq!(spec.alarms.keys().collect::<Vec<_>>(), ["failures"]);
    let envs: BTreeSet<&str> = out.placeholders.iter().map(|p| p.env.as_str()).collect();
    assert_eq!(
        envs,
        BTreeSet::from([
            "DEMO_APNS_CERTIFICATE",
            "DEMO_APNS_PRIVATE_KEY",
            "DEMO_GCM_API_KEY"
        ])
    );
    assert_eq!(
        spec.channels
            .apns
            .as_ref()
            .and_then(|c| c.certificate.as_ref())
            .map(ToString::to_string)
            .as_deref(),
        Some("${env:DEMO_APNS_CERTIFICATE}")
    );

    // The spec validates, and against the account only the credentials
    // (never returned by AWS) differ.
    let text = serde_json::to_string(spec).unwrap();
    let loaded = reconcile_model::load_str("export.yaml", &text).unwrap_or_else(|d| panic!("{d}"));
    let desired = loaded.spec.unsealed_resources();
    let live = p
        .read(&ReadRequest {
            stack: STACK,
            desired: &desired,
            adopt: false,
        })
        .await
        .unwrap();
    let plan = make_plan(STACK, "export.yaml", ".", desired, live).unwrap();
    let changed: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| format!("{} {} {:?}", c.action.as_str(), c.address, c.changed_paths))
        .collect();
    assert_eq!(
        changed,
        [
            "update channel.apns [\"/write_only_fingerprint\"]",
            "update channel.gcm [\"/write_only_fingerprint\"]"
        ]
    );

    // By id, and errors that name the app.
    let by_id = p
        .export(&ExportRequest {
            app: AppSelector::Id(out.app_id.clone()),
            endpoints: vec!["nobody".into()],
        })
        .await
        .unwrap();
    assert_eq!(by_id.spec.app.name, "flash-sale");
    assert!(
        by_id.notes.iter().any(|n| n.contains("`nobody`")),
        "{:?}",
        by_id.notes
    );
    let err = p
        .export(&ExportRequest {
            app: AppSelector::Name("nope".into()),
            endpoints: Vec::new(),
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`nope`"), "{err}");
}
