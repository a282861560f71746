//! [`AwsProvider`]: the engine's [`Provider`] over the four AWS services.
//!
//! `read` lives in [`crate::read`]; `apply` dispatches each step to the
//! module of its kind ([`crate::app`], [`crate::channels`],
//! [`crate::endpoints`], [`crate::event_stream`], [`crate::iam`],
//! [`crate::kinesis`], [`crate::cloudwatch`], [`crate::engagement`]);
//! `find` re-reads one address by the stack's tags.
//!
//! Secrets are resolved here, at the last moment, from the step's
//! `write_only` references ([`AwsProvider::write_only`]); the resolved value
//! only ever goes into an SDK builder.

use std::path::PathBuf;
use std::time::Duration;

use reconcile_engine::{
    Action, LiveState, Provider, ProviderError, RateLimiter, ReadRequest, StepOutcome, StepRequest,
};
use reconcile_model::resource::FINGERPRINT_ATTR;
use reconcile_model::{Address, Kind, Resource, SecretValue, Secrets, WriteOnly};
use serde::de::DeserializeOwned;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::connect::Clients;
use crate::ids::Ids;

/// Tuning of the provider; [`Default`] suits AWS.
#[derive(Debug, Clone)]
pub struct ProviderOptions {
    /// How long `PutEventStream` is retried while AWS answers 400 "make sure
    /// the IAM Role is configured correctly" (a new role propagating through
    /// IAM). Default 2 minutes.
    pub role_propagation_wait: Duration,
    /// How long to wait for a Kinesis stream to become `ACTIVE` after a
    /// create or a shard/mode change. Default 5 minutes.
    pub stream_active_wait: Duration,
    /// Most read requests in flight at once. Default 16.
    pub read_parallelism: usize,
}

impl Default for ProviderOptions {
    fn default() -> Self {
        Self {
            role_propagation_wait: Duration::from_mins(2),
            stream_active_wait: Duration::from_mins(5),
            read_parallelism: 16,
        }
    }
}

/// The AWS provider of one stack.
pub struct AwsProvider {
    pub(crate) clients: Clients,
    pub(crate) stack: String,
    /// What write-only values resolve through: the spec's directory and
    /// environment, and the secrets read from AWS ([`crate::secrets`]).
    pub(crate) secrets: std::sync::RwLock<Secrets>,
    pub(crate) opts: ProviderOptions,
    pub(crate) ids: Ids,
    reads: Semaphore,
    /// Paces the reads whose AWS quota is low (`GetEndpoint`: 10/s), so a
    /// plan of many endpoints does not live on throttles.
    read_rates: RateLimiter,
    /// Serialises changes to the app's tags (fingerprints, index), which
    /// parallel steps would otherwise read-modify-write over each other.
    pub(crate) app_tags: tokio::sync::Mutex<()>,
}

/// AWS's per-account rates of the reads that have low ones, in requests per
/// second: Pinpoint `GetEndpoint` 10/s (published), `GetPushTemplate` 300/s
/// (Pinpoint's "all other operations"; 998 templates at 16 in flight went
/// over it), CloudWatch `ListTagsForResource` 20/s (CloudWatch publishes no
/// rate for it; 20/s is the emulator's, and a 49-alarm plan sent 76 requests
/// for 49 tags unpaced); every other read goes at the pace of the
/// `read_parallelism` bound.
pub fn read_rates() -> std::collections::BTreeMap<String, f64> {
    [
        ("endpoint-read".to_owned(), 10.0),
        ("template-read".to_owned(), 300.0),
        ("alarm-tags-read".to_owned(), 20.0),
        ("other".to_owned(), 1000.0),
    ]
    .into_iter()
    .collect()
}

impl std::fmt::Debug for AwsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsProvider")
            .field("stack", &self.stack)
            .field("region", &self.clients.region)
            .finish_non_exhaustive()
    }
}

