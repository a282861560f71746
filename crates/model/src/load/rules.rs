//! The semantic pass: Pinpoint's own rules and the spec's cross-references,
//! checked on the typed values of every entry that passed the structural
//! pass.
//!
//! A reference to a missing key suggests the nearest few keys
//! ([`super::suggest`]), never lists every key, so that the cost and the
//! output stay linear in the number of errors.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::structure::{Issue, Seg};
use super::suggest;
use crate::resources::{is_arn, put_to_stream_policy_name};
use crate::spec::{
    AdmChannel, Alarm, ApnsAuthMethod, ApnsChannel, App, BaiduChannel, Campaign, EventStream,
    Frequency, GENERATED_POLICY_PREFIX, GcmAuthMethod, GcmChannel, IamRole, KinesisStream,
    MessageConfiguration, QuietTime, Schedule, Segment, SegmentDimensions, StartTime, StreamMode,
    Tags, Template,
};

/// The campaign timezones Pinpoint accepts (API `Schedule.Timezone`).
pub const CAMPAIGN_TIMEZONES: [&str; 31] = [
    "UTC",
    "UTC+01",
    "UTC+02",
    "UTC+03",
    "UTC+03:30",
    "UTC+04",
    "UTC+04:30",
    "UTC+05",
    "UTC+05:30",
    "UTC+05:45",
    "UTC+06",
    "UTC+06:30",
    "UTC+07",
    "UTC+08",
    "UTC+09",
    "UTC+09:30",
    "UTC+10",
    "UTC+10:30",
    "UTC+11",
    "UTC+12",
    "UTC+13",
    "UTC-02",
    "UTC-03",
    "UTC-04",
    "UTC-05",
    "UTC-06",
    "UTC-07",
    "UTC-08",
    "UTC-09",
    "UTC-10",
    "UTC-11",
];

/// Common IANA zones and their (standard, daylight) offsets, for hints.
const IANA_OFFSETS: &[(&str, &str, Option<&str>)] = &[
    ("America/New_York", "UTC-05", Some("UTC-04")),
    ("America/Toronto", "UTC-05", Some("UTC-04")),
    ("America/Detroit", "UTC-05", Some("UTC-04")),
    ("America/Chicago", "UTC-06", Some("UTC-05")),
    ("America/Mexico_City", "UTC-06", None),
    ("America/Denver", "UTC-07", Some("UTC-06")),
    ("America/Phoenix", "UTC-07", None),
    ("America/Los_Angeles", "UTC-08", Some("UTC-07")),
    ("America/Vancouver", "UTC-08", Some("UTC-07")),
    ("America/Anchorage", "UTC-09", Some("UTC-08")),
    ("Pacific/Honolulu", "UTC-10", None),
    ("America/Halifax", "UTC-04", Some("UTC-03")),
    ("America/Sao_Paulo", "UTC-03", None),
    ("America/Argentina/Buenos_Aires", "UTC-03", None),
    ("America/Bogota", "UTC-05", None),
    ("America/Lima", "UTC-05", None),
    ("Europe/London", "UTC", Some("UTC+01")),
    ("Europe/Dublin", "UTC", Some("UTC+01")),
    ("Europe/Lisbon", "UTC", Some("UTC+01")),
    ("Europe/Paris", "UTC+01", Some("UTC+02")),
    ("Europe/Berlin", "UTC+01", Some("UTC+02")),
    ("Europe/Madrid", "UTC+01", Some("UTC+02")),
    ("Europe/Rome", "UTC+01", Some("UTC+02")),
    ("Europe/Amsterdam", "UTC+01", Some("UTC+02")),
    ("Europe/Stockholm", "UTC+01", Some("UTC+02")),
    ("Europe/Warsaw", "UTC+01", Some("UTC+02")),
    ("Europe/Athens", "UTC+02", Some("UTC+03")),
    ("Europe/Helsinki", "UTC+02", Some("UTC+03")),
    ("Europe/Kyiv", "UTC+02", Some("UTC+03")),
    ("Europe/Istanbul", "UTC+03", None),
    ("Europe/Moscow", "UTC+03", None),
    ("Africa/Lagos", "UTC+01", None),
    ("Africa/Johannesburg", "UTC+02", None),
    ("Africa/Cairo", "UTC+02", Some("UTC+03")),
    ("Africa/Nairobi", "UTC+03", None),
    ("Asia/Dubai", "UTC+04", None),
    ("Asia/Tehran", "UTC+03:30", None),
    ("Asia/Kabul", "UTC+04:30", None),
    ("Asia/Karachi", "UTC+05", None),
    ("Asia/Kolkata", "UTC+05:30", None),
    ("Asia/Calcutta", "UTC+05:30", None),
    ("Asia/Kathmandu", "UTC+05:45", None),
    ("Asia/Dhaka", "UTC+06", None),
    ("Asia/Yangon", "UTC+06:30", None),
    ("Asia/Bangkok", "UTC+07", None),
    ("Asia/Jakarta", "UTC+07", None),
    ("Asia/Ho_Chi_Minh", "UTC+07", None),
    ("Asia/Shanghai", "UTC+08", None),
    ("Asia/Hong_Kong", "UTC+08", None),
    ("Asia/Singapore", "UTC+08", None),
    ("Asia/Taipei", "UTC+08", None),
    ("Australia/Perth", "UTC+08", None),
    ("Asia/Tokyo", "UTC+09", None),
    ("Asia/Seoul", "UTC+09", None),
    ("Australia/Darwin", "UTC+09:30", None),
    ("Australia/Adelaide", "UTC+09:30", Some("UTC+10:30")),
    ("Australia/Brisbane", "UTC+10", None),
    ("Australia/Sydney", "UTC+10", Some("UTC+11")),
    ("Australia/Melbourne", "UTC+10", Some("UTC+11")),
    ("Pacific/Auckland", "UTC+12", Some("UTC+13")),
    ("Etc/UTC", "UTC", None),
    ("GMT", "UTC", None),
    ("Z", "UTC", None),
];

