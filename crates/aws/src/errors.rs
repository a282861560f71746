//! From SDK errors to the engine's [`ProviderError`], in one place.

use aws_sdk_pinpoint::error::{ProvideErrorMetadata, SdkError};
use reconcile_engine::ProviderError;
use reconcile_model::{Api, Kind};

/// Under the classic API, a 403 whose message contains one of these is a
/// family AWS no longer serves (the one refusal seen in public reads "AWS
/// will end support for the Amazon Pinpoint engagement features"). Under
/// today's API no wording is needed: any failure of a retired kind's family
/// is retired ([`crate::AwsProvider`]'s `retired`).
const END_OF_SUPPORT_MARKERS: [&str; 4] = [
    "end of support",
    "end support",
    "no longer supported",
    "discontinued",
];

/// Error codes that mean "not there" across the four services.
const NOT_FOUND_CODES: [&str; 4] = [
    "NotFoundException",
    "NoSuchEntity",
    "ResourceNotFoundException",
    "ResourceNotFound",
];

/// Error codes that mean "slow down".
const THROTTLE_CODES: [&str; 6] = [
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "LimitExceededException",
    "RequestLimitExceeded",
];

/// A classified SDK error: the provider error plus the raw code, so callers
/// can tell "not found" (often a normal answer) from the rest.
#[derive(Debug)]
pub struct Classified {
    pub code: Option<String>,
    pub message: String,
    pub error: ProviderError,
}

impl Classified {
    pub fn is_not_found(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| NOT_FOUND_CODES.contains(&c))
    }

    /// Whether the answer means that a resource of `kind` does not exist.
    /// A "not found" from a kind `api` no longer serves means nothing of
    /// the sort: it is how AWS may refuse a retired operation.
    pub fn is_absent(&self, api: Api, kind: Kind) -> bool {
        self.is_not_found() && api.serves(kind)
    }
}

/// What AWS said in a provider error, for a report that quotes it: the code
/// and message of a rejection, the message otherwise.
pub fn aws_said(err: &ProviderError) -> String {
    match err {
        ProviderError::Rejected { code, message } => format!("{code}: {message}"),
        ProviderError::Unavailable(m)
        | ProviderError::Other(m)
        | ProviderError::Caused { message: m, .. } => m.clone(),
        e => e.to_string(),
    }
}

/// A [`ProviderError::Caused`]: `message` is what users read (as before,
/// it quotes `source`), `source` the error it came from, kept for the chain.
pub fn caused(
    message: impl Into<String>,
    source: impl std::error::Error + Send + Sync + 'static,
) -> ProviderError {
    ProviderError::Caused {
        message: message.into(),
        source: Box::new(source),
    }
}

/// Classifies any SDK error. `what` names the operation for messages
/// (`GetApps`, `CreateSegment segment.vip`).
pub fn classify<E, R>(what: &str, err: SdkError<E, R>) -> Classified
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().map(ToOwned::to_owned);
            let message = e
                .message()
                .filter(|m| !m.trim().is_empty())
                .unwrap_or("no message")
                .to_owned();
            let error = match classify_service(what, code.as_deref(), &message) {
                // Nothing to tell it by: the service's error is its source.
                ProviderError::Other(m) => caused(m, err),
                error => error,
            };
            Classified {
                code,
                message,
                error,
            }
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => Classified {
            code: None,
            message: format!("{what}: {}", display_chain(&err)),
            error: ProviderError::UnknownOutcome(format!("{what}: {}", display_chain(&err))),
        },
        SdkError::DispatchFailure(failure) => {
            let message = format!("{what}: {}", display_chain(&err));
            // A user error (bad configuration) never left. Anything else
            // (IO, timeout, a connection closed before the response, which
            // hyper reports as "other") may strike after the request was
            // sent: its outcome is unknown.
            let error = if failure.is_user() {
                caused(message.clone(), err)
            } else {
                ProviderError::UnknownOutcome(message.clone())
            };
            Classified {
                code: None,
                message,
                error,
            }
        }
        _ => {
            let message = format!("{what}: {}", display_chain(&err));
            Classified {
                code: None,
                message: message.clone(),
                error: caused(message, err),
            }
        }
    }
}

fn classify_service(what: &str, code: Option<&str>, message: &str) -> ProviderError {
    let lower = message.to_ascii_lowercase();
    match code {
        Some(c @ "ForbiddenException")
            if END_OF_SUPPORT_MARKERS.iter().any(|m| lower.contains(m)) =>
        {
            ProviderError::Unavailable(format!("{c}: {message}"))
        }
        Some(c) if THROTTLE_CODES.contains(&c) => {
            ProviderError::Throttled(format!("{what}: {message}"))
        }
        Some(c)
            if c.starts_with("InternalServer")
                || c == "ServiceFailure"
                || c == "InternalFailure"
                || c == "InternalServiceError"
                || c == "ServiceUnavailable" =>
        {
            ProviderError::UnknownOutcome(format!("{what}: {c}: {message}"))
        }
        Some(c) => ProviderError::Rejected {
            code: c.to_owned(),
            message: format!("{what}: {message}"),
        },
        None => ProviderError::Other(format!("{what}: {message}")),
    }
}

/// The error and its sources, on one line.
fn display_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
