//! Amazon Pinpoint (restJson1, signing name `mobiletargeting`): apps,
//! settings, tags, channels, endpoints, segments, push templates, campaigns,
//! the event stream, `SendMessages` and the date-range KPIs, as
//! `../shared/reference/pinpoint-api.md` describes them.
//!
//! Start at [`handle`]: [`operation`] names the operation from the method
//! and the raw (still percent-encoded) path, [`campaigns::tick`] moves
//! campaigns along the emulator clock, then one handler module per resource
//! validates everything first and mutates second, so that an error leaves
//! the state untouched. Bodies are the bare payload shapes of [`shapes`];
//! state is [`model::State`].
//!
//! # Choices where AWS's behaviour is unknown
//!
//! The reference marks these unknown or `[GUESS]`; the emulator takes the
//! strictest plausible behaviour unless evidence or the recipe says
//! otherwise.
//!
//! | Behaviour | Emulator |
//! |---|---|
//! | Unknown path under `/v1/` | 404 `NotFoundException` |
//! | Known path, wrong method | 405 `MethodNotAllowedException` |
//! | Real Pinpoint operations not served (journeys, jobs, email/SMS/voice templates, ...) | dispatch's unknown-operation reply (404 `NotFoundException`) |
//! | Malformed JSON or a member of the wrong type or enum value | 400 `BadRequestException`, state untouched |
//! | Default / maximum `page-size`; token format | 20 / 1000 (clamped); opaque decimal offset, a bad token is 400 |
//! | Duplicate app names | accepted (ids are the identity) |
//! | More than 100 apps | 400 `BadRequestException` |
//! | Tag ops on an ARN that names nothing | 404 `NotFoundException`; a malformed ARN is 400 `BadRequestException` |
//! | Tag keys/values | 1-128 / 0-256 chars of letters, digits, spaces, `_.:/=+-@`; `aws:` prefix and more than 50 tags are 400 |
//! | `tags` in Update* requests | ignored (AWS ignores them since 2023-05-22) |
//! | Application settings update | merge per top-level member; an omitted member keeps its value |
//! | Channel created without `Enabled` | enabled (the operations are documented as "enables the channel") |
//! | APNs credentials | `TOKEN` needs TokenKey, TokenKeyId, BundleId, TeamId; `CERTIFICATE` needs Certificate, PrivateKey; without a method, TOKEN when token members are sent, else CERTIFICATE; an update carrying none keeps the stored ones; a channel without a complete set is 400 |
//! | GCM credentials | `KEY` needs ApiKey, `TOKEN` needs ServiceJson (must be a JSON object); default TOKEN when ServiceJson is sent, else KEY |
//! | ADM / Baidu / Email required members | required on every update (the model marks them required) |
//! | Baidu `Credential` (model-required in the response) | never returned (the SDK then reads `""`) |
//! | Email `MessagesPerSecond`, SMS per-second rates | 1 and 20/20 (as observed) |
//! | `UpdateEndpoint` on an existing endpoint | merge: given members replace, omitted ones stay; attribute maps merge by key, each key's values replaced |
//! | Endpoint attributes | at most 50 values per attribute, keys at most 50 chars, values at most 100 chars (400 beyond) |
//! | Endpoint defaults | `EndpointStatus` ACTIVE, `OptOut` NONE, `CohortId` a stable 0-99 hash of the id, `Attributes`/`Metrics` `{}` |
//! | `UpdateSegment` | creates version N+1; omitted top-level members keep the previous version's value |
//! | Segment dimensions evaluated | Demographic (AppVersion, Channel, Make, Model, Platform), Location.Country, Attributes, UserAttributes (INCLUSIVE, EXCLUSIVE, CONTAINS), Metrics; Behavior, GPSPoint and SegmentGroups' source segments match everyone |
//! | Duplicate template create | 400 `BadRequestException` "Template already exists" |
//! | `version` on UpdatePushTemplate not the latest | 400 `BadRequestException` |
//! | `create-new-version=true` together with `version` | 400 `BadRequestException` |
//! | Deleting the active template version while others exist | 400 `BadRequestException`; deleting the last version deletes the template |
//! | `DefaultSubstitutions` | must be a JSON object encoded as a string (400 otherwise) |
//! | `ListTemplates` item version | the active version |
//! | Template 202 / active-version 200 message | `"Accepted"` |
//! | Campaign `Description` omitted | `" "` (as observed in every captured response) |
//! | Campaign required members | `Name`, `SegmentId`, `Schedule.StartTime`, and `MessageConfiguration` or `TemplateConfiguration` |
//! | Campaign `Timezone` | one of the 31 documented UTC offsets, case-insensitive, also unpadded (`UTC-4`, which AWS accepted); IANA zone names (`America/New_York`) accepted too, because the recipe sends one and AWS's answer is undocumented; stored and echoed verbatim; anything else is 400 |
//! | `IsLocalTime: true` without `Timezone` | 400 |
//! | Recurring campaign without `EndTime`, `EndTime` not after `StartTime` | 400 |
//! | `EVENT` campaign without `EventFilter` | 400 |
//! | Unknown `SegmentId` | 404 `NotFoundException` "Segment not found"; a `SegmentVersion` the segment never had is 400 |
//! | Omitted `SegmentVersion` | the segment's current version |
//! | Push template named in `TemplateConfiguration` that does not exist | 400 |
//! | Pausing an `IMMEDIATE` campaign | 400 |
//! | `UpdateCampaign` on a COMPLETED or DELETED campaign | 400 |
//! | Campaign run | a due campaign runs at the first request once the clock is 1 s past its start (`IMMEDIATE` = its last create/update): one activity, status COMPLETED (or PENDING_NEXT_RUN for recurring ones until `EndTime`); EXECUTING is never observable |
//! | What a campaign run applies | the segment version, `HoldoutPercent` (endpoints whose `CohortId` is below it are held out) and the channels; `Limits`, quiet time, `IsLocalTime` and treatments are not simulated (every send is treatment `0`) |
//! | Segment deleted under a campaign | SCHEDULED, PENDING_NEXT_RUN or PAUSED campaigns using it become DELETED |
//! | Event stream role | the role's name must exist in the emulated IAM; the stream ARN must name an emulated Kinesis stream; Firehose ARNs are 400 (Firehose is not emulated) |
//! | Event stream on a Kinesis stream still `CREATING` | accepted |
//! | Event stream `LastUpdatedBy` | a fixed IAM user id |
//! | Events written to the stream | campaign sends: the documented `_campaign.send` event; direct sends (AWS documents no push event for them): `_direct.send` with the same envelope |
//! | Send to a channel that is missing | `PERMANENT_FAILURE`, StatusCode 400, "`TYPE` channel is not configured for this application" |
//! | Send to a disabled channel | `PERMANENT_FAILURE`, 400, "`TYPE` channel is disabled" |
//! | Send to a channel with no credential | `PERMANENT_FAILURE`, 400, "`TYPE` channel has no credentials" |
//! | Send with no message for the channel | `PERMANENT_FAILURE`, 400, "No message is configured for channel `TYPE`" |
//! | Send to an opted-out endpoint (`OptOut: ALL`) | `OPT_OUT`, 400; not a delivery attempt (no KPI count, no event) |
//! | Send to an inactive endpoint or one without an address | `PERMANENT_FAILURE`, 400 |
//! | Send to an unknown endpoint id | `PERMANENT_FAILURE`, 404, "Endpoint not found" |
//! | Send to an address without `ChannelType` | 400 `BadRequestException` for the whole request |
//! | KPI names | the documented ones (with `-grouped-by-date`, `-grouped-by-campaign`, `-grouped-by-campaign-activity`), plus `delivery-rate` and `unique-endpoints` that the recipe queries; others 400 |
//! | KPI date range | no range is the past 31 days; start after end is 400; the documented 31-day / 90-day limits are *not* enforced (the recipe queries a whole past year) |
//! | KPI with no data | `"Rows": []` |
//! | End of support (`end_of_support`) | app settings, endpoints, segments, templates, campaigns, KPIs, the event stream, tag operations on segment/campaign/template ARNs and `SendMessages` with `Endpoints` are refused in the shape `retired_shape` says (see [`retired`]: 403, 404, 400 or an unknown operation); apps, channels, tags on apps and `SendMessages` to `Addresses` are served; campaigns stop running |