/// Spec keys present in the file (even in entries that failed the
/// structural pass), for reference checks.
#[derive(Debug, Default)]
pub struct Keys {
    pub segments: BTreeSet<String>,
    pub templates: BTreeSet<String>,
    pub kinesis_streams: BTreeSet<String>,
    pub iam_roles: BTreeSet<String>,
}

/// Collects issues; `now` decides what "in the past" means.
pub struct Rules {
    pub keys: Keys,
    pub now: OffsetDateTime,
    pub issues: Vec<Issue>,
    /// Per section, its keys indexed for suggestions (built when first
    /// needed).
    suggest: HashMap<String, suggest::Index>,
    /// Suggestions already made, per section and missing key.
    suggested: HashMap<(String, String), Vec<String>>,
}

/// Up to this many keys, an unknown reference lists them all.
const LIST_KEYS_UP_TO: usize = 5;
/// A cycle lists at most this many of its segments.
const CYCLE_NAMES_UP_TO: usize = 6;

/// `UTC+05:30` → 330 minutes; `UTC` → 0.
fn offset_minutes(zone: &str) -> Option<i32> {
    let rest = zone.strip_prefix("UTC")?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = digits.split_once(':').unwrap_or((digits, "0"));
    Some(sign * (h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?))
}

fn path(parts: &[&str]) -> Vec<Seg> {
    parts.iter().map(|p| Seg::Key((*p).to_owned())).collect()
}

fn join(base: &[Seg], parts: &[&str]) -> Vec<Seg> {
    let mut out = base.to_vec();
    out.extend(parts.iter().map(|p| Seg::Key((*p).to_owned())));
    out
}

