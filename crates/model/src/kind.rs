//! What each kind of resource is, in one place: its name, where it lives
//! ([`Kind::scope`], [`Kind::implied_dependency`]), which fields force a
//! replace and why ([`Kind::replace_paths`]), what its delete costs
//! ([`Kind::delete_consequence`]), how AWS versions and tags it, and whether
//! AWS still serves it ([`Kind::lifecycle`]).
//!
//! Every fact that depends on the kind is an exhaustive `match` on [`Kind`]
//! (no `_ =>`), so that adding a kind makes the compiler name every place
//! that must decide. The engine and its renderers ask the kind; they name no
//! kind themselves.
//!
//! # AWS lifecycle
//!
//! AWS ended support for Amazon Pinpoint on [`PINPOINT_END_OF_SUPPORT`]
//! (2026-10-30). Its engagement features are gone; the app, the push
//! channels and `SendMessages` live on as AWS End User Messaging Push.
//! [`Kind::lifecycle`] says, per kind:
//!
//! | kind | today | AWS's successor |
//! |---|---|---|
//! | `iam_role` | live (IAM) | — |
//! | `kinesis_stream` | live (Kinesis Data Streams) | — |
//! | `app` | live (End User Messaging Push) | — |
//! | `app_settings` | retired | none (no limits, quiet time or hook) |
//! | `channel` | live (End User Messaging Push) | — |
//! | `endpoint` | retired | Amazon Connect Customer Profiles |
//! | `segment` | retired | Amazon Connect Customer Profiles segments |
//! | `template` | retired | Amazon Connect message templates |
//! | `campaign` | retired | Amazon Connect outbound campaigns |
//! | `event_stream` | retired | events sent to Amazon Kinesis directly |
//! | `alarm` | live (CloudWatch) | — |
//!
//! AWS's guide names endpoints, segments, campaigns, journeys and analytics;
//! app settings (`limits`, `quiet_time`, `campaign_hook`), event streams and
//! templates are retired here as well, as Terraform's AWS provider treats
//! them and as AWS's offboarding steps (export the templates) imply.
//!
//! [`Api`] says which world a command plans for: [`Api::Today`] (AWS as it
//! is, the default against AWS) or [`Api::Classic`] (the whole Pinpoint API,
//! as the built-in emulator serves it by default).

use std::fmt;
use std::str::FromStr;

use time::Date;
use time::macros::date;

use crate::address::AddressError;

/// The kinds of resource a stack manages, in the order that creates follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    IamRole,
    KinesisStream,
    App,
    AppSettings,
    Channel,
    Endpoint,
    Segment,
    Template,
    Campaign,
    EventStream,
    Alarm,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::IamRole,
        Kind::KinesisStream,
        Kind::App,
        Kind::AppSettings,
        Kind::Channel,
        Kind::Endpoint,
        Kind::Segment,
        Kind::Template,
        Kind::Campaign,
        Kind::EventStream,
        Kind::Alarm,
    ];

    /// The snake_case name used in addresses, tags and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::IamRole => "iam_role",
            Kind::KinesisStream => "kinesis_stream",
            Kind::App => "app",
            Kind::AppSettings => "app_settings",
            Kind::Channel => "channel",
            Kind::Endpoint => "endpoint",
            Kind::Segment => "segment",
            Kind::Template => "template",
            Kind::Campaign => "campaign",
            Kind::EventStream => "event_stream",
            Kind::Alarm => "alarm",
        }
    }

    /// Singletons (one per stack) have an address without a key.
    pub fn is_singleton(self) -> bool {
        match self {
            Kind::App | Kind::AppSettings | Kind::EventStream => true,
            Kind::IamRole
            | Kind::KinesisStream
            | Kind::Channel
            | Kind::Endpoint
            | Kind::Segment
            | Kind::Template
            | Kind::Campaign
            | Kind::Alarm => false,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| AddressError(s.to_owned()))
    }
}

