//! The look-ups by name: templates, roles, streams and alarms, whose list
//! calls carry no tags. The spec's names are looked up with phase 1
//! ([`Names::desired`]); the names only the index (or a `find`) gives,
//! with phase 2 ([`Names::more`]).

use std::collections::BTreeSet;

use aws_sdk_pinpoint::types::PushNotificationTemplateResponse;
use reconcile_engine::ProviderError;
use reconcile_model::Kind;

use super::{Desired, Scope};
use crate::cloudwatch::AlarmRead;
use crate::iam::RoleRead;
use crate::kinesis::StreamRead;
use crate::provider::AwsProvider;
use crate::templates;

/// Names of named things to look up, by kind.
#[derive(Default)]
pub(super) struct Names {
    roles: Vec<String>,
    streams: Vec<String>,
    templates: Vec<String>,
    alarms: Vec<String>,
}

impl Names {
    /// The names the spec gives.
    pub(super) fn desired(d: &Desired<'_>) -> Self {
        Self {
            roles: lookup_names(d.names(Kind::IamRole), None, None, true),
            streams: lookup_names(d.names(Kind::KinesisStream), None, None, false),
            templates: lookup_names(d.names(Kind::Template), None, None, false),
            alarms: lookup_names(d.names(Kind::Alarm), None, None, false),
        }
    }

    /// The names `indexed` (the index's, by kind) and `hint` (a `find`'s,
    /// by kind) give that `self` has not looked up already.
    pub(super) fn more<'a>(
        &self,
        indexed: impl Fn(Kind) -> Option<&'a BTreeSet<String>>,
        hint: impl Fn(Kind) -> Option<&'a String>,
    ) -> Self {
        Self {
            roles: more_names(
                &self.roles,
                indexed(Kind::IamRole),
                hint(Kind::IamRole),
                true,
            ),
            streams: more_names(
                &self.streams,
                indexed(Kind::KinesisStream),
                hint(Kind::KinesisStream),
                false,
            ),
            templates: more_names(
                &self.templates,
                indexed(Kind::Template),
                hint(Kind::Template),
                false,
            ),
            alarms: more_names(&self.alarms, indexed(Kind::Alarm), hint(Kind::Alarm), false),
        }
    }
}

/// Which named kinds a read needs.
#[derive(Clone, Copy)]
pub(super) struct NamedFlags {
    templates: bool,
    roles: bool,
    streams: bool,
    alarms: bool,
}

impl NamedFlags {
    /// The named kinds `scope` wants, and those the kinds it wants name
    /// (campaigns name templates, event streams roles and streams, roles
    /// streams).
    pub(super) fn new(scope: &Scope<'_>) -> Self {
        let want = |k: Kind| scope.want(k);
        Self {
            templates: want(Kind::Template) || want(Kind::Campaign),
            roles: want(Kind::IamRole) || want(Kind::EventStream),
            streams: want(Kind::KinesisStream) || want(Kind::EventStream) || want(Kind::IamRole),
            alarms: want(Kind::Alarm),
        }
    }
}

/// A family's reads: `None` when not asked for.
pub(super) type Found<T> = Option<Result<Vec<T>, ProviderError>>;

/// What the look-ups by name found.
pub(super) struct NamedReads {
    pub(super) templates: Found<(String, PushNotificationTemplateResponse)>,
    pub(super) roles: Found<(String, RoleRead)>,
    pub(super) streams: Found<(String, StreamRead)>,
    pub(super) alarms: Found<AlarmRead>,
}

fn merge_found<T>(a: Found<T>, b: Found<T>) -> Found<T> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(Err(e)),
        (Some(Ok(mut x)), Some(Ok(y))) => {
            x.extend(y);
            Some(Ok(x))
        }
    }
}

impl NamedReads {
    pub(super) fn merge(self, other: NamedReads) -> NamedReads {
        NamedReads {
            templates: merge_found(self.templates, other.templates),
            roles: merge_found(self.roles, other.roles),
            streams: merge_found(self.streams, other.streams),
            alarms: merge_found(self.alarms, other.alarms),
        }
    }
}

/// The names to look up for a named kind: the spec's, the index's and a
/// hint (a `find`).
fn lookup_names<'a>(
    desired: impl Iterator<Item = &'a str>,
    indexed: Option<&BTreeSet<String>>,
    hint: Option<&String>,
    fold_case: bool,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let all = desired
        .map(ToOwned::to_owned)
        .chain(indexed.into_iter().flatten().cloned())
        .chain(hint.cloned());
    for n in all {
        let dup = out.iter().any(|o| {
            if fold_case {
                o.eq_ignore_ascii_case(&n)
            } else {
                *o == n
            }
        });
        if !dup {
            out.push(n);
        }
    }
    out
}

/// The index's (and a hint's) names not looked up already.
fn more_names(
    done: &[String],
    indexed: Option<&BTreeSet<String>>,
    hint: Option<&String>,
    fold_case: bool,
) -> Vec<String> {
    lookup_names(std::iter::empty(), indexed, hint, fold_case)
        .into_iter()
        .filter(|n| {
            !done.iter().any(|d| {
                if fold_case {
                    d.eq_ignore_ascii_case(n)
                } else {
                    d == n
                }
            })
        })
        .collect()
}

/// Runs the reads of a list of names at once.
async fn each<T, F, Fut>(names: &[String], read: F) -> Result<Vec<(String, T)>, ProviderError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, ProviderError>>,
{
    let results = futures_util::future::join_all(names.iter().map(|n| {
        let fut = read(n.clone());
        async move { (n.clone(), fut.await) }
    }))
    .await;
    let mut out = Vec::new();
    for (n, r) in results {
        if let Some(t) = r? {
            out.push((n, t));
        }
    }
    Ok(out)
}

impl AwsProvider {
    /// Looks up named things (templates, roles, streams, alarms) at once.
    pub(super) async fn read_named(&self, names: &Names, flags: NamedFlags) -> NamedReads {
        let (templates, roles, streams, alarms) = tokio::join!(
            async {
                if !flags.templates || names.templates.is_empty() {
                    return None;
                }
                Some(
                    each(&names.templates, |n| async move {
                        self.pace_read("template-read").await;
                        let _slot = self.permit().await;
                        templates::get_push_template(self.pinpoint(), self.clients.api, &n, None)
                            .await
                            .map_err(|c| c.error)
                    })
                    .await,
                )
            },
            async {
                if !flags.roles || names.roles.is_empty() {
                    return None;
                }
                Some(each(&names.roles, |n| async move { self.read_role(&n).await }).await)
            },
            async {
                if !flags.streams || names.streams.is_empty() {
                    return None;
                }
                Some(
                    each(
                        &names.streams,
                        |n| async move { self.read_stream(&n).await },
                    )
                    .await,
                )
            },
            async {
                if !flags.alarms || names.alarms.is_empty() {
                    return None;
                }
                Some(
                    self.read_alarms(&names.alarms)
                        .await
                        .map(|v| v.into_iter().collect()),
                )
            },
        );
        NamedReads {
            templates,
            roles,
            streams,
            alarms,
        }
    }
}