fn list(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items
        .into_iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `^[a-z0-9][a-z0-9-]{0,62}$`
pub fn is_stack_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// `^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`
pub fn is_template_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// `HH:MM`, 24-hour.
pub fn is_hhmm(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
        && (b[0] - b'0') * 10 + (b[1] - b'0') < 24
        && (b[3] - b'0') < 6
}

impl Rules {
    pub fn new(keys: Keys, now: OffsetDateTime) -> Rules {
        Rules {
            keys,
            now,
            issues: Vec::new(),
            suggest: HashMap::new(),
            suggested: HashMap::new(),
        }
    }

    fn push(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    pub fn stack(&mut self, stack: &str) {
        if !is_stack_name(stack) {
            let suggestion: String = stack
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
                .trim_matches('-')
                .chars()
                .take(63)
                .collect();
            let mut issue = Issue::new(&path(&["stack"]), format!("`{stack}` is not a valid stack name"))
                .expected("lower-case letters, digits and `-`, starting with a letter or digit, at most 63 characters");
            if is_stack_name(&suggestion) {
                issue = issue.hint(format!("for example `{suggestion}`"));
            }
            self.push(issue);
        }
    }

    pub fn region(&mut self, region: &str) {
        let parts: Vec<&str> = region.split('-').collect();
        let ok = parts.len() >= 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            self.push(
                Issue::new(
                    &path(&["region"]),
                    format!("`{region}` is not an AWS region name"),
                )
                .expected("a region such as `us-east-1` or `eu-west-1`"),
            );
        }
    }

    pub fn tags(&mut self, base: &[Seg], tags: &Tags) {
        let at = join(base, &["tags"]);
        if tags.len() > 50 {
            self.push(
                Issue::new(&at, format!("{} tags; AWS allows at most 50 per resource", tags.len()))
                    .hint("the stack adds two tags of its own (`reconcile:stack`, `reconcile:key`), so keep to 48"),
            );
        } else if tags.len() > 48 {
            self.push(
                Issue::new(
                    &at,
                    format!(
                        "{} tags leave no room for the stack's own two tags",
                        tags.len()
                    ),
                )
                .expected("at most 48 user tags (50 minus `reconcile:stack` and `reconcile:key`)"),
            );
        }
        let allowed = |c: char| c.is_alphanumeric() || " _.:/=+-@".contains(c);
        for (k, v) in tags {
            let kp = join(&at, &[k]);
            let lower = k.to_ascii_lowercase();
            if lower.starts_with("aws:") {
                self.push(
                    Issue::new(
                        &kp,
                        format!("tag key `{k}` uses the reserved prefix `aws:`"),
                    )
                    .on_key(),
                );
            } else if lower.starts_with("reconcile:") {
                self.push(
                    Issue::new(
                        &kp,
                        format!("tag key `{k}` uses the reserved prefix `reconcile:`"),
                    )
                    .hint("`reconcile:` tags are written by reconcile itself to track ownership")
                    .on_key(),
                );
            }
            if k.is_empty() || k.chars().count() > 128 {
                self.push(
                    Issue::new(
                        &kp,
                        format!("tag key is {} characters long", k.chars().count()),
                    )
                    .expected("1 to 128 characters")
                    .on_key(),
                );
            }
            if v.chars().count() > 256 {
                self.push(
                    Issue::new(
                        &kp,
                        format!("tag value is {} characters long", v.chars().count()),
                    )
                    .expected("at most 256 characters"),
                );
            }
            if let Some(c) = k.chars().chain(v.chars()).find(|c| !allowed(*c)) {
                self.push(
                    Issue::new(
                        &kp,
                        format!("tag `{k}` contains `{c}`, which AWS does not allow in tags"),
                    )
                    .expected("letters, digits, spaces and `_ . : / = + - @`"),
                );
            }
        }
    }

    pub fn quiet_time(&mut self, base: &[Seg], q: &QuietTime) {
        for (field, value) in [("start", &q.start), ("end", &q.end)] {
            if !is_hhmm(value) {
                let mut issue = Issue::new(
                    &join(base, &[field]),
                    format!("`{value}` is not a time of day"),
                )
                .expected("24-hour `HH:MM`, e.g. `22:00`");
                let normal = crate::resources::normalize_hhmm(value);
                if is_hhmm(&normal) {
                    issue = issue.hint(format!("write `{normal}`"));
                }
                self.push(issue);
            }
        }
        if q.start == q.end && is_hhmm(&q.start) {
            self.push(
                Issue::new(base, "quiet time starts and ends at the same time")
                    .hint("remove `quiet_time` or give it a length"),
            );
        }
    }

    /// `fingerprint_tags`: how many `reconcile:fp:<address>` tags the app
    /// will carry (one per resource with write-only fields).
    pub fn app(&mut self, app: &App, fingerprint_tags: usize) {
        let base = path(&["app"]);
        let budget = 48usize.saturating_sub(fingerprint_tags);
        if fingerprint_tags > 0 && app.tags.len() > budget && app.tags.len() <= 48 {
            self.push(
                Issue::new(&join(&base, &["tags"]), format!("{} tags leave no room for the app's own", app.tags.len()))
                    .expected(format!(
                        "at most {budget} tags: the app also carries `reconcile:stack`, `reconcile:key` and {fingerprint_tags} `reconcile:fp:` tag(s) holding credential fingerprints"
                    )),
            );
        }
        if app.name.trim().is_empty() {
            self.push(Issue::new(&join(&base, &["name"]), "the app name is empty"));
        } else if app.name.chars().count() > 64 {
            self.push(Issue::new(
                &join(&base, &["name"]),
                "the app name is longer than 64 characters",
            ));
        }
        self.tags(&base, &app.tags);
        if let Some(q) = app.settings.as_ref().and_then(|s| s.quiet_time.as_ref()) {
            self.quiet_time(&join(&base, &["settings", "quiet_time"]), q);
        }
    }

    pub fn apns(&mut self, key: &str, ch: &ApnsChannel) {
        let base = path(&["channels", key]);
        let method = ch
            .default_authentication_method
            .unwrap_or(if ch.token_key.is_some() {
                ApnsAuthMethod::Token
            } else {
                ApnsAuthMethod::Certificate
            });
        let (name, needed): (&str, &[(&str, bool)]) = match method {
            ApnsAuthMethod::Token => (
                "TOKEN",
                &[
                    ("token_key", ch.token_key.is_some()),
                    ("token_key_id", ch.token_key_id.is_some()),
                    ("bundle_id", ch.bundle_id.is_some()),
                    ("team_id", ch.team_id.is_some()),
                ],
            ),
            ApnsAuthMethod::Certificate => (
                "CERTIFICATE",
                &[
                    ("certificate", ch.certificate.is_some()),
                    ("private_key", ch.private_key.is_some()),
                ],
            ),
        };
        let missing: Vec<&str> = needed
            .iter()
            .filter(|(_, present)| !present)
            .map(|(f, _)| *f)
            .collect();
        if !missing.is_empty() {
            let how = if ch.default_authentication_method.is_some() {
                format!("`default_authentication_method: {name}`")
            } else {
                format!("{name} authentication (the default when no `token_key` is given)")
            };
            let hint = match method {
                ApnsAuthMethod::Certificate => {
                    "for token authentication set `default_authentication_method: TOKEN` with `token_key`, `token_key_id`, `bundle_id` and `team_id`"
                }
                ApnsAuthMethod::Token => {
                    "secrets are references, e.g. `token_key: ${file:keys/AuthKey.p8}`"
                }
            };
            self.push(
                Issue::new(
                    &base,
                    format!(
                        "{how} needs {}; missing {}",
                        list(needed.iter().map(|(f, _)| *f)),
                        list(&missing)
                    ),
                )
                .hint(hint),
            );
        }
    }

    pub fn gcm(&mut self, ch: &GcmChannel) {
        let base = path(&["channels", "gcm"]);
        let method = ch
            .default_authentication_method
            .unwrap_or(if ch.service_json.is_some() {
                GcmAuthMethod::Token
            } else {
                GcmAuthMethod::Key
            });
        match method {
            GcmAuthMethod::Key if ch.api_key.is_none() => self.push(
                Issue::new(&base, "KEY authentication needs `api_key`")
                    .hint("for a service account set `service_json: ${file:...}` (and `default_authentication_method: TOKEN`)"),
            ),
            GcmAuthMethod::Token if ch.service_json.is_none() => self.push(
                Issue::new(&base, "`default_authentication_method: TOKEN` needs `service_json`")
                    .hint("e.g. `service_json: ${file:keys/fcm-service-account.json}`"),
            ),
            _ => {}
        }
    }

    pub fn adm(&mut self, ch: &AdmChannel) {
        let mut missing = Vec::new();
        if ch.client_id.is_none() {
            missing.push("client_id");
        }
        if ch.client_secret.is_none() {
            missing.push("client_secret");
        }
        if !missing.is_empty() {
            self.push(Issue::new(
                &path(&["channels", "adm"]),
                format!(
                    "the ADM channel needs `client_id` and `client_secret`; missing {}",
                    list(&missing)
                ),
            ));
        }
    }

    pub fn baidu(&mut self, ch: &BaiduChannel) {
        let mut missing = Vec::new();
        if ch.api_key.is_none() {
            missing.push("api_key");
        }
        if ch.secret_key.is_none() {
            missing.push("secret_key");
        }
        if !missing.is_empty() {
            self.push(Issue::new(
                &path(&["channels", "baidu"]),
                format!(
                    "the Baidu channel needs `api_key` and `secret_key`; missing {}",
                    list(&missing)
                ),
            ));
        }
    }

    /// Endpoint ids, checked on the keys as written.
    pub fn endpoint_ids(&mut self, ids: &[String]) {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for id in ids {
            let at = path(&["endpoints", id]);
            if let Some(c) = id.chars().find(|c| matches!(c, '$' | '{' | '}')) {
                self.push(
                    Issue::new(&at, format!("endpoint id `{id}` contains `{c}`"))
                        .expected("an id without `$`, `{` or `}`"),
                );
            }
            if id.trim().is_empty() {
                self.push(Issue::new(&at, "an endpoint id is empty"));
            }
            let folded = id.to_lowercase();
            if let Some(first) = seen.get(&folded) {
                self.push(
                    Issue::new(&at, format!("endpoint id `{id}` is the same as `{first}`: AWS compares endpoint ids without regard to case"))
                        .hint("remove one of them or give them different ids"),
                );
            } else {
                seen.insert(folded, id);
            }
        }
    }

    fn reference(
        &mut self,
        at: &[Seg],
        kind: &str,
        section: &str,
        key: &str,
        known: &BTreeSet<String>,
    ) {
        if known.contains(key) {
            return;
        }
        let near = self
            .suggested
            .entry((section.to_owned(), key.to_owned()))
            .or_insert_with(|| {
                self.suggest
                    .entry(section.to_owned())
                    .or_insert_with(|| suggest::Index::new(known.iter().map(String::as_str)))
                    .nearest(key)
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            });
        let hint = match near.as_slice() {
            [] if known.is_empty() => {
                Some(format!("there is no `{section}:` section in this spec"))
            }
            [] => None,
            [one] => Some(format!("did you mean `{one}`?")),
            several => Some(format!("did you mean one of {}?", list(several))),
        };
        let expected = if known.is_empty() {
            format!("a key of `{section}`")
        } else if known.len() <= LIST_KEYS_UP_TO {
            format!("a key of `{section}`: {}", list(known))
        } else {
            format!("a key of `{section}` (it has {})", known.len())
        };
        self.push(
            Issue::new(at, format!("unknown {kind} `{key}`"))
                .expected(expected)
                .maybe_hint(hint),
        );
    }

    fn dimensions(&mut self, base: &[Seg], d: &SegmentDimensions) {
        for (name, m) in [
            ("attributes", &d.attributes),
            ("user_attributes", &d.user_attributes),
        ] {
            for (attr, dim) in m {
                if dim.values.is_empty() {
                    self.push(Issue::new(
                        &join(base, &[name, attr, "values"]),
                        "a dimension needs at least one value",
                    ));
                }
            }
        }
    }

    pub fn segment(&mut self, key: &str, seg: &Segment) {
        let base = path(&["segments", key]);
        if seg.name.trim().is_empty() {
            self.push(Issue::new(
                &join(&base, &["name"]),
                "the segment name is empty",
            ));
        }
        self.tags(&base, &seg.tags);
        if let Some(d) = &seg.dimensions {
            self.dimensions(&join(&base, &["dimensions"]), d);
        }
        if let Some(groups) = &seg.segment_groups {
            for (i, g) in groups.groups.iter().enumerate() {
                let mut gp = join(&base, &["segment_groups", "groups"]);
                gp.push(Seg::Index(i));
                for (j, s) in g.source_segments.iter().enumerate() {
                    let mut sp = join(&gp, &["source_segments"]);
                    sp.push(Seg::Index(j));
                    sp.push(Seg::Key("segment".to_owned()));
                    if s.segment == key {
                        self.push(Issue::new(
                            &sp,
                            format!("segment `{key}` cannot be built from itself"),
                        ));
                    } else {
                        let known = std::mem::take(&mut self.keys.segments);
                        self.reference(&sp, "segment", "segments", &s.segment, &known);
                        self.keys.segments = known;
                    }
                }
                for (j, d) in g.dimensions.iter().enumerate() {
                    let mut dp = join(&gp, &["dimensions"]);
                    dp.push(Seg::Index(j));
                    self.dimensions(&dp, d);
                }
            }
        }
    }

    /// Segments built from segments (`segment_groups`) must not form a
    /// cycle: AWS needs a source segment before the segments built from it,
    /// so plan and apply would stop at "dependency cycle". Every reference
    /// on a cycle is reported at its place. (A segment built from itself is
    /// reported by [`Rules::segment`].)
    pub fn segment_cycles(&mut self, segments: &BTreeMap<String, Segment>) {
        let keys: Vec<&str> = segments.keys().map(String::as_str).collect();
        let place: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        // Per segment, the segments it is built from, with where each is named.
        let mut edges: Vec<Vec<(usize, Vec<Seg>)>> = vec![Vec::new(); keys.len()];
        for (from, (key, seg)) in segments.iter().enumerate() {
            let Some(groups) = &seg.segment_groups else {
                continue;
            };
            for (i, g) in groups.groups.iter().enumerate() {
                for (j, s) in g.source_segments.iter().enumerate() {
                    let Some(&to) = place.get(s.segment.as_str()) else {
                        continue;
                    };
                    if to == from {
                        continue;
                    }
                    let mut at = path(&["segments", key, "segment_groups", "groups"]);
                    at.push(Seg::Index(i));
                    at.push(Seg::Key("source_segments".to_owned()));
                    at.push(Seg::Index(j));
                    at.push(Seg::Key("segment".to_owned()));
                    edges[from].push((to, at));
                }
            }
        }
        let targets: Vec<Vec<usize>> = edges
            .iter()
            .map(|e| e.iter().map(|(to, _)| *to).collect())
            .collect();
        let component = strongly_connected(&targets);
        let direct: HashSet<(usize, usize)> = targets
            .iter()
            .enumerate()
            .flat_map(|(from, to)| to.iter().map(move |to| (from, *to)))
            .collect();
        let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
        for (node, c) in component.iter().enumerate() {
            members.entry(*c).or_default().push(node);
        }
        for (from, out) in edges.into_iter().enumerate() {
            let c = component[from];
            let cycle = &members[&c];
            if cycle.len() < 2 {
                continue;
            }
            let mut names = list(cycle.iter().take(CYCLE_NAMES_UP_TO).map(|i| keys[*i]));
            if cycle.len() > CYCLE_NAMES_UP_TO {
                names.push_str(", ...");
            }
            for (to, at) in out {
                if component[to] != c {
                    continue;
                }
                let back = if direct.contains(&(to, from)) {
                    format!("which is built from `{}`", keys[from])
                } else {
                    format!(
                        "which is built from `{}` through other segments",
                        keys[from]
                    )
                };
                self.push(
                    Issue::new(
                        &at,
                        format!(
                            "segment `{}` is built from `{}`, {back}: a cycle ({} segments: {names})",
                            keys[from],
                            keys[to],
                            cycle.len(),
                        ),
                    )
                    .expected("segments built from segments without a cycle (AWS creates a source segment before the segments built from it)")
                    .hint("remove one of the references on the cycle; each is reported at its line"),
                );
            }
        }
    }

    pub fn template(&mut self, key: &str, t: &Template) {
        let base = path(&["templates", key]);
        if !is_template_name(&t.name) {
            let cleaned: String = t
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let cleaned: String = cleaned
                .trim_start_matches(['-', '_'])
                .chars()
                .take(128)
                .collect();
            let cleaned = cleaned.trim_end_matches(['-', '_']);
            let mut issue = Issue::new(
                &join(&base, &["name"]),
                format!("`{}` is not a valid template name", t.name),
            )
            .expected(
                "a letter or digit, then letters, digits, `_` and `-`, at most 128 characters",
            );
            if is_template_name(cleaned) {
                issue = issue.hint(format!("for example `{cleaned}`"));
            }
            self.push(issue);
        }
        if t.description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 500)
        {
            self.push(Issue::new(
                &join(&base, &["description"]),
                "the description is longer than 500 characters",
            ));
        }
        self.tags(&base, &t.tags);
        if t.apns.is_none()
            && t.gcm.is_none()
            && t.adm.is_none()
            && t.baidu.is_none()
            && t.default.is_none()
        {
            self.push(Issue::new(
                &base,
                "a push template needs at least one of `apns`, `gcm`, `adm`, `baidu`, `default`",
            ));
        }
    }

    /// Template names must be unique: they are the template's identity in AWS.
    pub fn template_names(&mut self, templates: &[(String, String)]) {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, name) in templates {
            if let Some(first) = seen.get(name.as_str()) {
                self.push(
                    Issue::new(
                        &path(&["templates", key, "name"]),
                        format!("template name `{name}` is also used by `templates.{first}`"),
                    )
                    .hint("template names are unique in the account and region"),
                );
            } else {
                seen.insert(name, key);
            }
        }
    }

    fn timezone(&mut self, at: &[Seg], tz: &str) {
        let upper = tz.trim().to_ascii_uppercase();
        if CAMPAIGN_TIMEZONES.contains(&upper.as_str()) {
            return;
        }
        let expected = format!(
            "a UTC offset from Pinpoint's list: {}",
            list(CAMPAIGN_TIMEZONES)
        );
        let mut hint = None;
        if let Some((name, std, dst)) = IANA_OFFSETS
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(tz.trim()))
        {
            hint = Some(match dst {
                Some(dst) => format!(
                    "use `{std}` ({name} is {std} in winter, {dst} in summer; Pinpoint takes fixed offsets)"
                ),
                None => format!(
                    "use `{std}` ({name} is {std}; Pinpoint takes fixed offsets, not zone names)"
                ),
            });
        } else if tz.contains('/') {
            hint = Some("Pinpoint takes fixed UTC offsets, not IANA zone names: write the zone's offset, e.g. `UTC-05` for New York in winter".to_owned());
        } else if let Some(rest) = upper
            .strip_prefix("UTC")
            .or_else(|| upper.strip_prefix("GMT"))
        {
            // `UTC-5`, `UTC+5:30`, `GMT+01`, `UTC+00`
            let (sign, digits) = rest.split_at(
                rest.find(|c: char| c != '+' && c != '-')
                    .unwrap_or(rest.len()),
            );
            let (h, m) = match digits.split_once(':') {
                Some(hm) => hm,
                // `UTC+0530`, `UTC+530`: hours and minutes with no colon.
                None if (3..=4).contains(&digits.len())
                    && digits.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    digits.split_at(digits.len() - 2)
                }
                None => (digits, ""),
            };
            if let Ok(hours) = h.parse::<u32>() {
                let no_minutes = m.trim_matches('0').is_empty();
                let candidate = if hours == 0 && no_minutes {
                    "UTC".to_owned()
                } else if no_minutes {
                    format!("UTC{sign}{hours:02}")
                } else {
                    format!("UTC{sign}{hours:02}:{m:0>2}")
                };
                if CAMPAIGN_TIMEZONES.contains(&candidate.as_str()) {
                    hint = Some(format!("write `{candidate}`"));
                } else if let Some(minutes) = offset_minutes(&candidate) {
                    let closest = CAMPAIGN_TIMEZONES
                        .iter()
                        .filter_map(|z| offset_minutes(z).map(|m| (m, *z)))
                        .min_by_key(|(m, _)| (m - minutes).abs())
                        .map(|(_, z)| z);
                    hint = closest.map(|z| {
                        format!(
                            "Pinpoint has no `{candidate}` for campaigns; the nearest offset it takes is `{z}`"
                        )
                    });
                }
            }
        }
        self.push(
            Issue::new(at, format!("`{tz}` is not a campaign timezone"))
                .expected(expected)
                .maybe_hint(hint),
        );
    }

    fn time(&mut self, at: &[Seg], what: &str, value: &str) -> Option<OffsetDateTime> {
        match OffsetDateTime::parse(value.trim(), &Rfc3339) {
            Ok(t) => Some(t),
            Err(_) => {
                let hint = if value.len() == 10 && value.as_bytes().get(4) == Some(&b'-') {
                    Some(format!("add a time and offset: `{value}T09:00:00Z`"))
                } else if value.contains('T')
                    && !value.ends_with('Z')
                    && !value[value.len().saturating_sub(6)..].contains(['+', '-'])
                {
                    Some(format!("add an offset: `{value}Z` (UTC)"))
                } else {
                    None
                };
                let expected = if what == "start_time" {
                    "`immediate` or an RFC 3339 time such as `2030-01-01T09:00:00Z`"
                } else {
                    "an RFC 3339 time such as `2030-01-31T23:59:59Z`"
                };
                self.push(
                    Issue::new(at, format!("`{value}` is not a valid time"))
                        .expected(expected)
                        .maybe_hint(hint),
                );
                None
            }
        }
    }

    pub fn schedule(&mut self, base: &[Seg], s: &Schedule, is_paused: bool) {
        let now = self.now;
        let start = match &s.start_time {
            StartTime::Immediate => Some(now),
            StartTime::At(t) => {
                let at = join(base, &["start_time"]);
                let parsed = self.time(&at, "start_time", t);
                if let Some(p) = parsed
                    && p < now
                {
                    self.push(
                        Issue::new(&at, format!("start time `{t}` is in the past"))
                            .expected(
                                "a time from now on (AWS refuses a start before the current time)",
                            )
                            .hint("use `immediate`, or a future time"),
                    );
                }
                parsed
            }
        };
        if let Some(end) = &s.end_time {
            let at = join(base, &["end_time"]);
            if let Some(e) = self.time(&at, "end_time", end) {
                if e < now {
                    self.push(Issue::new(&at, format!("end time `{end}` is in the past")));
                } else if let Some(st) = start
                    && e <= st
                {
                    self.push(Issue::new(
                        &at,
                        format!("end time `{end}` is not after the start time"),
                    ));
                }
            }
        }
        let freq = s.frequency.unwrap_or(Frequency::Once);
        if matches!(freq, Frequency::Event | Frequency::InAppEvent) != s.event_filter.is_some() {
            if s.event_filter.is_some() {
                self.push(Issue::new(
                    &join(base, &["event_filter"]),
                    "`event_filter` is only for `frequency: EVENT` campaigns",
                ));
            } else {
                self.push(Issue::new(
                    &join(base, &["frequency"]),
                    "an event-triggered campaign needs `event_filter`",
                ));
            }
        }
        if matches!(s.start_time, StartTime::Immediate) && is_paused {
            self.push(
                Issue::new(
                    &join(base, &["start_time"]),
                    "an `immediate` campaign cannot be paused (`is_paused: true`)",
                )
                .hint("give a future `start_time`, or remove `is_paused`"),
            );
        }
        if let Some(q) = &s.quiet_time {
            self.quiet_time(&join(base, &["quiet_time"]), q);
        }
        match &s.timezone {
            Some(tz) => self.timezone(&join(base, &["timezone"]), tz),
            None if s.is_local_time => self.push(
                Issue::new(
                    &join(base, &["timezone"]),
                    "`is_local_time: true` needs a `timezone` (the starting UTC offset)",
                )
                .expected("a UTC offset such as `UTC-05`"),
            ),
            None => {}
        }
    }

    fn message_or_template(&mut self, base: &[Seg], has_messages: bool, template: Option<&String>) {
        match (has_messages, template) {
            (true, Some(_)) => self.push(Issue::new(base, "give either `message_configuration` or `template`, not both")),
            (false, None) => self.push(
                Issue::new(base, "missing `message_configuration` or `template`")
                    .hint("write the message under `message_configuration:` or refer to a push template with `template: <key of templates>`"),
            ),
            (_, Some(t)) => {
                let known = std::mem::take(&mut self.keys.templates);
                self.reference(&join(base, &["template"]), "template", "templates", t, &known);
                self.keys.templates = known;
            }
            (true, None) => {}
        }
    }

    /// The parts of a campaign that passed the structural pass when the
    /// campaign as a whole did not: its segment reference and schedule.
    pub fn partial_campaign(
        &mut self,
        key: &str,
        segment: Option<&str>,
        schedule: Option<&Schedule>,
    ) {
        let base = path(&["campaigns", key]);
        if let Some(segment) = segment {
            let known = std::mem::take(&mut self.keys.segments);
            self.reference(
                &join(&base, &["segment"]),
                "segment",
                "segments",
                segment,
                &known,
            );
            self.keys.segments = known;
        }
        if let Some(s) = schedule {
            self.schedule(&join(&base, &["schedule"]), s, false);
        }
    }

    pub fn campaign(&mut self, key: &str, c: &Campaign) {
        let base = path(&["campaigns", key]);
        if c.name.trim().is_empty() {
            self.push(Issue::new(
                &join(&base, &["name"]),
                "the campaign name is empty",
            ));
        }
        self.tags(&base, &c.tags);
        let known = std::mem::take(&mut self.keys.segments);
        self.reference(
            &join(&base, &["segment"]),
            "segment",
            "segments",
            &c.segment,
            &known,
        );
        self.keys.segments = known;
        let has_messages = c
            .message_configuration
            .as_ref()
            .is_some_and(|m| *m != MessageConfiguration::default());
        self.message_or_template(&base, has_messages, c.template.as_ref());
        if c.template.is_none() && c.template_version.is_some() {
            self.push(Issue::new(
                &join(&base, &["template_version"]),
                "`template_version` without `template`",
            ));
        }
        self.schedule(&join(&base, &["schedule"]), &c.schedule, c.is_paused);
        let mut total = 0;
        for (i, t) in c.additional_treatments.iter().enumerate() {
            let mut tp = join(&base, &["additional_treatments"]);
            tp.push(Seg::Index(i));
            total += t.size_percent;
            let has = t
                .message_configuration
                .as_ref()
                .is_some_and(|m| *m != MessageConfiguration::default());
            self.message_or_template(&tp, has, t.template.as_ref());
            if let Some(s) = &t.schedule {
                self.schedule(&join(&tp, &["schedule"]), s, c.is_paused);
            }
        }
        if total > 100 {
            self.push(
                Issue::new(
                    &join(&base, &["additional_treatments"]),
                    format!("treatments add up to {total}% of the segment"),
                )
                .expected("`size_percent`s that add up to at most 100"),
            );
        }
    }

    pub fn event_stream(&mut self, es: &EventStream) {
        let base = path(&["event_stream"]);
        if is_arn(&es.stream) {
            if !(es.stream.starts_with("arn:aws:kinesis:")
                || es.stream.starts_with("arn:aws:firehose:")
                || es.stream.contains(":kinesis:")
                || es.stream.contains(":firehose:"))
            {
                self.push(Issue::new(
                    &join(&base, &["stream"]),
                    format!("`{}` is not a Kinesis or Firehose stream ARN", es.stream),
                ));
            }
        } else {
            let known = std::mem::take(&mut self.keys.kinesis_streams);
            self.reference(
                &join(&base, &["stream"]),
                "Kinesis stream",
                "kinesis_streams",
                &es.stream,
                &known,
            );
            self.keys.kinesis_streams = known;
        }
        if is_arn(&es.role) {
            if !es.role.contains(":iam::") || !es.role.contains(":role/") {
                self.push(
                    Issue::new(
                        &join(&base, &["role"]),
                        format!("`{}` is not an IAM role ARN", es.role),
                    )
                    .expected("`arn:aws:iam::<account>:role/<name>`"),
                );
            }
        } else {
            let known = std::mem::take(&mut self.keys.iam_roles);
            self.reference(
                &join(&base, &["role"]),
                "IAM role",
                "iam_roles",
                &es.role,
                &known,
            );
            self.keys.iam_roles = known;
        }
    }

    pub fn iam_role(&mut self, key: &str, role: &IamRole) {
        let base = path(&["iam_roles", key]);
        let name_ok = !role.name.is_empty()
            && role.name.chars().count() <= 64
            && role
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !name_ok {
            self.push(
                Issue::new(
                    &join(&base, &["name"]),
                    format!("`{}` is not a valid IAM role name", role.name),
                )
                .expected("1 to 64 letters, digits and `+=,.@_-`"),
            );
        }
        if !(role.path.starts_with('/') && role.path.ends_with('/')) {
            self.push(
                Issue::new(
                    &join(&base, &["path"]),
                    format!("`{}` is not an IAM path", role.path),
                )
                .expected("a path that starts and ends with `/`, e.g. `/service-role/`"),
            );
        }
        self.tags(&base, &role.tags);
        for (i, arn) in role.managed_policy_arns.iter().enumerate() {
            if !(arn.starts_with("arn:") && arn.contains(":policy/")) {
                let mut p = join(&base, &["managed_policy_arns"]);
                p.push(Seg::Index(i));
                self.push(
                    Issue::new(&p, format!("`{arn}` is not a managed policy ARN")).expected(
                        "`arn:aws:iam::aws:policy/...` or `arn:aws:iam::<account>:policy/...`",
                    ),
                );
            }
        }
        for (name, doc) in &role.inline_policies {
            let p = join(&base, &["inline_policies", name]);
            if name.starts_with(GENERATED_POLICY_PREFIX) {
                self.push(
                    Issue::new(&p, format!("inline policy name `{name}` uses the reserved prefix `{GENERATED_POLICY_PREFIX}`"))
                        .hint("reconcile generates policies with that prefix (see `allow_put_to_stream`)"),
                );
            }
            let ok = doc.as_object().is_some_and(|o| {
                o.get("Statement")
                    .is_some_and(|s| s.is_array() || s.is_object())
            });
            if !ok {
                self.push(
                    Issue::new(&p, "an inline policy must be a policy document")
                        .expected("a map with `Version: \"2012-10-17\"` and a `Statement` list"),
                );
            }
        }
        if let Some(stream) = &role.allow_put_to_stream {
            let known = std::mem::take(&mut self.keys.kinesis_streams);
            self.reference(
                &join(&base, &["allow_put_to_stream"]),
                "Kinesis stream",
                "kinesis_streams",
                stream,
                &known,
            );
            self.keys.kinesis_streams = known;
            if role
                .inline_policies
                .contains_key(&put_to_stream_policy_name(stream))
            {
                self.push(Issue::new(
                    &join(&base, &["inline_policies"]),
                    "duplicates the policy `allow_put_to_stream` generates",
                ));
            }
        }
        if !role.trusted_service.ends_with(".amazonaws.com") {
            self.push(
                Issue::new(
                    &join(&base, &["trusted_service"]),
                    format!("`{}` is not an AWS service principal", role.trusted_service),
                )
                .expected("e.g. `pinpoint.amazonaws.com`"),
            );
        }
    }

    pub fn kinesis_stream(&mut self, key: &str, s: &KinesisStream) {
        let base = path(&["kinesis_streams", key]);
        let ok = !s.name.is_empty()
            && s.name.len() <= 128
            && s.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !ok {
            self.push(
                Issue::new(
                    &join(&base, &["name"]),
                    format!("`{}` is not a valid stream name", s.name),
                )
                .expected("1 to 128 letters, digits, `_`, `.` and `-`"),
            );
        }
        if s.stream_mode == StreamMode::OnDemand && s.shard_count.is_some() {
            self.push(
                Issue::new(
                    &join(&base, &["shard_count"]),
                    "`shard_count` is not used with `stream_mode: ON_DEMAND`",
                )
                .hint("remove `shard_count`, or use `stream_mode: PROVISIONED`"),
            );
        }
        self.tags(&base, &s.tags);
    }

    pub fn alarm(&mut self, key: &str, a: &Alarm) {
        let base = path(&["alarms", key]);
        if a.name.trim().is_empty() || a.name.chars().count() > 255 {
            self.push(Issue::new(
                &join(&base, &["name"]),
                "an alarm name must be 1 to 255 characters",
            ));
        }
        if a.metric_name.trim().is_empty() {
            self.push(Issue::new(
                &join(&base, &["metric_name"]),
                "the metric name is empty",
            ));
        }
        if !(matches!(a.period, 10 | 20 | 30) || (a.period >= 60 && a.period.is_multiple_of(60))) {
            let rounded = (a.period.div_ceil(60).max(1)) * 60;
            self.push(
                Issue::new(
                    &join(&base, &["period"]),
                    format!("a period of {} seconds is not allowed", a.period),
                )
                .expected("10, 20, 30, or a multiple of 60")
                .hint(format!("e.g. `{rounded}`")),
            );
        }
        if let Some(d) = a.datapoints_to_alarm
            && d > a.evaluation_periods
        {
            self.push(
                Issue::new(
                    &join(&base, &["datapoints_to_alarm"]),
                    format!(
                        "{d} data points out of {} evaluation periods",
                        a.evaluation_periods
                    ),
                )
                .expected("at most `evaluation_periods`"),
            );
        }
        if a.dimensions.contains_key("ApplicationId") {
            self.push(
                Issue::new(
                    &join(&base, &["dimensions", "ApplicationId"]),
                    "`ApplicationId` is filled in with the app's id",
                )
                .hint("remove it; every alarm gets the stack's app id"),
            );
        }
        if a.dimensions.len() > 29 {
            self.push(Issue::new(
                &join(&base, &["dimensions"]),
                "CloudWatch allows 30 dimensions, one of which is `ApplicationId`",
            ));
        }
        self.tags(&base, &a.tags);
    }

    /// Names that must be unique in the account among this spec's resources.
    pub fn unique_names(&mut self, section: &str, what: &str, names: &[(String, String)]) {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, name) in names {
            if let Some(first) = seen.get(name.as_str()) {
                self.push(Issue::new(
                    &path(&[section, key, "name"]),
                    format!("{what} name `{name}` is also used by `{section}.{first}`"),
                ));
            } else {
                seen.insert(name, key);
            }
        }
    }
}

