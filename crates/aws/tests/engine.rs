//! The provider under the engine's own planner, executor and rollback, as
//! `reconcile apply` and `reconcile rollback` drive it, against the
//! emulator.

use std::sync::Arc;
use std::time::Duration;

use reconcile_aws::{AwsProvider, Clients, ConnectOptions, ProviderOptions};
use reconcile_emulator::{Config, Emulator};
use reconcile_engine::{
    Action, ApplyOutcome, ExecOptions, Journal, LiveState, Plan, Provider, ReadRequest,
    RollbackOutcome, execute, make_plan, reverse_plan, rollback,
};
use reconcile_model::Resource;

const SPEC: &str = r#"
stack: engine
app:
  name: flash-sale
channels:
  gcm:
    api_key: ${file:fcm.key}
endpoints:
  ios-user-001: { channel_type: APNS, address: "a1b2c3" }
  android-user-002: { channel_type: GCM, address: "tok2" }
segments:
  high_value:
    name: high-value-customers
    dimensions:
      attributes:
        PurchaseHistory: { values: [high-value] }
templates:
  flash_sale:
    name: FlashSalePush
    default: { title: "Flash sale", body: "Half price" }
campaigns:
  flash:
    name: flash-sale-campaign
    segment: high_value
    template: flash_sale
    schedule: { start_time: "2035-01-01T09:00:00Z" }
kinesis_streams:
  events: { name: engine-events }
iam_roles:
  writer: { name: engine-events-role, allow_put_to_stream: events }
event_stream: { stream: events, role: writer }
"#;

const ALARM: &str = r"
alarms:
  failures:
    name: engine-failures
    metric_name: DirectSendMessagePermanentFailure
    statistic: Sum
    period: 300
    threshold: 5
    comparison_operator: GreaterThanThreshold
    evaluation_periods: 1
";

struct Env {
    _em: Emulator,
    provider: Arc<AwsProvider>,
    dir: tempfile::TempDir,
}

impl Env {
    async fn new() -> Self {
        let em = Emulator::new(Config::default()).unwrap();
        let url = em.clone().spawn().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fcm.key"), "fcm-server-key").unwrap();
        let clients = Clients::connect(&ConnectOptions {
            endpoint_url: Some(url),
            region: Some("us-east-1".into()),
            dummy_credentials: true,
            max_attempts: 3,
            api: reconcile_model::Api::Classic,
            ..ConnectOptions::default()
        })
        .await;
        let provider = Arc::new(AwsProvider::with_options(
            clients,
            "engine".into(),
            dir.path().to_path_buf(),
            ProviderOptions {
                role_propagation_wait: Duration::from_secs(2),
                stream_active_wait: Duration::from_secs(20),
                ..ProviderOptions::default()
            },
        ));
        Self {
            _em: em,
            provider,
            dir,
        }
    }

    fn desired(&self, text: &str) -> Vec<Resource> {
        let path = self.dir.path().join("stack.yaml");
        std::fs::write(&path, text).unwrap();
        reconcile_model::load(&path)
            .unwrap_or_else(|d| panic!("{d:?}"))
            .resources()
            .unwrap_or_else(|d| panic!("{d:?}"))
    }

    async fn live(&self, desired: &[Resource]) -> LiveState {
        self.provider
            .read(&ReadRequest {
                stack: "engine",
                desired,
                adopt: false,
            })
            .await
            .unwrap()
    }

    async fn plan(&self, text: &str) -> Plan {
        let desired = self.desired(text);
        let live = self.live(&desired).await;
        make_plan("engine", "stack.yaml", ".", desired, live).unwrap()
    }

    async fn apply(&self, plan: &Plan) -> Journal {
        let mut journal = Journal::begin(&self.dir.path().join("state"), plan).unwrap();
        let report = execute(
            self.provider.clone(),
            plan,
            &ExecOptions::default(),
            &mut journal,
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(
            report.outcome,
            ApplyOutcome::Succeeded,
            "{:?}",
            report.failed
        );
        journal
    }
}

fn pending(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| format!("{} {}", c.action.as_str(), c.address))
        .collect()
}

#[tokio::test]
async fn apply_then_plan_is_empty_and_rollback_restores_the_earlier_state() {
    let env = Env::new().await;
    let first = env.plan(SPEC).await;
    assert!(first.changes.iter().all(|c| c.action == Action::Create));
    env.apply(&first).await;
    assert_eq!(pending(&env.plan(SPEC).await), Vec::<String>::new());

    // A changed template body, an added alarm, a removed endpoint.
    let changed = format!(
        "{}{ALARM}",
        SPEC.replace("body: \"Half price\"", "body: \"Two for one\"")
            .replace(
                "  android-user-002: { channel_type: GCM, address: \"tok2\" }\n",
                ""
            )
    );
    let second = env.plan(&changed).await;
    let mut changes = pending(&second);
    changes.sort();
    assert_eq!(
        changes,
        [
            "create alarm.failures",
            "delete endpoint.android-user-002",
            "update template.flash_sale",
        ]
    );
    let mut journal = env.apply(&second).await;
    assert_eq!(pending(&env.plan(&changed).await), Vec::<String>::new());

    // Roll it back: the account equals the first spec again.
    let desired = env.desired(SPEC);
    let live = env.live(&desired).await;
    let reverse = reverse_plan(journal.state(), &live);
    assert!(reverse.inexact.is_empty(), "{:?}", reverse.inexact);
    let report = rollback(
        env.provider.clone(),
        &reverse,
        &ExecOptions::default(),
        &mut journal,
        false,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.outcome, RollbackOutcome::Complete, "{report:?}");
    assert_eq!(pending(&env.plan(SPEC).await), Vec::<String>::new());
}
