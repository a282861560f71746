//! Phase 2: everything else, at once, under the read bound: what lives in
//! the app (settings, channels, event stream, endpoints, segments,
//! campaigns), and the named things only the index (or a `find`) names,
//! while the look-ups by name of phase 1 finish.

use std::pin::Pin;

use aws_sdk_pinpoint::types::{CampaignResponse, EventStream, SegmentResponse};
use futures_util::future::MaybeDone;
use reconcile_engine::ProviderError;
use reconcile_model::{Kind, Resource};

use super::Scope;
use super::app::AppRead;
use super::named::{NamedFlags, NamedReads, Names};
use crate::endpoints::endpoint_ids;
use crate::provider::AwsProvider;
use crate::{campaigns, segments};

/// A family's read: `None` when not asked for.
pub(super) type Read<T> = Option<Result<T, ProviderError>>;

/// What phase 2 read.
pub(super) struct Reads {
    pub(super) settings: Read<Resource>,
    pub(super) channels: Read<Vec<Resource>>,
    pub(super) event_stream: Read<Option<EventStream>>,
    pub(super) endpoints: Read<Vec<Resource>>,
    pub(super) segments: Read<Vec<SegmentResponse>>,
    pub(super) campaigns: Read<Vec<CampaignResponse>>,
    /// The look-ups by name of both phases.
    pub(super) named: NamedReads,
}

impl AwsProvider {
    /// Phase 2: reads what is in the app (the stack's, or a conflicting
    /// namesake's, whose contents then only give conflicts) and the named
    /// things `first` did not name, and waits for `first_named` (the
    /// look-ups of `first`) to finish.
    pub(super) async fn read_contents<F>(
        &self,
        scope: &Scope<'_>,
        app: &AppRead,
        first: &Names,
        flags: NamedFlags,
        mut first_named: Pin<&mut MaybeDone<F>>,
    ) -> Result<Reads, ProviderError>
    where
        F: Future<Output = NamedReads>,
    {
        let d = &scope.d;
        let only = scope.only;
        let app_id = app.id();
        let hint = |k: Kind| {
            app.hint
                .as_ref()
                .filter(|_| only.is_some_and(|a| a.kind == k))
        };
        // A `find` that knows the resource's name reads that one alone, not
        // everything of its kind the index names.
        let indexed = |k: Kind| {
            if hint(k).is_some() {
                None
            } else {
                app.index.get(&k)
            }
        };
        let more = first.more(indexed, hint);
        let mut endpoint_ids = endpoint_ids(d.of(Kind::Endpoint), app.index.get(&Kind::Endpoint));
        if let Some(a) = only.filter(|a| a.kind == Kind::Endpoint) {
            endpoint_ids.retain(|id, _| id.eq_ignore_ascii_case(&a.key));
            endpoint_ids.entry(a.key.clone()).or_insert((false, false));
        }
        // The app whose contents are read: the stack's, or a conflicting
        // namesake's (whose contents then only give conflicts).
        let read_app_id = app_id
            .clone()
            .or_else(|| app.foreign.as_ref().map(|f| f.id.clone()));
        let in_app = |k: Kind| read_app_id.clone().filter(|_| scope.want(k));
        // Not in a conflicting app: every app has settings, so they would
        // only repeat the app's conflict.
        let settings_app = app_id
            .clone()
            .filter(|_| scope.want(Kind::AppSettings))
            .filter(|_| only.is_some() || !d.of(Kind::AppSettings).is_empty());
        let (settings, channels, event_stream, endpoints, segments, campaigns, more_reads, ()) = tokio::join!(
            async {
                match &settings_app {
                    Some(id) => Some(self.read_settings(id).await),
                    None => None,
                }
            },
            async {
                match in_app(Kind::Channel) {
                    Some(id) => Some(self.read_channels(&id).await),
                    None => None,
                }
            },
            async {
                match in_app(Kind::EventStream) {
                    Some(id) => Some(self.read_event_stream(&id).await),
                    None => None,
                }
            },
            async {
                match in_app(Kind::Endpoint) {
                    Some(id) => Some(self.read_endpoints(&id, &endpoint_ids).await),
                    None => None,
                }
            },
            async {
                match in_app(Kind::Segment).or_else(|| in_app(Kind::Campaign)) {
                    Some(id) => {
                        let _slot = self.permit().await;
                        Some(
                            segments::list_segments(self.pinpoint(), &id)
                                .await
                                .map_err(|c| c.error),
                        )
                    }
                    None => None,
                }
            },
            async {
                match in_app(Kind::Campaign) {
                    Some(id) => {
                        let _slot = self.permit().await;
                        Some(
                            campaigns::list_campaigns(self.pinpoint(), &id)
                                .await
                                .map_err(|c| c.error),
                        )
                    }
                    None => None,
                }
            },
            self.read_named(&more, flags),
            first_named.as_mut(),
        );
        let first_reads = first_named
            .as_mut()
            .take_output()
            .ok_or_else(|| ProviderError::Other("the named reads did not finish".into()))?;
        Ok(Reads {
            settings,
            channels,
            event_stream,
            endpoints,
            segments,
            campaigns,
            named: first_reads.merge(more_reads),
        })
    }
}