pub mod apps;
pub mod campaigns;
pub mod channels;
pub mod endpoints;
pub mod eventstream;
pub mod kpis;
pub mod messages;
pub mod model;
pub mod retired;
pub mod segments;
pub mod shapes;
pub mod tags;
pub mod templates;
pub mod util;

use axum::http::Method;

pub use model::State;

use crate::wire::{Ctx, Reply, Request};
use util::Error;

/// The pseudo-operation of a path no Pinpoint operation has (404).
pub const UNKNOWN_PATH: &str = "UnknownPath";
/// The pseudo-operation of a known path with a method it does not take (405).
pub const METHOD_NOT_ALLOWED: &str = "MethodNotAllowed";

/// Path parameters, percent-decoded.
#[derive(Debug, Default, Clone)]
pub struct Params {
    pub app: String,
    /// Segment, campaign or endpoint id, or template name.
    pub id: String,
    /// Segment or campaign version.
    pub version: String,
    /// Channel path token, template type or KPI name.
    pub sub: String,
    /// The resource ARN of the tag operations.
    pub arn: String,
}

/// Methods a path takes, each with its operation.
#[derive(Default)]
struct Ops {
    get: Option<&'static str>,
    post: Option<&'static str>,
    put: Option<&'static str>,
    delete: Option<&'static str>,
}

