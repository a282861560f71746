//! From SDK errors to the engine's [`ProviderError`], in one place.

use aws_sdk_pinpoint::error::{ProvideErrorMetadata, SdkError};
use reconcile_engine::ProviderError;

/// The message AWS gives when an operation family is no longer served
/// (Pinpoint's end of support) contains one of these.
const END_OF_SUPPORT_MARKERS: [&str; 3] = ["end of support", "no longer supported", "discontinued"];

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
}

/// Classifies any SDK error. `what` names the operation for messages
/// (`GetApps`, `CreateSegment segment.vip`).
pub fn classify<E, R>(what: &str, err: SdkError<E, R>) -> Classified
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().map(ToOwned::to_owned);
            let message = e.message().unwrap_or("no message").to_owned();
            let error = classify_service(what, code.as_deref(), &message);
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
                ProviderError::Other(message.clone())
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
                error: ProviderError::Other(message),
            }
        }
    }
}

fn classify_service(what: &str, code: Option<&str>, message: &str) -> ProviderError {
    let lower = message.to_ascii_lowercase();
    match code {
        Some("ForbiddenException") if END_OF_SUPPORT_MARKERS.iter().any(|m| lower.contains(m)) => {
            ProviderError::Unavailable(message.to_owned())
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