/// The strongly connected component of each node of a directed graph
/// (Tarjan's algorithm, without recursion: a hostile spec may chain 10,000
/// segments).
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let mut t = Tarjan {
        index: vec![Tarjan::UNSEEN; edges.len()],
        low: vec![0; edges.len()],
        on_stack: vec![false; edges.len()],
        component: vec![Tarjan::UNSEEN; edges.len()],
        stack: Vec::new(),
        calls: Vec::new(),
        next_index: 0,
        next_component: 0,
    };
    for root in 0..edges.len() {
        if t.index[root] != Tarjan::UNSEEN {
            continue;
        }
        t.visit(root);
        while let Some(&(v, next_edge)) = t.calls.last() {
            if let Some(&w) = edges[v].get(next_edge) {
                if let Some(top) = t.calls.last_mut() {
                    top.1 += 1;
                }
                if t.index[w] == Tarjan::UNSEEN {
                    t.visit(w);
                } else if t.on_stack[w] {
                    t.low[v] = t.low[v].min(t.index[w]);
                }
            } else {
                t.finish(v);
            }
        }
    }
    t.component
}

/// The state of [`strongly_connected`].
struct Tarjan {
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    component: Vec<usize>,
    stack: Vec<usize>,
    /// The nodes being visited, each with its next edge to follow.
    calls: Vec<(usize, usize)>,
    next_index: usize,
    next_component: usize,
}

