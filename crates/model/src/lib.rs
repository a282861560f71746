//! The typed model of a push stack.
//!
//! Start with [`Spec`] (what a user writes) and
//! [`Resource`] (what both the spec and the live account
//! become, and what the engine diffs). [`resources`] is the contract between
//! the two: [`Spec::resources`](spec::Spec::resources) and the per-kind
//! functions ([`resources::segment_resource`], ...) that the provider calls
//! on live state too.
//!
//! To read a spec file, call [`load()`] (or [`load_str`]): it returns a
//! [`LoadedSpec`] or every problem at once as [`Diagnostics`], each with
//! file, line, column, path, expected and hint (see [the module](mod@load) for the
//! passes). [`json_schema`] is the language's draft-07 JSON Schema.
//! [`kind`] holds what each kind is (and whether AWS still serves it),
//! [`address`] names resources, [`secret`] keeps credentials out of
//! everything that prints or persists, and [`credentials`] checks the
//! certificates and keys those secrets hold (expiry, key pairs, APNs
//! environments, FCM service accounts) without sending them anywhere.

pub mod address;
pub mod credentials;
pub mod diagnostic;
pub mod escape;
pub mod kind;
pub mod load;
pub mod resource;
pub mod resources;
pub mod schema;
pub mod secret;
pub mod spec;

pub use address::Address;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use kind::{Api, Kind, Lifecycle, PINPOINT_END_OF_SUPPORT, Scope};
pub use load::{LoadedSpec, load, load_str, load_str_at};
pub use resource::{Resource, WriteOnly};
pub use resources::{
    ResolveError, adm_channel_resource, alarm_resource, apns_channel_resource, app_resource,
    app_settings_resource, baidu_channel_resource, campaign_resource, endpoint_resource,
    event_stream_resource, gcm_channel_resource, iam_role_resource, kinesis_stream_resource,
    put_to_stream_policy, put_to_stream_policy_name, segment_resource, set_write_only_fingerprint,
    template_resource, trust_policy,
};
pub use schema::json_schema;
pub use secret::{SecretRef, SecretValue, Secrets};
pub use spec::Spec;
