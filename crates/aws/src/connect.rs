//! Building the four SDK clients from the connection flags.
//!
//! Retries: the SDK's standard retry (exponential backoff with jitter) for
//! throttles, 5xx and broken connections, except on the creates that are not
//! idempotent ([`pinpoint_once`]). Not the SDK's adaptive mode: its client-side rate
//! limiter is one bucket per service, so a 429 on one operation slows every
//! operation of that service, while the engine already paces each operation
//! class at AWS's published quotas (with 5% injected throttles a 200-resource
//! apply took 65 s adaptive, 21 s standard).

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use reconcile_model::Api;

/// How to reach AWS (or an emulator).
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Send every request here (an emulator, a VPC endpoint).
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Use fixed dummy credentials (for an emulator that needs no account).
    pub dummy_credentials: bool,
    /// Maximum attempts of the SDK's standard retry (throttles, 5xx).
    pub max_attempts: u32,
    /// Which AWS the account is: today's refuses the kinds AWS retired.
    pub api: Api,
}

/// The SDK clients a provider uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub pinpoint: aws_sdk_pinpoint::Client,
    pub iam: aws_sdk_iam::Client,
    pub kinesis: aws_sdk_kinesis::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// Only reads `${ssm:...}` secret references (`GetParameter`).
    pub ssm: aws_sdk_ssm::Client,
    /// Only reads `${secretsmanager:...}` secret references (`GetSecretValue`).
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    pub region: String,
    /// Which AWS the account is (see [`Api`]).
    pub api: Api,
}

impl Clients {
    /// Loads the standard AWS configuration chain (environment, profile,
    /// SSO, IMDS...) overridden by the given options.
    pub async fn connect(opts: &ConnectOptions) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(opts.max_attempts.max(1)));
        if let Some(region) = &opts.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &opts.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if opts.dummy_credentials {
            loader = loader.credentials_provider(aws_credential_types::Credentials::new(
                "AKIDLOCALEMULATOR",
                "local-emulator-secret",
                None,
                None,
                "reconcile-local",
            ));
        }
        let sdk = loader.load().await;
        let region = sdk
            .region()
            .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
        Self {
            pinpoint: aws_sdk_pinpoint::Client::new(&sdk),
            iam: aws_sdk_iam::Client::new(&sdk),
            kinesis: aws_sdk_kinesis::Client::new(&sdk),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&sdk),
            ssm: aws_sdk_ssm::Client::new(&sdk),
            secretsmanager: aws_sdk_secretsmanager::Client::new(&sdk),
            region,
            api: opts.api,
        }
    }
}

/// A per-request config override that turns the SDK's retries off, for the
/// creates that are not idempotent: `CreateApp`, `CreateSegment` and
/// `CreateCampaign` make a new resource on every call, and `CreatePushTemplate`
/// answers "already exists" to a repeat. When the response of such a create is
/// lost (a broken connection, a 5xx after the commit), an SDK retry would make
/// a duplicate; the engine retries instead, and looks the resource up by its
/// tags first.
pub(crate) fn pinpoint_once() -> aws_sdk_pinpoint::config::Builder {
    aws_sdk_pinpoint::config::Builder::default().retry_config(no_retries())
}

/// [`pinpoint_once`] for IAM `CreateRole` ("already exists" on a repeat).
pub(crate) fn iam_once() -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default().retry_config(no_retries())
}

/// [`pinpoint_once`] for Kinesis `CreateStream` ("in use" on a repeat).
pub(crate) fn kinesis_once() -> aws_sdk_kinesis::config::Builder {
    aws_sdk_kinesis::config::Builder::default().retry_config(no_retries())
}

fn no_retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(1)
}
