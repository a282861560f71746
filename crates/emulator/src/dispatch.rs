//! From an HTTP request to a service module and back.
//!
//! The flow of every request: the control path `/_emulator/…` goes to
//! [`crate::knobs::control`]; anything else is read whole (over 7 MB is 413),
//! assigned a service from its protocol's marks ([`Service::of`]), refused with
//! 403 when it carries no `Authorization` header (signatures are not
//! verified), named an operation (or answered the protocol's unknown-operation
//! error), counted, delayed and possibly faulted by the knobs, then handled
//! under the state lock. With a state file, a mutating request is a
//! transaction on it ([`crate::store`]: the file's lock, a re-read if
//! another process wrote, the change, the write); a successful one is
//! persisted (atomic replace) before its reply leaves; if that fails the
//! change is undone and the client gets a 500. A handler that panics all the
//! same is answered 500 with its change undone, and the emulator serves on.
//!
//! A body must arrive whole within [`BODY_TIMEOUT`] (else 408); how
//! connections are bounded is [`crate::serve`]'s.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use time::OffsetDateTime;

use crate::cloudwatch::Protocol as CwProtocol;
use crate::knobs::{Fault, InvalidKnob, Runtime};
use crate::state::{Config, State, StateError};
use crate::store::{Store, Waiting};
use crate::wire::{Ctx, Reply, Request};

/// AWS's request size limit (7 MB); larger bodies get 413.
pub const MAX_BODY: usize = 7 * 1024 * 1024;

/// How long a request's body may take to arrive once its head has; a client
/// that stalls longer gets 408 and the connection is free again.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an emulator cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("invalid emulator configuration: {0}")]
    Knobs(#[from] InvalidKnob),
}

/// The services, found from the wire protocol. CloudWatch speaks three
/// protocols (Smithy RPC v2 CBOR, awsJson1.0 and awsQuery), each its own
/// variant so that errors come back in the shape the client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Pinpoint,
    Iam,
    Kinesis,
    /// Smithy RPC v2 CBOR (the Rust SDK, boto3, the AWS CLI).
    CloudWatch,
    /// awsQuery (older SDKs).
    CloudWatchQuery,
    /// awsJson1.0.
    CloudWatchJson,
    /// `GetCallerIdentity` only: the recipe's preparation asks for the account.
    Sts,
    /// Secrets (`${secretsmanager:…}`) and `GetRandomPassword`.
    SecretsManager,
    /// SSM Parameter Store (`${ssm:…}`).
    Ssm,
}

