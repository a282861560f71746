//! Building the four SDK clients from the connection flags.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};

/// How to reach AWS (or an emulator).
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Send every request here (an emulator, a VPC endpoint).
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Use fixed dummy credentials (for an emulator that needs no account).
    pub dummy_credentials: bool,
    /// Maximum attempts of the SDK's adaptive retry (throttles, 5xx).
    pub max_attempts: u32,
}

/// The SDK clients a provider uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub pinpoint: aws_sdk_pinpoint::Client,
    pub iam: aws_sdk_iam::Client,
    pub kinesis: aws_sdk_kinesis::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub region: String,
}

impl Clients {
    /// Loads the standard AWS configuration chain (environment, profile,
    /// SSO, IMDS...) overridden by the given options.
    pub async fn connect(opts: &ConnectOptions) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::adaptive().with_max_attempts(opts.max_attempts.max(1)));
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
            region,
        }
    }
}