fn ops(
    get: Option<&'static str>,
    post: Option<&'static str>,
    put: Option<&'static str>,
    delete: Option<&'static str>,
) -> Option<Ops> {
    Some(Ops {
        get,
        post,
        put,
        delete,
    })
}

enum Resolved {
    Ops(Ops, Params),
    /// A real Pinpoint path the emulator does not serve.
    NotServed,
    Unknown,
}

/// The nine channels: path token and operation suffix.
pub const CHANNELS: [(&str, &str); 9] = [
    ("apns", "ApnsChannel"),
    ("apns_sandbox", "ApnsSandboxChannel"),
    ("apns_voip", "ApnsVoipChannel"),
    ("apns_voip_sandbox", "ApnsVoipSandboxChannel"),
    ("gcm", "GcmChannel"),
    ("adm", "AdmChannel"),
    ("baidu", "BaiduChannel"),
    ("email", "EmailChannel"),
    ("sms", "SmsChannel"),
];

fn channel_ops(suffix: &str) -> Option<Ops> {
    let name = |verb: &str| -> &'static str {
        // Operation names are a fixed set; leak-free lookup in a table.
        CHANNEL_OP_NAMES
            .iter()
            .find(|n| n.strip_prefix(verb) == Some(suffix))
            .copied()
            .unwrap_or(UNKNOWN_PATH)
    };
    ops(
        Some(name("Get")),
        None,
        Some(name("Update")),
        Some(name("Delete")),
    )
}

const CHANNEL_OP_NAMES: [&str; 27] = [
    "GetApnsChannel",
    "UpdateApnsChannel",
    "DeleteApnsChannel",
    "GetApnsSandboxChannel",
    "UpdateApnsSandboxChannel",
    "DeleteApnsSandboxChannel",
    "GetApnsVoipChannel",
    "UpdateApnsVoipChannel",
    "DeleteApnsVoipChannel",
    "GetApnsVoipSandboxChannel",
    "UpdateApnsVoipSandboxChannel",
    "DeleteApnsVoipSandboxChannel",
    "GetGcmChannel",
    "UpdateGcmChannel",
    "DeleteGcmChannel",
    "GetAdmChannel",
    "UpdateAdmChannel",
    "DeleteAdmChannel",
    "GetBaiduChannel",
    "UpdateBaiduChannel",
    "DeleteBaiduChannel",
    "GetEmailChannel",
    "UpdateEmailChannel",
    "DeleteEmailChannel",
    "GetSmsChannel",
    "UpdateSmsChannel",
    "DeleteSmsChannel",
];

