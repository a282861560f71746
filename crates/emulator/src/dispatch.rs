//! From an HTTP request to a service module and back.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use time::OffsetDateTime;

use crate::knobs::{Fault, Runtime};
use crate::state::{Config, State, StateError};
use crate::wire::{Ctx, Reply, Request};

/// AWS's request size limit (7 MB); larger bodies get 413.
pub const MAX_BODY: usize = 7 * 1024 * 1024;

/// The four services, found from the wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Pinpoint,
    Iam,
    Kinesis,
    CloudWatch,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Pinpoint => "Pinpoint",
            Service::Iam => "IAM",
            Service::Kinesis => "Kinesis",
            Service::CloudWatch => "CloudWatch",
        }
    }

    /// Which service a request is for, from its protocol's marks.
    pub fn of(req: &Request) -> Option<Service> {
        if req.raw_path.starts_with("/v1/") || req.raw_path == "/v1" {
            Some(Service::Pinpoint)
        } else if req
            .header("x-amz-target")
            .is_some_and(|t| t.starts_with("Kinesis_20131202."))
        {
            Some(Service::Kinesis)
        } else if req
            .raw_path
            .starts_with("/service/GraniteServiceVersion20100801/")
        {
            Some(Service::CloudWatch)
        } else if req
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
        {
            Some(Service::Iam)
        } else {
            None
        }
    }

    fn operation(self, req: &Request) -> Option<String> {
        match self {
            Service::Pinpoint => crate::pinpoint::operation(req),
            Service::Iam => crate::iam::operation(req),
            Service::Kinesis => crate::kinesis::operation(req),
            Service::CloudWatch => crate::cloudwatch::operation(req),
        }
    }

    fn is_mutating(self, op: &str) -> bool {
        match self {
            Service::Pinpoint => crate::pinpoint::is_mutating(op),
            Service::Iam => crate::iam::is_mutating(op),
            Service::Kinesis => crate::kinesis::is_mutating(op),
            Service::CloudWatch => crate::cloudwatch::is_mutating(op),
        }
    }

    fn handle(self, op: &str, ctx: &Ctx, state: &mut State, req: &Request) -> Reply {
        match self {
            Service::Pinpoint => crate::pinpoint::handle(op, ctx, state, req),
            Service::Iam => crate::iam::handle(op, ctx, state, req),
            Service::Kinesis => crate::kinesis::handle(op, ctx, state, req),
            Service::CloudWatch => crate::cloudwatch::handle(op, ctx, state, req),
        }
    }

    /// An error in this service's protocol shape.
    pub fn error(self, ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
        match self {
            Service::Pinpoint => crate::pinpoint::error(ctx, status, code, message),
            Service::Iam => crate::iam::error(ctx, status, code, message),
            Service::Kinesis => crate::kinesis::error(ctx, status, code, message),
            Service::CloudWatch => crate::cloudwatch::error(ctx, status, code, message),
        }
    }

    /// The code this protocol uses for throttling.
    pub fn throttle_code(self) -> &'static str {
        match self {
            Service::Pinpoint => "TooManyRequestsException",
            Service::Iam => "Throttling",
            Service::Kinesis => "LimitExceededException",
            Service::CloudWatch => "Throttling",
        }
    }

    /// The code this protocol uses for an internal error.
    pub fn internal_code(self) -> &'static str {
        match self {
            Service::Pinpoint => "InternalServerErrorException",
            Service::Iam => "ServiceFailure",
            Service::Kinesis => "InternalFailure",
            Service::CloudWatch => "InternalServiceError",
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
    state: Mutex<State>,
    knobs: Runtime,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("region", &self.inner.config.region)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Builds an emulator, loading its state file when one is configured.
    pub fn new(config: Config) -> Result<Self, StateError> {
        let state = match &config.state_file {
            Some(path) => State::load(path)?,
            None => State::default(),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                knobs: Runtime::new(config.knobs.clone()),
                config,
                state: Mutex::new(state),
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn knobs(&self) -> &Runtime {
        &self.inner.knobs
    }

    /// Runs `f` on the state under its lock (for tests and the control path).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.inner.state.lock().expect("state lock");
        f(&mut state)
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
    pub async fn serve(
        self,
        port: u16,
        ready: impl FnOnce(SocketAddr),
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        ready(listener.local_addr()?);
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// Serves on a free loopback port in the background; returns the
    /// endpoint URL. The server stops when the runtime does.
    pub async fn spawn(self) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let router = self.router();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(format!("http://{addr}"))
    }

    fn ctx(&self, state: &State) -> Ctx {
        Ctx {
            region: self.inner.config.region.clone(),
            account_id: self.inner.config.account_id.clone(),
            now: OffsetDateTime::now_utc() + time::Duration::milliseconds(state.clock_offset_ms),
            request_id: uuid::Uuid::new_v4().to_string(),
            end_of_support: state.end_of_support,
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
        let too_large = axum::body::to_bytes(body, MAX_BODY + 1).await;
        let (body, oversized) = match too_large {
            Ok(b) if b.len() <= MAX_BODY => (b, false),
            _ => (Bytes::new(), true),
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
        let reply = self.dispatch(&req, oversized).await;
        match reply {
            Dispatched::Reply(r) => into_response(r),
            Dispatched::Drop => Response::builder()
                .status(StatusCode::OK)
                .body(failing_body())
                .expect("response builds"),
        }
    }

    async fn dispatch(&self, req: &Request, oversized: bool) -> Dispatched {
        let ctx = self.with_state(|s| self.ctx(s));
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
            let (status, code) = match service {
                Service::Pinpoint => (413, "PayloadTooLargeException"),
                _ => (413, "RequestEntityTooLarge"),
            };
            return Dispatched::Reply(service.error(
                &ctx,
                status,
                code,
                "Request size exceeds the 7 MB limit",
            ));
        }
        if req.header("authorization").is_none() {
            let code = match service {
                Service::Pinpoint => "MissingAuthenticationTokenException",
                _ => "MissingAuthenticationToken",
            };
            return Dispatched::Reply(service.error(
                &ctx,
                403,
                code,
                "Missing Authentication Token",
            ));
        }
        let Some(op) = service.operation(req) else {
            return Dispatched::Reply(crate::knobs::unknown_operation(service, &ctx, req));
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
                return Dispatched::Reply(service.error(
                    &ctx,
                    if service == Service::Pinpoint {
                        429
                    } else {
                        400
                    },
                    service.throttle_code(),
                    "Rate exceeded",
                ));
            }
            Fault::ServerError => {
                return Dispatched::Reply(service.error(
                    &ctx,
                    500,
                    service.internal_code(),
                    "Internal server error (injected by the emulator)",
                ));
            }
            Fault::None | Fault::DropAfterCommit => {}
        }
        let reply = {
            let mut state = self.inner.state.lock().expect("state lock");
            let before = mutating.then(|| state.clone());
            let reply = service.handle(&op, &ctx, &mut state, req);
            if mutating && reply.is_success() {
                if let Some(path) = &self.inner.config.state_file {
                    if let Err(e) = state.save(path) {
                        tracing::error!("{e}");
                        // Keep memory and file equal: undo the change.
                        if let Some(before) = before {
                            *state = before;
                        }
                        return Dispatched::Reply(service.error(
                            &ctx,
                            500,
                            service.internal_code(),
                            "the emulator could not persist its state",
                        ));
                    }
                }
            }
            reply
        };
        if fault == Fault::DropAfterCommit && mutating {
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
    resp.body(Body::from(reply.body)).expect("response builds")
}

fn decode_query(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}