/// Where a kind's resources live, relative to the stack's app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Account-wide, on its own (IAM roles, Kinesis streams, push
    /// templates): created before the app, found by its own tags.
    Account,
    /// The app itself.
    App,
    /// Inside the app: created after it, deleted with it.
    InApp,
    /// Outside the app but about it (CloudWatch alarms on its metrics):
    /// created after it, not deleted with it.
    OnApp,
}

impl Kind {
    /// Where this kind's resources live. See [`Scope`].
    pub fn scope(self) -> Scope {
        match self {
            Kind::IamRole | Kind::KinesisStream | Kind::Template => Scope::Account,
            Kind::App => Scope::App,
            Kind::AppSettings
            | Kind::Channel
            | Kind::Endpoint
            | Kind::Segment
            | Kind::Campaign
            | Kind::EventStream => Scope::InApp,
            Kind::Alarm => Scope::OnApp,
        }
    }

    /// The kind of the one resource (a singleton) that every resource of
    /// this kind depends on without the spec naming it: the stack's app, for
    /// the kinds in it or about it ([`Scope::InApp`], [`Scope::OnApp`]).
    /// Such a resource is ordered after it, and follows when it is replaced.
    pub fn implied_dependency(self) -> Option<Kind> {
        match self.scope() {
            Scope::InApp | Scope::OnApp => Some(Kind::App),
            Scope::Account | Scope::App => None,
        }
    }

    /// Whether its resources depend on the stack's app (are ordered after
    /// it): [`Kind::implied_dependency`].
    pub fn depends_on_app(self) -> bool {
        self.implied_dependency().is_some()
    }

    /// Whether its resources live inside the app and go with it when it
    /// is deleted.
    pub fn lives_in_app(self) -> bool {
        self.scope() == Scope::InApp
    }

    /// Whether AWS gives its resources a new version on every update, which
    /// resources that follow them ([`crate::resources::followed_segment`])
    /// must move to: segments.
    pub fn versions_on_update(self) -> bool {
        match self {
            Kind::Segment => true,
            Kind::IamRole
            | Kind::KinesisStream
            | Kind::App
            | Kind::AppSettings
            | Kind::Channel
            | Kind::Endpoint
            | Kind::Template
            | Kind::Campaign
            | Kind::EventStream
            | Kind::Alarm => false,
        }
    }

    /// Whether its resources carry tags of their own (the stack's ownership
    /// tags); the others belong to the stack through its app.
    pub fn has_own_tags(self) -> bool {
        match self {
            Kind::App
            | Kind::Segment
            | Kind::Campaign
            | Kind::Template
            | Kind::IamRole
            | Kind::KinesisStream
            | Kind::Alarm => true,
            Kind::AppSettings | Kind::Channel | Kind::Endpoint | Kind::EventStream => false,
        }
    }
}

/// A field that AWS cannot change in place: a change to it (or below it)
/// replaces the resource (delete, then create).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplacePath {
    /// An RFC 6901 pointer into the resource's `attrs` (`/name`).
    pub path: &'static str,
    /// Why it cannot change in place, as the plan's reason says it
    /// ("IAM cannot rename a role or move it to another path").
    pub reason: &'static str,
}