fn resolve(raw_path: &str) -> Resolved {
    let Some(rest) = raw_path.strip_prefix("/v1/") else {
        return Resolved::Unknown;
    };
    let mut segs = Vec::new();
    for s in rest.split('/') {
        match percent_encoding::percent_decode_str(s).decode_utf8() {
            Ok(d) => segs.push(d.into_owned()),
            Err(_) => return Resolved::Unknown,
        }
    }
    if segs.iter().any(String::is_empty) {
        return Resolved::Unknown;
    }
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let mut p = Params::default();
    let found = match s.as_slice() {
        ["apps"] => ops(Some("GetApps"), Some("CreateApp"), None, None),
        ["apps", app, rest @ ..] => {
            (*app).clone_into(&mut p.app);
            match rest {
                [] => ops(Some("GetApp"), None, None, Some("DeleteApp")),
                ["settings"] => ops(
                    Some("GetApplicationSettings"),
                    None,
                    Some("UpdateApplicationSettings"),
                    None,
                ),
                ["channels"] => ops(Some("GetChannels"), None, None, None),
                ["channels", ch] => match CHANNELS.iter().find(|(t, _)| t == ch) {
                    Some((token, suffix)) => {
                        (*token).clone_into(&mut p.sub);
                        channel_ops(suffix)
                    }
                    None if *ch == "voice" => return Resolved::NotServed,
                    None => None,
                },
                ["endpoints"] => ops(None, None, Some("UpdateEndpointsBatch"), None),
                ["endpoints", id] => {
                    (*id).clone_into(&mut p.id);
                    ops(
                        Some("GetEndpoint"),
                        None,
                        Some("UpdateEndpoint"),
                        Some("DeleteEndpoint"),
                    )
                }
                ["segments"] => ops(Some("GetSegments"), Some("CreateSegment"), None, None),
                ["segments", id, tail @ ..] => {
                    (*id).clone_into(&mut p.id);
                    match tail {
                        [] => ops(
                            Some("GetSegment"),
                            None,
                            Some("UpdateSegment"),
                            Some("DeleteSegment"),
                        ),
                        ["versions"] => ops(Some("GetSegmentVersions"), None, None, None),
                        ["versions", v] => {
                            (*v).clone_into(&mut p.version);
                            ops(Some("GetSegmentVersion"), None, None, None)
                        }
                        ["jobs" | "imports" | "exports", ..] => {
                            return Resolved::NotServed;
                        }
                        _ => None,
                    }
                }
                ["campaigns"] => ops(Some("GetCampaigns"), Some("CreateCampaign"), None, None),
                ["campaigns", id, tail @ ..] => {
                    (*id).clone_into(&mut p.id);
                    match tail {
                        [] => ops(
                            Some("GetCampaign"),
                            None,
                            Some("UpdateCampaign"),
                            Some("DeleteCampaign"),
                        ),
                        ["versions"] => ops(Some("GetCampaignVersions"), None, None, None),
                        ["versions", v] => {
                            (*v).clone_into(&mut p.version);
                            ops(Some("GetCampaignVersion"), None, None, None)
                        }
                        ["activities"] => ops(Some("GetCampaignActivities"), None, None, None),
                        ["kpis", "daterange", kpi] => {
                            (*kpi).clone_into(&mut p.sub);
                            ops(Some("GetCampaignDateRangeKpi"), None, None, None)
                        }
                        _ => None,
                    }
                }
                ["eventstream"] => ops(
                    Some("GetEventStream"),
                    Some("PutEventStream"),
                    None,
                    Some("DeleteEventStream"),
                ),
                ["messages"] => ops(None, Some("SendMessages"), None, None),
                ["kpis", "daterange", kpi] => {
                    (*kpi).clone_into(&mut p.sub);
                    ops(Some("GetApplicationDateRangeKpi"), None, None, None)
                }
                [
                    "journeys" | "jobs" | "events" | "users" | "users-messages" | "otp"
                    | "verify-otp" | "endpoints-export" | "inappmessages",
                    ..,
                ] => return Resolved::NotServed,
                _ => None,
            }
        }
        ["templates"] => ops(Some("ListTemplates"), None, None, None),
        ["templates", name, kind, tail @ ..] => {
            (*name).clone_into(&mut p.id);
            (*kind).clone_into(&mut p.sub);
            match tail {
                [] if *kind == "push" => ops(
                    Some("GetPushTemplate"),
                    Some("CreatePushTemplate"),
                    Some("UpdatePushTemplate"),
                    Some("DeletePushTemplate"),
                ),
                [] if matches!(*kind, "email" | "sms" | "voice" | "inapp") => {
                    return Resolved::NotServed;
                }
                ["versions"] => ops(Some("ListTemplateVersions"), None, None, None),
                ["active-version"] => ops(None, None, Some("UpdateTemplateActiveVersion"), None),
                _ => None,
            }
        }
        ["tags", arn] => {
            (*arn).clone_into(&mut p.arn);
            ops(
                Some("ListTagsForResource"),
                Some("TagResource"),
                None,
                Some("UntagResource"),
            )
        }
        ["phone" | "recommenders", ..] => return Resolved::NotServed,
        _ => None,
    };
    match found {
        Some(o) => Resolved::Ops(o, p),
        None => Resolved::Unknown,
    }
}