impl AwsProvider {
    /// A failure to read `kind` as the plan must see it. Under today's API
    /// ([`Api::Today`](reconcile_model::Api)), any failure of a kind AWS
    /// retired, whatever its shape (403, 404, 400, an unknown operation,
    /// a message without a code), is [`ProviderError::Unavailable`] saying
    /// so, with AWS's own code and message; a retryable failure and any
    /// failure of a live kind stay what they are.
    pub(crate) fn retired(&self, kind: Kind, err: ProviderError) -> ProviderError {
        if self.clients.api.serves(kind) || err.is_retryable() {
            return err;
        }
        if let ProviderError::Unavailable(m) = &err
            && m.starts_with("retired by AWS")
        {
            return err;
        }
        ProviderError::Unavailable(reconcile_model::Api::retired_message(
            kind,
            &crate::errors::aws_said(&err),
        ))
    }

    /// Under today's API, a kind AWS retired is never planned: every kind
    /// the spec or the account has that no refusal already marked is
    /// marked unavailable as a whole (the planner lists each resource), so
    /// that it is neither created (there was no app to read it from yet),
    /// nor changed or deleted (the account still answered the read).
    fn leave_retired(&self, live: &mut LiveState, desired: &[Resource]) {
        if self.clients.api == reconcile_model::Api::Classic {
            return;
        }
        for kind in Kind::ALL {
            if self.clients.api.serves(kind)
                || live.unavailable.iter().any(|u| u.address.kind == kind)
            {
                continue;
            }
            let read = live.resources.iter().any(|r| r.address.kind == kind);
            if !read && !desired.iter().any(|r| r.address.kind == kind) {
                continue;
            }
            let why = if read {
                "the account still answered the read, but `--api today` leaves what AWS retired as it is (`--api classic` manages it)"
            } else {
                "not read: the stack has no app yet, and `--api today` creates nothing AWS retired"
            };
            live.unavailable
                .push(reconcile_engine::provider::Unavailable {
                    address: Address::new(kind, crate::read::KIND_WIDE_KEY),
                    message: reconcile_model::Api::retired_message(kind, why)
                        .replace("; AWS answered: ", "; "),
                });
        }
    }

    /// A provider for `stack`; `spec_dir` is the directory `${file:...}`
    /// secret references are relative to.
    pub fn new(clients: Clients, stack: String, spec_dir: PathBuf) -> Self {
        Self::with_options(clients, stack, spec_dir, ProviderOptions::default())
    }

    /// [`AwsProvider::new`] with explicit options.
    pub fn with_options(
        clients: Clients,
        stack: String,
        spec_dir: PathBuf,
        opts: ProviderOptions,
    ) -> Self {
        Self {
            reads: Semaphore::new(opts.read_parallelism.max(1)),
            read_rates: RateLimiter::new(&read_rates()).expect("the read rates are positive"),
            clients,
            stack,
            secrets: std::sync::RwLock::new(Secrets::local(spec_dir)),
            opts,
            ids: Ids::default(),
            app_tags: tokio::sync::Mutex::new(()),
        }
    }

    /// The stack this provider reads and changes.
    pub fn stack(&self) -> &str {
        &self.stack
    }

    /// Waits for the read quota of `class` (see [`read_rates`]).
    pub(crate) async fn pace_read(&self, class: &str) {
        self.read_rates.acquire(class).await;
    }