impl Kind {
    /// The fields of this kind that cannot change in place, each with why;
    /// empty where every field can.
    pub fn replace_paths(self) -> &'static [ReplacePath] {
        /// IAM's one reason for both of a role's fixed fields.
        const ROLE: &str = "IAM cannot rename a role or move it to another path";
        match self {
            Kind::App => &[ReplacePath {
                path: "/name",
                reason: "AWS has no UpdateApp",
            }],
            Kind::IamRole => &[
                ReplacePath {
                    path: "/name",
                    reason: ROLE,
                },
                ReplacePath {
                    path: "/path",
                    reason: ROLE,
                },
            ],
            Kind::KinesisStream => &[ReplacePath {
                path: "/name",
                reason: "Kinesis cannot rename a stream",
            }],
            Kind::Template => &[ReplacePath {
                path: "/name",
                reason: "a template is known by its name",
            }],
            Kind::Alarm => &[ReplacePath {
                path: "/name",
                reason: "an alarm is known by its name",
            }],
            Kind::AppSettings
            | Kind::Channel
            | Kind::Endpoint
            | Kind::Segment
            | Kind::Campaign
            | Kind::EventStream => &[],
        }
    }

    /// What is lost when one of its resources is deleted (or replaced,
    /// which deletes first), for the plan's loud warning; `None` for the
    /// kinds whose delete the plan does not warn about.
    pub fn delete_consequence(self) -> Option<&'static str> {
        match self {
            Kind::App => Some(
                "every endpoint, segment and campaign in it and its analytics go with it; AWS cannot bring them back",
            ),
            Kind::Segment => Some("campaigns that target it fail and stop running"),
            Kind::Campaign => Some("its schedule stops and its delivery history is lost"),
            Kind::Template => Some("campaigns and sends that use it fail until it exists again"),
            Kind::KinesisStream => Some("the events it holds are lost"),
            Kind::IamRole => Some("what assumes it (the event stream) loses access"),
            Kind::AppSettings
            | Kind::Channel
            | Kind::Endpoint
            | Kind::EventStream
            | Kind::Alarm => None,
        }
    }
}

/// The day AWS ended support for Amazon Pinpoint's engagement features.
pub const PINPOINT_END_OF_SUPPORT: Date = date!(2026 - 10 - 30);

/// Whether AWS serves a kind today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Served, by this AWS service.
    Live { service: &'static str },
    /// Refused by AWS since `since`; `successor` is where AWS points.
    Retired {
        since: Date,
        successor: &'static str,
    },
}

impl Lifecycle {
    pub fn is_retired(self) -> bool {
        matches!(self, Lifecycle::Retired { .. })
    }
}

impl Kind {
    /// Whether AWS serves this kind today, and if not, since when and what
    /// replaces it. See the [module docs](self#aws-lifecycle).
    pub fn lifecycle(self) -> Lifecycle {
        let retired = |successor| Lifecycle::Retired {
            since: PINPOINT_END_OF_SUPPORT,
            successor,
        };
        match self {
            Kind::IamRole => Lifecycle::Live { service: "AWS IAM" },
            Kind::KinesisStream => Lifecycle::Live {
                service: "Amazon Kinesis Data Streams",
            },
            Kind::App | Kind::Channel => Lifecycle::Live {
                service: "AWS End User Messaging Push",
            },
            Kind::AppSettings => retired(
                "none: End User Messaging Push has no campaign limits, quiet time or campaign hook",
            ),
            Kind::Endpoint => retired(
                "Amazon Connect Customer Profiles; for a test push, `reconcile send` to device tokens",
            ),
            Kind::Segment => retired("Amazon Connect Customer Profiles segments"),
            Kind::Template => {
                retired("Amazon Connect message templates (export the push templates)")
            }
            Kind::Campaign => retired("Amazon Connect outbound campaigns"),
            Kind::EventStream => {
                retired("Amazon Kinesis: send the app's events to the stream directly")
            }
            Kind::Alarm => Lifecycle::Live {
                service: "Amazon CloudWatch",
            },
        }
    }

    /// The plural noun for people (`segments`, `app settings`).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::IamRole => "IAM roles",
            Kind::KinesisStream => "Kinesis streams",
            Kind::App => "apps",
            Kind::AppSettings => "app settings",
            Kind::Channel => "push channels",
            Kind::Endpoint => "endpoints",
            Kind::Segment => "segments",
            Kind::Template => "push templates",
            Kind::Campaign => "campaigns",
            Kind::EventStream => "event streams",
            Kind::Alarm => "alarms",
        }
    }
}