/// The operation and path parameters of a request.
pub fn route(req: &Request) -> Option<(&'static str, Params)> {
    match resolve(&req.raw_path) {
        Resolved::Unknown => Some((UNKNOWN_PATH, Params::default())),
        Resolved::NotServed => None,
        Resolved::Ops(o, p) => {
            let op = match req.method {
                Method::GET => o.get,
                Method::POST => o.post,
                Method::PUT => o.put,
                Method::DELETE => o.delete,
                _ => None,
            };
            Some((op.unwrap_or(METHOD_NOT_ALLOWED), p))
        }
    }
}

/// The operation a request names, if it is one of this service's. Paths
/// that name nothing are the pseudo-operation [`UNKNOWN_PATH`] (404) and a
/// wrong method is [`METHOD_NOT_ALLOWED`] (405); real Pinpoint operations
/// the emulator does not serve are `None`.
pub fn operation(req: &Request) -> Option<String> {
    route(req).map(|(op, _)| op.to_owned())
}

/// Whether an operation changes state.
pub fn is_mutating(op: &str) -> bool {
    ["Create", "Update", "Delete", "Put", "Tag", "Untag", "Send"]
        .iter()
        .any(|p| op.starts_with(p))
}

/// Answers one request.
pub fn handle(op: &str, ctx: &Ctx, state: &mut crate::state::State, req: &Request) -> Reply {
    if !ctx.end_of_support {
        campaigns::tick(ctx, state);
    }
    match serve(op, ctx, state, req) {
        Ok(reply) => reply,
        Err(e) => error(ctx, e.status(), e.code(), &e.to_string()),
    }
}

fn serve(
    op: &str,
    ctx: &Ctx,
    state: &mut crate::state::State,
    req: &Request,
) -> util::Result<Reply> {
    let Some((routed, p)) = route(req) else {
        return Err(Error::not_found(format!("{op} is not served")));
    };
    if routed != op {
        return Err(Error::bad(format!(
            "operation `{op}` does not match the request path"
        )));
    }
    if ctx.end_of_support && retired::is_retired(op) {
        return Err(retired::refusal(op, ctx.retired_shape));
    }
    match op {
        UNKNOWN_PATH => Err(Error::not_found(format!(
            "No Pinpoint resource is found at `{}`",
            req.raw_path
        ))),
        METHOD_NOT_ALLOWED => Err(Error::MethodNotAllowed(format!(
            "Method `{}` is not allowed on `{}`",
            req.method, req.raw_path
        ))),
        "CreateApp" => apps::create(ctx, state, req),
        "GetApp" => apps::get(ctx, state, &p),
        "GetApps" => apps::list(ctx, state, req),
        "DeleteApp" => apps::delete(ctx, state, &p),
        "GetApplicationSettings" => apps::get_settings(ctx, state, &p),
        "UpdateApplicationSettings" => apps::update_settings(ctx, state, req, &p),
        "TagResource" => tags::tag(ctx, state, req, &p),
        "UntagResource" => tags::untag(ctx, state, req, &p),
        "ListTagsForResource" => tags::list(ctx, state, &p),
        "GetChannels" => channels::list(ctx, state, &p),
        "UpdateEndpoint" => endpoints::update(ctx, state, req, &p),
        "UpdateEndpointsBatch" => endpoints::update_batch(ctx, state, req, &p),
        "GetEndpoint" => endpoints::get(ctx, state, &p),
        "DeleteEndpoint" => endpoints::delete(ctx, state, &p),
        "CreateSegment" => segments::create(ctx, state, req, &p),
        "UpdateSegment" => segments::update(ctx, state, req, &p),
        "GetSegment" => segments::get(ctx, state, &p),
        "GetSegments" => segments::list(ctx, state, req, &p),
        "DeleteSegment" => segments::delete(ctx, state, &p),
        "GetSegmentVersions" => segments::versions(ctx, state, req, &p),
        "GetSegmentVersion" => segments::version(ctx, state, &p),
        "CreatePushTemplate" => templates::create(ctx, state, req, &p),
        "GetPushTemplate" => templates::get(ctx, state, req, &p),
        "UpdatePushTemplate" => templates::update(ctx, state, req, &p),
        "DeletePushTemplate" => templates::delete(ctx, state, req, &p),
        "ListTemplates" => templates::list(ctx, state, req),
        "ListTemplateVersions" => templates::versions(ctx, state, req, &p),
        "UpdateTemplateActiveVersion" => templates::set_active(ctx, state, req, &p),
        "CreateCampaign" => campaigns::create(ctx, state, req, &p),
        "UpdateCampaign" => campaigns::update(ctx, state, req, &p),
        "GetCampaign" => campaigns::get(ctx, state, &p),
        "GetCampaigns" => campaigns::list(ctx, state, req, &p),
        "DeleteCampaign" => campaigns::delete(ctx, state, &p),
        "GetCampaignVersions" => campaigns::versions(ctx, state, req, &p),
        "GetCampaignVersion" => campaigns::version(ctx, state, &p),
        "GetCampaignActivities" => campaigns::activities(ctx, state, req, &p),
        "PutEventStream" => eventstream::put(ctx, state, req, &p),
        "GetEventStream" => eventstream::get(ctx, state, &p),
        "DeleteEventStream" => eventstream::delete(ctx, state, &p),
        "SendMessages" => messages::send(ctx, state, req, &p),
        "GetApplicationDateRangeKpi" => kpis::application(ctx, state, req, &p),
        "GetCampaignDateRangeKpi" => kpis::campaign(ctx, state, req, &p),
        channel_op if channel_op.ends_with("Channel") => {
            if channel_op.starts_with("Get") {
                channels::get(ctx, state, &p)
            } else if channel_op.starts_with("Update") {
                channels::update(ctx, state, req, &p)
            } else {
                channels::delete(ctx, state, &p)
            }
        }
        other => Err(Error::not_found(format!("{other} is not served"))),
    }
}