    /// A slot for one read request (the bound on parallel reads).
    pub(crate) async fn permit(&self) -> Option<SemaphorePermit<'_>> {
        self.reads.acquire().await.ok()
    }

    pub(crate) fn pinpoint(&self) -> &aws_sdk_pinpoint::Client {
        &self.clients.pinpoint
    }

    /// The app id, or an error naming the step that needs it.
    pub(crate) fn require_app(&self, address: &Address) -> Result<String, ProviderError> {
        self.ids.app_id().ok_or_else(|| {
            ProviderError::Other(format!(
                "`{address}` needs the app of stack `{}`, which does not exist (or was not read)",
                self.stack
            ))
        })
    }

    /// A write-only value of `r`, resolved: a secret from its reference, a
    /// plain value as text. `None` when the resource does not carry it.
    pub(crate) fn write_only(
        &self,
        r: &Resource,
        field: &str,
    ) -> Result<Option<WoValue>, ProviderError> {
        match r.write_only.get(field) {
            None => Ok(None),
            Some(WriteOnly::Plain(serde_json::Value::String(s))) => {
                Ok(Some(WoValue::Plain(s.clone())))
            }
            Some(WriteOnly::Plain(v)) => Ok(Some(WoValue::Plain(v.to_string()))),
            Some(WriteOnly::Secret(reference)) => self
                .secrets()
                .resolve(reference)
                .map(|v| Some(WoValue::Secret(v)))
                .map_err(|e| ProviderError::Secret {
                    address: r.address.clone(),
                    message: format!("`{field}` (`{reference}`): {e}"),
                }),
        }
    }

    async fn apply_step(&self, step: &StepRequest<'_>) -> Result<Option<Resource>, ProviderError> {
        let address = step.address;
        let after = || {
            step.after.ok_or_else(|| {
                ProviderError::Other(format!(
                    "a {} of `{address}` without its new value",
                    step.action.as_str()
                ))
            })
        };
        // Ownership at every write (see `crate::ownership`).
        if matches!(step.action, Action::Update | Action::Delete) {
            Box::pin(self.ensure_owned(address, step.action, step.adopt)).await?;
        }
        match step.action {
            Action::Create => Box::pin(self.create(address, after()?)).await.map(Some),
            Action::Update => Box::pin(self.update(address, step.before, after()?, step.adopt))
                .await
                .map(Some),
            Action::Delete => Box::pin(self.delete(address, step.before))
                .await
                .map(|()| None),
            other => Err(ProviderError::Other(format!(
                "the provider carries out creates, updates and deletes, not a {} (`{address}`)",
                other.as_str()
            ))),
        }
    }

    async fn create(&self, address: &Address, after: &Resource) -> Result<Resource, ProviderError> {
        match address.kind {
            Kind::App => Box::pin(self.create_app(after)).await,
            Kind::AppSettings => Box::pin(self.put_settings(after)).await,
            Kind::Channel => Box::pin(self.put_channel(address, after)).await,
            Kind::Endpoint => Box::pin(self.put_endpoint(address, None, after, true)).await,
            Kind::Segment => Box::pin(self.create_segment(address, after)).await,
            Kind::Template => Box::pin(self.create_template(address, after)).await,
            Kind::Campaign => Box::pin(self.create_campaign(address, after)).await,
            Kind::EventStream => Box::pin(self.put_event_stream(after)).await,
            Kind::IamRole => Box::pin(self.create_role(address, after)).await,
            Kind::KinesisStream => Box::pin(self.create_stream(address, after)).await,
            Kind::Alarm => Box::pin(self.put_alarm(address, None, after, true, false)).await,
        }
    }

    async fn update(
        &self,
        address: &Address,
        before: Option<&Resource>,
        after: &Resource,
        adopt: bool,
    ) -> Result<Resource, ProviderError> {
        match address.kind {
            Kind::App => Box::pin(self.update_app(after, adopt)).await,
            Kind::AppSettings => Box::pin(self.put_settings(after)).await,
            Kind::Channel => Box::pin(self.put_channel(address, after)).await,
            Kind::Endpoint => Box::pin(self.put_endpoint(address, before, after, false)).await,
            Kind::Segment => Box::pin(self.update_segment(address, before, after, adopt)).await,
            Kind::Template => Box::pin(self.update_template(address, before, after, adopt)).await,
            Kind::Campaign => Box::pin(self.update_campaign(address, before, after, adopt)).await,
            Kind::EventStream => Box::pin(self.put_event_stream(after)).await,
            Kind::IamRole => Box::pin(self.update_role(address, before, after, adopt)).await,
            Kind::KinesisStream => {
                Box::pin(self.update_stream(address, before, after, adopt)).await
            }
            Kind::Alarm => Box::pin(self.put_alarm(address, before, after, false, adopt)).await,
        }
    }

    async fn delete(
        &self,
        address: &Address,
        before: Option<&Resource>,
    ) -> Result<(), ProviderError> {
        match address.kind {
            Kind::App => Box::pin(self.delete_app(address)).await,
            Kind::AppSettings => Box::pin(self.reset_settings(address)).await,
            Kind::Channel => Box::pin(self.delete_channel(address)).await,
            Kind::Endpoint => Box::pin(self.delete_endpoint(address)).await,
            Kind::Segment => Box::pin(self.delete_segment(address)).await,
            Kind::Template => Box::pin(self.delete_template(address, before)).await,
            Kind::Campaign => Box::pin(self.delete_campaign(address)).await,
            Kind::EventStream => Box::pin(self.delete_event_stream(address)).await,
            Kind::IamRole => Box::pin(self.delete_role(address, before)).await,
            Kind::KinesisStream => Box::pin(self.delete_stream(address, before)).await,
            Kind::Alarm => Box::pin(self.delete_alarm(address, before)).await,
        }
    }
}