/// Which AWS a command plans for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Api {
    /// AWS as it is today: retired kinds are refused, and any failure to
    /// read one is reported as retired, never as an error or a change.
    #[default]
    Today,
    /// The whole Pinpoint API as it was before its end of support (what the
    /// built-in emulator serves unless told otherwise).
    Classic,
}

impl Api {
    pub const ALL: [Api; 2] = [Api::Today, Api::Classic];

    pub fn as_str(self) -> &'static str {
        match self {
            Api::Today => "today",
            Api::Classic => "classic",
        }
    }

    /// Whether this API serves `kind`.
    pub fn serves(self, kind: Kind) -> bool {
        match self {
            Api::Today => !kind.lifecycle().is_retired(),
            Api::Classic => true,
        }
    }

    /// What a refused read of `kind` says to the user: that AWS retired the
    /// kind, its successor, and AWS's own answer (`code: message`).
    pub fn retired_message(kind: Kind, aws_said: &str) -> String {
        match kind.lifecycle() {
            Lifecycle::Retired { .. } => {
                Self::retired_note(kind, &format!("AWS answered: {aws_said}"))
            }
            Lifecycle::Live { service } => format!("{service} refused it: {aws_said}"),
        }
    }

    /// That AWS retired `kind`, with its successor, then `note` (why it was
    /// not asked, or what AWS answered).
    pub fn retired_note(kind: Kind, note: &str) -> String {
        match kind.lifecycle() {
            Lifecycle::Retired { since, successor } => {
                format!("retired by AWS on {since} (successor: {successor}); {note}")
            }
            Lifecycle::Live { service } => format!("served by {service}; {note}"),
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `--api` value that is not `today` or `classic`.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an API (expected `today` or `classic`)")]
pub struct ApiError(String);

impl FromStr for Api {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Api::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| ApiError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engagement_kinds_are_retired_and_push_lives_on() {
        let retired: Vec<&str> = Kind::ALL
            .into_iter()
            .filter(|k| k.lifecycle().is_retired())
            .map(Kind::as_str)
            .collect();
        assert_eq!(
            retired,
            [
                "app_settings",
                "endpoint",
                "segment",
                "template",
                "campaign",
                "event_stream"
            ]
        );
        assert!(Api::Today.serves(Kind::Channel));
        assert!(!Api::Today.serves(Kind::Segment));
        assert!(Api::Classic.serves(Kind::Segment));
    }

    #[test]
    fn a_retired_message_names_the_date_the_successor_and_aws_s_answer() {
        let m = Api::retired_message(Kind::Campaign, "BadRequestException: gone");
        assert_eq!(
            m,
            "retired by AWS on 2026-10-30 (successor: Amazon Connect outbound campaigns); AWS answered: BadRequestException: gone"
        );
    }

    #[test]
    fn replace_paths_are_pointers_with_a_reason() {
        for kind in Kind::ALL {
            for p in kind.replace_paths() {
                assert!(p.path.starts_with('/'), "{kind}: {}", p.path);
                assert!(!p.reason.is_empty(), "{kind}: {}", p.path);
            }
        }
        assert!(Kind::Segment.replace_paths().is_empty());
        let iam: Vec<&str> = Kind::IamRole
            .replace_paths()
            .iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(iam, ["/name", "/path"]);
    }

    #[test]
    fn what_is_in_the_app_depends_on_it() {
        for kind in Kind::ALL {
            let implied = kind.implied_dependency();
            assert_eq!(implied.is_some(), kind.depends_on_app(), "{kind}");
            assert!(implied.is_none_or(Kind::is_singleton), "{kind}");
            assert!(!kind.lives_in_app() || implied.is_some(), "{kind}");
        }
    }

    #[test]
    fn apis_parse_from_their_names() {
        assert_eq!("today".parse::<Api>().unwrap(), Api::Today);
        assert_eq!("classic".parse::<Api>().unwrap(), Api::Classic);
        assert!("current".parse::<Api>().is_err());
    }
}