impl Service {
    /// The name used in counters and quotas (`Service:Operation`).
    pub fn name(self) -> &'static str {
        match self {
            Service::Pinpoint => "Pinpoint",
            Service::Iam => "IAM",
            Service::Kinesis => "Kinesis",
            Service::CloudWatch | Service::CloudWatchQuery | Service::CloudWatchJson => {
                "CloudWatch"
            }
            Service::Sts => "STS",
            Service::SecretsManager => "SecretsManager",
            Service::Ssm => "SSM",
        }
    }

    /// Which service a request is for, from its protocol's marks: the path
    /// for Pinpoint and CloudWatch's CBOR, `X-Amz-Target` for the JSON
    /// protocols, and for form bodies the SigV4 credential scope
    /// (`…/iam/aws4_request`, `…/monitoring/…`, `…/sts/…`), falling back to
    /// the form's `Version`.
    pub fn of(req: &Request) -> Option<Service> {
        if req.raw_path.starts_with("/v1/") || req.raw_path == "/v1" {
            return Some(Service::Pinpoint);
        }
        if let Some(target) = req.header("x-amz-target") {
            if target.starts_with("Kinesis_20131202.") {
                return Some(Service::Kinesis);
            }
            if target.starts_with("GraniteServiceVersion20100801.") {
                return Some(Service::CloudWatchJson);
            }
            if target.starts_with("secretsmanager.") {
                return Some(Service::SecretsManager);
            }
            if target.starts_with("AmazonSSM.") {
                return Some(Service::Ssm);
            }
            return None;
        }
        if req
            .raw_path
            .starts_with("/service/GraniteServiceVersion20100801/")
        {
            return Some(Service::CloudWatch);
        }
        let form = req
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return None;
        }
        let scope = req
            .header("authorization")
            .and_then(crate::query::signing_service);
        match scope {
            Some("iam") => Some(Service::Iam),
            Some("monitoring") => Some(Service::CloudWatchQuery),
            Some("sts") => Some(Service::Sts),
            _ => {
                let version = crate::query::Form::parse(&req.body)
                    .ok()
                    .and_then(|f| f.get("Version").map(str::to_owned));
                match version.as_deref() {
                    Some("2010-08-01") => Some(Service::CloudWatchQuery),
                    Some("2011-06-15") => Some(Service::Sts),
                    _ => Some(Service::Iam),
                }
            }
        }
    }

    fn operation(self, req: &Request) -> Option<String> {
        match self {
            Service::Pinpoint => crate::pinpoint::operation(req),
            Service::Iam => crate::iam::operation(req),
            Service::Kinesis => crate::kinesis::operation(req),
            Service::CloudWatch | Service::CloudWatchQuery | Service::CloudWatchJson => {
                crate::cloudwatch::operation(req)
            }
            Service::Sts => crate::sts::operation(req),
            Service::SecretsManager => crate::secretsmanager::operation(req),
            Service::Ssm => crate::ssm::operation(req),
        }
    }

    fn is_mutating(self, op: &str) -> bool {
        match self {
            Service::Pinpoint => crate::pinpoint::is_mutating(op),
            Service::Iam => crate::iam::is_mutating(op),
            Service::Kinesis => crate::kinesis::is_mutating(op),
            Service::CloudWatch | Service::CloudWatchQuery | Service::CloudWatchJson => {
                crate::cloudwatch::is_mutating(op)
            }
            Service::SecretsManager => crate::secretsmanager::is_mutating(op),
            Service::Ssm => crate::ssm::is_mutating(op),
            Service::Sts => false,
        }
    }

    fn handle(self, op: &str, ctx: &Ctx, state: &mut State, req: &Request) -> Reply {
        match self {
            Service::Pinpoint => crate::pinpoint::handle(op, ctx, state, req),
            Service::Iam => crate::iam::handle(op, ctx, state, req),
            Service::Kinesis => crate::kinesis::handle(op, ctx, state, req),
            Service::CloudWatch | Service::CloudWatchQuery | Service::CloudWatchJson => {
                crate::cloudwatch::handle(op, ctx, state, req)
            }
            Service::Sts => crate::sts::handle(op, ctx, req),
            Service::SecretsManager => crate::secretsmanager::handle(op, ctx, state, req),
            Service::Ssm => crate::ssm::handle(op, ctx, state, req),
        }
    }

    /// An error in this service's protocol shape.
    pub fn error(self, ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
        match self {
            Service::Pinpoint => crate::pinpoint::error(ctx, status, code, message),
            Service::Iam => crate::iam::error(ctx, status, code, message),
            Service::Kinesis => crate::kinesis::error(ctx, status, code, message),
            Service::CloudWatch => crate::cloudwatch::error(ctx, status, code, message),
            Service::CloudWatchQuery => {
                crate::cloudwatch::error_in(CwProtocol::Query, ctx, status, code, message)
            }
            Service::CloudWatchJson => {
                crate::cloudwatch::error_in(CwProtocol::Json, ctx, status, code, message)
            }
            Service::Sts => crate::sts::error(ctx, status, code, message),
            Service::SecretsManager => crate::secretsmanager::error(ctx, status, code, message),
            Service::Ssm => crate::ssm::error(ctx, status, code, message),
        }
    }

    /// The reply to a request that names no operation this service serves.
    pub fn unknown_operation(self, ctx: &Ctx, req: &Request) -> Reply {
        match self {
            Service::Pinpoint => self.error(
                ctx,
                404,
                "NotFoundException",
                "The requested resource could not be found.",
            ),
            Service::Iam => crate::iam::unknown_operation(ctx, req),
            Service::Sts => crate::sts::unknown_operation(ctx, req),
            Service::Kinesis | Service::SecretsManager | Service::Ssm => {
                let target = req.header("x-amz-target").unwrap_or_default();
                self.error(
                    ctx,
                    400,
                    "UnknownOperationException",
                    &format!("Unknown operation `{target}`"),
                )
            }
            Service::CloudWatch | Service::CloudWatchQuery | Service::CloudWatchJson => {
                crate::cloudwatch::unknown_operation(ctx, req)
            }
        }
    }

    /// The protocol's throttling error: status and code.
    pub fn throttle(self, op: &str) -> (u16, &'static str) {
        match self {
            Service::Pinpoint => (429, "TooManyRequestsException"),
            Service::Kinesis => match op {
                "PutRecord" | "PutRecords" | "GetRecords" | "GetShardIterator" => {
                    (400, "ProvisionedThroughputExceededException")
                }
                _ => (400, "LimitExceededException"),
            },
            Service::SecretsManager | Service::Ssm => (400, "ThrottlingException"),
            Service::Iam
            | Service::Sts
            | Service::CloudWatch
            | Service::CloudWatchQuery
            | Service::CloudWatchJson => (400, "Throttling"),
        }
    }

    /// The code this protocol uses for an internal error (status 500).
    pub fn internal_code(self) -> &'static str {
        match self {
            Service::Pinpoint => "InternalServerErrorException",
            Service::Iam => "ServiceFailure",
            Service::Kinesis | Service::Sts => "InternalFailure",
            Service::Ssm => "InternalServerError",
            Service::CloudWatch
            | Service::CloudWatchQuery
            | Service::CloudWatchJson
            | Service::SecretsManager => "InternalServiceError",
        }
    }
}