/// An error in this protocol's shape: JSON body `{"Message", "RequestID"}`
/// and the code in `x-amzn-ErrorType`.
pub fn error(ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
    let body = serde_json::json!({"Message": message, "RequestID": ctx.request_id});
    Reply::new(
        axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_REQUEST),
        "application/json",
        serde_json::to_vec(&body).unwrap_or_default(),
    )
    .with_header("x-amzn-ErrorType", code)
    .with_header("x-amzn-RequestId", ctx.request_id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn req(method: Method, path: &str) -> Request {
        Request {
            method,
            raw_path: path.to_owned(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: bytes::Bytes::new(),
        }
    }

    #[test]
    fn routes_on_the_raw_path() {
        let r = req(
            Method::POST,
            "/v1/tags/arn%3Aaws%3Amobiletargeting%3Aus-east-1%3A123456789012%3Aapps%2Fabc",
        );
        let (op, p) = route(&r).unwrap();
        assert_eq!(op, "TagResource");
        assert_eq!(
            p.arn,
            "arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc"
        );
        assert_eq!(
            operation(&req(Method::PUT, "/v1/apps/a/channels/apns_voip_sandbox")).as_deref(),
            Some("UpdateApnsVoipSandboxChannel")
        );
        assert_eq!(
            operation(&req(
                Method::GET,
                "/v1/apps/a/campaigns/c/kpis/daterange/unique-deliveries"
            ))
            .as_deref(),
            Some("GetCampaignDateRangeKpi")
        );
        assert_eq!(
            operation(&req(Method::PATCH, "/v1/apps")).as_deref(),
            Some(METHOD_NOT_ALLOWED)
        );
        assert_eq!(
            operation(&req(Method::GET, "/v1/nothing/here")).as_deref(),
            Some(UNKNOWN_PATH)
        );
        assert_eq!(operation(&req(Method::GET, "/v1/apps/a/journeys")), None);
        assert_eq!(
            operation(&req(Method::GET, "/v1/apps/")).as_deref(),
            Some(UNKNOWN_PATH)
        );
    }

    #[test]
    fn every_channel_has_its_three_operations() {
        for (token, suffix) in CHANNELS {
            for (m, verb) in [
                (Method::GET, "Get"),
                (Method::PUT, "Update"),
                (Method::DELETE, "Delete"),
            ] {
                let op = operation(&req(m, &format!("/v1/apps/a/channels/{token}"))).unwrap();
                assert_eq!(op, format!("{verb}{suffix}"));
            }
        }
    }
}