/// A resolved write-only value. Its `Debug` never shows a secret.
pub(crate) enum WoValue {
    Secret(SecretValue),
    Plain(String),
}

impl WoValue {
    /// The value, for an SDK builder only.
    pub(crate) fn expose(&self) -> &str {
        match self {
            WoValue::Secret(s) => s.expose(),
            WoValue::Plain(s) => s,
        }
    }
}

/// The resource's attributes as the kind's typed spec struct (the
/// fingerprint, which the structs do not know, left out).
pub(crate) fn typed<T: DeserializeOwned>(r: &Resource) -> Result<T, ProviderError> {
    let mut attrs = r.attrs.clone();
    if let Some(map) = attrs.as_object_mut() {
        map.remove(FINGERPRINT_ATTR);
    }
    serde_json::from_value(attrs).map_err(|e| {
        crate::errors::caused(
            format!(
                "`{}`: the attributes do not match the spec model: {e}",
                r.address
            ),
            e,
        )
    })
}

/// The fingerprint a resource's attributes carry.
pub(crate) fn fingerprint_of(r: &Resource) -> Option<&str> {
    r.attrs.get(FINGERPRINT_ATTR).and_then(|v| v.as_str())
}

/// The `name` attribute of a named resource.
pub(crate) fn name_of(r: &Resource) -> Option<&str> {
    r.attrs.get("name").and_then(|v| v.as_str())
}

impl Provider for AwsProvider {
    async fn read(&self, req: &ReadRequest<'_>) -> Result<LiveState, ProviderError> {
        if req.stack != self.stack {
            return Err(ProviderError::Other(format!(
                "this provider serves stack `{}`, not `{}`",
                self.stack, req.stack
            )));
        }
        let mut live = Box::pin(self.read_live(req.desired, req.adopt, None)).await?;
        self.leave_retired(&mut live, req.desired);
        Ok(live)
    }

    async fn apply(&self, step: &StepRequest<'_>) -> Result<StepOutcome, ProviderError> {
        let after = Box::pin(self.apply_step(step)).await?;
        Ok(StepOutcome { after })
    }

    async fn find(
        &self,
        stack: &str,
        address: &Address,
    ) -> Result<Option<Resource>, ProviderError> {
        if stack != self.stack {
            return Err(ProviderError::Other(format!(
                "this provider serves stack `{}`, not `{stack}`",
                self.stack
            )));
        }
        Box::pin(self.find_one(address)).await
    }

    fn rate_class(&self, address: &Address, action: Action) -> &'static str {
        // AWS's quotas are per operation: deleting a template is one of
        // "all other operations" (300/s), DeleteEndpoint has 5/s of its own.
        let writes = matches!(
            action,
            Action::Create | Action::Update | Action::Delete | Action::Replace
        );
        let deletes = action == Action::Delete;
        match address.kind {
            Kind::Segment if writes => "segment-write",
            Kind::Campaign if writes => "campaign-write",
            Kind::Template if writes && !deletes => "template-write",
            Kind::Endpoint if deletes => "endpoint-delete",
            Kind::Endpoint if writes => "endpoint-write",
            Kind::Alarm if writes => "alarm-write",
            _ => "other",
        }
    }
}