/// A running or runnable emulator: configuration, state, knobs.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    shared: Mutex<Shared>,
    knobs: Runtime,
}

/// The state, and the file it is shared through (when configured).
struct Shared {
    state: State,
    store: Option<Store>,
}

impl Shared {
    /// Re-reads the state file if another process wrote it.
    fn refresh(&mut self) -> Result<(), StateError> {
        match &mut self.store {
            Some(store) => store.refresh(&mut self.state).map(drop),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("region", &self.inner.config.region)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Builds an emulator, loading its state file when one is configured
    /// (waiting for another process's write in progress, and telling a long
    /// wait as a `tracing` warning). Refuses knobs out of range.
    pub fn new(config: Config) -> Result<Self, StartError> {
        Self::with_notice(config, |w| tracing::warn!("{w}"))
    }

    /// [`Emulator::new`], telling `notice` when a wait for the state file's
    /// lock lasts (see [`crate::store`]), at start or at any later write.
    pub fn with_notice(
        config: Config,
        notice: impl Fn(&Waiting) + Send + Sync + 'static,
    ) -> Result<Self, StartError> {
        config.knobs.check()?;
        let (state, store) = match &config.state_file {
            Some(path) => {
                let (store, state) = Store::open(path, config.api, Arc::new(notice))?;
                (state, Some(store))
            }
            None => {
                let mut state = State::default();
                state.answer_as(config.api);
                (state, None)
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                knobs: Runtime::new(config.knobs.clone()),
                config,
                shared: Mutex::new(Shared { state, store }),
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn knobs(&self) -> &Runtime {
        &self.inner.knobs
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // Handler panics are caught (and their change undone) in `dispatch`;
        // should one escape anyway, the state is the last consistent one
        // (changes are made after validation), so the lock stays usable.
        self.inner
            .shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the state under its lock (for tests and the control path),
    /// after re-reading the state file if another process wrote it. Changes
    /// made here are not persisted; use [`Emulator::replace_state`].
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut shared = self.lock();
        if let Err(e) = shared.refresh() {
            tracing::error!("{e}");
        }
        f(&mut shared.state)
    }

    /// Changes the state under its lock and persists it when a state file is
    /// configured; on a write failure the change is undone.
    pub fn replace_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> Result<R, StateError> {
        self.update(|s| Ok::<R, std::convert::Infallible>(f(s)))
            .map(|r| r.unwrap_or_else(|never| match never {}))
    }

    /// [`Emulator::replace_state`] for a change that may be refused: `f`
    /// returns `Err` to refuse, changing nothing, and nothing is written.
    /// With a state file this is one transaction on it (its lock, a re-read,
    /// the change, the write), and a refusal's changes are undone anyway.
    pub fn update<R, E>(
        &self,
        f: impl FnOnce(&mut State) -> Result<R, E>,
    ) -> Result<Result<R, E>, StateError> {
        let mut shared = self.lock();
        let Shared { state, store } = &mut *shared;
        let Some(store) = store else {
            return Ok(f(state));
        };
        let _held = store.acquire()?;
        store.refresh(state)?;
        let before = state.clone();
        let r = f(state);
        if r.is_err() {
            *state = before;
        } else if let Err(e) = store.save(state) {
            *state = before;
            return Err(e);
        }
        Ok(r)
    }

    /// The axum router serving every path.
    pub fn router(&self) -> Router {
        let em = self.clone();
        Router::new().fallback(move |req: axum::extract::Request| {
            let em = em.clone();
            async move { em.handle(req).await }
        })
    }

    /// Binds 127.0.0.1:`port` (0 for any free port) and serves until
    /// `shutdown` resolves. Returns the bound address through `ready` first.
    /// Connections are bounded as [`crate::serve`] says.
    pub async fn serve(
        self,
        port: u16,
        ready: impl FnOnce(SocketAddr),
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        ready(listener.local_addr()?);
        crate::serve::serve(listener, self.router(), shutdown).await;
        Ok(())
    }

    /// Serves on a free loopback port in the background; returns the
    /// endpoint URL. The server stops when the runtime does.
    pub async fn spawn(self) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let router = self.router();
        tokio::spawn(crate::serve::serve(
            listener,
            router,
            std::future::pending(),
        ));
        Ok(format!("http://{addr}"))
    }

    fn ctx(&self, state: &State) -> Ctx {
        let wall = OffsetDateTime::now_utc();
        // The offset is bounded where it is set and where it is loaded
        // (`MAX_CLOCK_OFFSET_MS`); checked all the same, never a panic.
        let now = wall
            .checked_add(time::Duration::milliseconds(state.clock_offset_ms))
            .unwrap_or(wall);
        Ctx {
            region: self.inner.config.region.clone(),
            account_id: self.inner.config.account_id.clone(),
            now,
            request_id: uuid::Uuid::new_v4().to_string(),
            end_of_support: state.end_of_support,
            retired_shape: state.retired_shape,
        }
    }

    async fn handle(&self, req: axum::extract::Request) -> Response {
        let (parts, body) = req.into_parts();
        let raw_path = parts.uri.path().to_owned();
        let query = parts
            .uri
            .query()
            .map(|q| {
                q.split('&')
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                        (decode_query(k), decode_query(v))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let read = tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY + 1));
        let (body, oversized) = match read.await {
            Ok(Ok(b)) if b.len() <= MAX_BODY => (b, false),
            Ok(_) => (Bytes::new(), true),
            Err(_elapsed) => {
                return into_response(
                    Reply::new(
                        StatusCode::REQUEST_TIMEOUT,
                        "application/json",
                        format!(
                            r#"{{"message":"the request body did not arrive within {} s"}}"#,
                            BODY_TIMEOUT.as_secs()
                        ),
                    )
                    .with_header("connection", "close"),
                );
            }
        };
        let req = Request {
            method: parts.method,
            raw_path,
            query,
            headers: parts.headers,
            body,
        };
        if req.raw_path.starts_with("/_emulator/") || req.raw_path == "/_emulator" {
            return into_response(crate::knobs::control(self, &req));
        }
        let ctx = self.with_state(|s| self.ctx(s));
        match self.dispatch(&ctx, &req, oversized).await {
            Dispatched::Reply(r) => {
                let has_id = r
                    .headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("x-amzn-requestid"));
                let r = if has_id {
                    r
                } else {
                    r.with_header("x-amzn-RequestId", &ctx.request_id)
                };
                into_response(r)
            }
            Dispatched::Drop => Response::builder()
                .status(StatusCode::OK)
                .body(failing_body())
                .unwrap_or_default(),
        }
    }

    async fn dispatch(&self, ctx: &Ctx, req: &Request, oversized: bool) -> Dispatched {
        let Some(service) = Service::of(req) else {
            return Dispatched::Reply(
                Reply::new(
                    StatusCode::NOT_FOUND,
                    "application/json",
                    r#"{"message":"Not Found: no AWS service is served at this path"}"#,
                )
                .with_header("x-amzn-errortype", "UnknownOperationException"),
            );
        };
        if oversized {
            let code = match service {
                Service::Pinpoint => "PayloadTooLargeException",
                _ => "RequestEntityTooLarge",
            };
            return Dispatched::Reply(service.error(
                ctx,
                413,
                code,
                "Request size exceeds the 7 MB limit",
            ));
        }
        if req.header("authorization").is_none() {
            let code = match service {
                Service::Pinpoint | Service::Kinesis | Service::SecretsManager | Service::Ssm => {
                    "MissingAuthenticationTokenException"
                }
                _ => "MissingAuthenticationToken",
            };
            return Dispatched::Reply(service.error(
                ctx,
                403,
                code,
                "Missing Authentication Token",
            ));
        }
        let Some(op) = service.operation(req) else {
            return Dispatched::Reply(crate::knobs::unknown_operation(service, ctx, req));
        };
        let mutating = service.is_mutating(&op);
        let (latency, fault) = self
            .inner
            .knobs
            .before(&format!("{}:{op}", service.name()), mutating);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fault {
            Fault::Throttle => {
                let (status, code) = service.throttle(&op);
                return Dispatched::Reply(service.error(ctx, status, code, "Rate exceeded"));
            }
            Fault::ServerError => {
                return Dispatched::Reply(service.error(
                    ctx,
                    500,
                    service.internal_code(),
                    "Internal server error (injected by the emulator)",
                ));
            }
            Fault::None | Fault::DropAfterCommit => {}
        }
        let reply = {
            let mut shared = self.lock();
            let Shared { state, store } = &mut *shared;
            let internal = |message: &str| {
                Dispatched::Reply(service.error(ctx, 500, service.internal_code(), message))
            };
            // A write is a transaction on the shared file: its lock first.
            let held = match store {
                Some(store) if mutating => match store.acquire() {
                    Ok(held) => Some(held),
                    Err(e) => {
                        tracing::error!("{e}");
                        return internal("the emulator could not lock its state");
                    }
                },
                _ => None,
            };
            // A write needs the file's latest version; a read falls back on
            // the last one this process saw when the file cannot be read.
            if let Some(store) = store
                && let Err(e) = store.refresh(state)
            {
                tracing::error!("{e}");
                if held.is_some() {
                    return internal("the emulator could not read its state");
                }
            }
            // The copy to undo a write that cannot be persisted; in memory
            // there is nothing to undo (a copy per write made a 5,000-resource
            // apply spend 117 s of the emulator's CPU).
            let before = held.is_some().then(|| state.clone());
            let handled =
                std::panic::catch_unwind(AssertUnwindSafe(|| service.handle(&op, ctx, state, req)));
            let Ok(reply) = handled else {
                tracing::error!(operation = %op, "the handler panicked; its change is undone");
                if let Some(before) = before {
                    *state = before;
                }
                return internal("the emulator failed on this request");
            };
            if reply.is_success()
                && let Some(store) = store
                && held.is_some()
                && let Err(e) = store.save(state)
            {
                tracing::error!("{e}");
                // Keep memory and file equal: undo the change.
                if let Some(before) = before {
                    *state = before;
                }
                return internal("the emulator could not persist its state");
            }
            drop(held);
            reply
        };
        if fault == Fault::DropAfterCommit {
            return Dispatched::Drop;
        }
        Dispatched::Reply(reply)
    }
}

enum Dispatched {
    Reply(Reply),
    /// The change was committed; the connection breaks before the reply.
    Drop,
}

/// A body that fails at once, so that hyper aborts the response after the
/// change was committed: the client sees a broken connection.
fn failing_body() -> Body {
    Body::from_stream(futures_util::stream::once(async {
        Err::<Bytes, _>(std::io::Error::other("response dropped by the emulator"))
    }))
}

fn into_response(reply: Reply) -> Response {
    let mut resp = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            resp = resp.header(name.as_str(), v);
        }
    }
    resp.body(Body::from(reply.body)).unwrap_or_default()
}

fn decode_query(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}