impl Tarjan {
    const UNSEEN: usize = usize::MAX;

    fn visit(&mut self, v: usize) {
        self.index[v] = self.next_index;
        self.low[v] = self.next_index;
        self.next_index += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        self.calls.push((v, 0));
    }

    /// Every edge of `v` has been followed.
    fn finish(&mut self, v: usize) {
        self.calls.pop();
        if let Some(&(parent, _)) = self.calls.last() {
            self.low[parent] = self.low[parent].min(self.low[v]);
        }
        if self.low[v] == self.index[v] {
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                self.component[w] = self.next_component;
                if w == v {
                    break;
                }
            }
            self.next_component += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_times() {
        assert!(is_stack_name("flash-sale"));
        assert!(!is_stack_name("Flash_Sale"));
        assert!(!is_stack_name("-x"));
        assert!(!is_stack_name(&"a".repeat(64)));
        assert!(is_template_name("flash-sale_template1"));
        assert!(!is_template_name("flash sale"));
        assert!(!is_template_name("_x"));
        assert!(!is_template_name(&"a".repeat(129)));
        assert!(is_hhmm("00:00") && is_hhmm("23:59"));
        assert!(!is_hhmm("24:00") && !is_hhmm("8:00") && !is_hhmm("12:60") && !is_hhmm("ab:cd"));
    }

    #[test]
    fn offsets_parse_and_every_hint_zone_is_in_the_list() {
        assert_eq!(offset_minutes("UTC"), Some(0));
        assert_eq!(offset_minutes("UTC+05:45"), Some(345));
        assert_eq!(offset_minutes("UTC-11"), Some(-660));
        for (name, std, dst) in IANA_OFFSETS {
            assert!(CAMPAIGN_TIMEZONES.contains(std), "{name}: {std}");
            if let Some(dst) = dst {
                assert!(CAMPAIGN_TIMEZONES.contains(dst), "{name}: {dst}");
            }
        }
    }

    fn rules() -> Rules {
        Rules::new(
            Keys::default(),
            time::macros::datetime!(2025-01-01 00:00 UTC),
        )
    }

    #[test]
    fn components() {
        // 0 -> 1 -> 2 -> 0, 3 -> 0, 4 alone, 5 <-> 6.
        let c = strongly_connected(&[vec![1], vec![2], vec![0], vec![0], vec![], vec![6], vec![5]]);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[0] && c[4] != c[0] && c[5] == c[6] && c[5] != c[0]);
        // A chain of 100,000 does not overflow the stack.
        let chain: Vec<Vec<usize>> = (0..100_000).map(|i| vec![(i + 1) % 100_000]).collect();
        let c = strongly_connected(&chain);
        assert!(c.iter().all(|x| *x == c[0]));
    }

    #[test]
    fn timezone_hints() {
        let hint = |tz: &str| {
            let mut r = rules();
            r.timezone(&[], tz);
            r.issues.pop().and_then(|i| i.hint)
        };
        assert_eq!(hint("UTC-05"), None);
        assert_eq!(hint("utc+05:30"), None);
        assert!(hint("America/Los_Angeles").unwrap().contains("`UTC-08`"));
        assert_eq!(hint("UTC-4").as_deref(), Some("write `UTC-04`"));
        assert_eq!(
            hint("GMT").as_deref(),
            Some("use `UTC` (GMT is UTC; Pinpoint takes fixed offsets, not zone names)")
        );
        assert!(hint("UTC-12").unwrap().contains("`UTC-11`"));
        assert_eq!(hint("utc+0530").as_deref(), Some("write `UTC+05:30`"));
        assert_eq!(hint("UTC+530").as_deref(), Some("write `UTC+05:30`"));
        assert_eq!(hint("UTC-0300").as_deref(), Some("write `UTC-03`"));
        assert_eq!(hint("UTC+0000").as_deref(), Some("write `UTC`"));
        assert!(
            hint("Mars/Olympus_Mons")
                .unwrap()
                .contains("not IANA zone names")
        );
    }
}
