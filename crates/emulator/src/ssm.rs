//! SSM Parameter Store over awsJson1.1 (`X-Amz-Target: AmazonSSM.<Op>`):
//! `PutParameter`, `GetParameter`, `GetParameters`, `DeleteParameter`, for
//! the `${ssm:/path}` secret references of a spec and for tests that seed
//! them with the AWS CLI or an SDK.
//!
//! Dates are epoch seconds (JSON numbers). Values are never logged; the
//! state (and so the state file, owner-only) holds them in the clear, as the
//! emulator's stand-in for KMS.
//!
//! # Behaviour
//!
//! | Behaviour | Emulator |
//! |---|---|
//! | Names | `a-zA-Z0-9_.-`, and `/` between the levels of a path, which begins with `/`; a one-level name given as `/name` is stored as `name` (AWS's normalisation); at most 2,048 characters, and 1,011 with the ARN's `arn:aws:ssm:<region>:<account>:parameter/` prefix; at most 15 levels (`HierarchyLevelLimitExceededException`); a first level beginning with `aws` or `ssm` (any case) is refused (`ValidationException`, `AccessDeniedException` for a `/aws…` path) |
//! | Reading a name | the name, `name:<version>` (`ParameterVersionNotFound` for a version it never had or no longer keeps), or the ARN `arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading slash>` (with or without a `:<version>`); labels are not served, so a label selector is `ParameterNotFound` |
//! | `ParameterNotFound` | 400 with no message, as AWS answers `GetParameter` |
//! | `SecureString` | read without `WithDecryption`, the value is an opaque base64 string shaped like a KMS ciphertext (the same for a version each time), never the value; `KeyId` defaults to `alias/aws/ssm` and is accepted for `SecureString` only |
//! | Versions | from 1, one more per `PutParameter` with `Overwrite` (the same value included); the last 100 are kept, as AWS keeps them |
//! | Overwrite | without `Type`, `Description`, `KeyId` or `Tier`, the previous version's are kept; an `Advanced` parameter cannot go back to `Standard` |
//! | Tiers | `Standard` (values up to 4,096 characters), `Advanced` (8,192); `Intelligent-Tiering` picks the first that fits |
//! | Not served | `AllowedPattern`, `Policies`, a `DataType` other than `text`, labels, tags beyond storing them (all refused with `ValidationException` except tags) |
//! | Bounds | 10,000 parameters (AWS's standard-tier quota per account and Region), and [`MAX_STORED_CHARS`] characters of values over every kept version (the emulator's own bound): `ParameterLimitExceeded` beyond |

use std::collections::BTreeMap;

use base64::Engine as _;
use md5::Digest as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::awsjson;
use crate::wire::{Ctx, Reply, Request};

use members::{Fail, In};

/// AWS's quota of standard parameters per account and Region.
pub const MAX_PARAMETERS: usize = 10_000;
/// Versions kept per parameter, as AWS keeps them (the oldest goes).
pub const MAX_VERSIONS: usize = 100;
/// Characters of parameter values the emulator holds, every kept version
/// counted: its own bound on what a client can make it store (AWS's quotas
/// allow 8 GB), so that the state file stays small enough to rewrite.
pub const MAX_STORED_CHARS: usize = 16 * 1024 * 1024;
const MAX_NAME: usize = 2048;
const MAX_NAME_WITH_ARN: usize = 1011;
const MAX_LEVELS: usize = 15;
const STANDARD_MAX_VALUE: usize = 4096;
const ADVANCED_MAX_VALUE: usize = 8192;
const MAX_DESCRIPTION: usize = 1024;
const MAX_TAGS: usize = 50;
const DEFAULT_KEY: &str = "alias/aws/ssm";

/// Parameter Store's state.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Parameters by name: `name` for one level, `/a/b` for a path.
    pub parameters: BTreeMap<String, Parameter>,
}

/// One parameter and its kept versions.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Parameter {
    /// Oldest first; never empty for a stored parameter.
    pub versions: Vec<ParameterVersion>,
    pub tags: BTreeMap<String, String>,
}

/// One version of a parameter.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ParameterVersion {
    pub version: u64,
    pub kind: ParameterType,
    /// The value, in the clear (also for `SecureString`).
    pub value: String,
    pub description: Option<String>,
    /// `SecureString` only.
    pub key_id: Option<String>,
    pub tier: Tier,
    /// Epoch ms on the emulator clock.
    pub modified_ms: i64,
}

/// A parameter's `Type`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParameterType {
    #[default]
    String,
    StringList,
    SecureString,
}

impl ParameterType {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "String" => Some(Self::String),
            "StringList" => Some(Self::StringList),
            "SecureString" => Some(Self::SecureString),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::StringList => "StringList",
            Self::SecureString => "SecureString",
        }
    }
}

/// A parameter's storage tier (`Intelligent-Tiering` is resolved to one of
/// these when the parameter is written).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tier {
    #[default]
    Standard,
    Advanced,
}

impl Tier {
    fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "Standard",
            Self::Advanced => "Advanced",
        }
    }

    fn max_value(self) -> usize {
        match self {
            Self::Standard => STANDARD_MAX_VALUE,
            Self::Advanced => ADVANCED_MAX_VALUE,
        }
    }
}

// ---- the service entry points ---------------------------------------------

const OPERATIONS: &[&str] = &[
    "PutParameter",
    "GetParameter",
    "GetParameters",
    "DeleteParameter",
];

/// The operation a request names, if Parameter Store here serves it.
pub fn operation(req: &Request) -> Option<String> {
    let op = awsjson::target_operation(req, "AmazonSSM")?;
    OPERATIONS.contains(&op).then(|| op.to_owned())
}

/// Whether an operation changes state.
pub fn is_mutating(op: &str) -> bool {
    matches!(op, "PutParameter" | "DeleteParameter")
}

/// An error in awsJson1.1's shape; an empty `message` is left out, as AWS
/// leaves it out of `ParameterNotFound`.
pub fn error(ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
    if message.is_empty() {
        let body = json!({ "__type": code });
        Reply::new(
            axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_REQUEST),
            &awsjson::content_type("1.1"),
            serde_json::to_vec(&body).unwrap_or_default(),
        )
        .with_header("x-amzn-RequestId", &ctx.request_id)
    } else {
        awsjson::error(ctx, "1.1", status, code, message)
    }
}

/// Answers one request. Validation happens before any change, so an error
/// leaves the state untouched.
pub fn handle(op: &str, ctx: &Ctx, state: &mut crate::state::State, req: &Request) -> Reply {
    let body = match awsjson::body(req) {
        Ok(m) => m,
        Err((status, code, message)) => return error(ctx, status, code, &message),
    };
    let input = In(&body);
    let ssm = &mut state.ssm;
    let result = match op {
        "PutParameter" => put_parameter(ctx, ssm, &input),
        "GetParameter" => get_parameter(ctx, ssm, &input),
        "GetParameters" => get_parameters(ctx, ssm, &input),
        "DeleteParameter" => delete_parameter(ssm, &input),
        _ => Err(Fail::new("UnknownOperationException", op)),
    };
    match result {
        Ok(v) => awsjson::reply(ctx, "1.1", &v),
        Err(f) => error(ctx, 400, f.code, &f.message),
    }
}

// ---- names -----------------------------------------------------------------

const INVALID_NAME: &str = "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If \
     formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be \
     formed as a mix of letters, numbers and the following 3 symbols .-_";

fn reserved(level: &str) -> bool {
    let lower = level.to_ascii_lowercase();
    lower.starts_with("aws") || lower.starts_with("ssm")
}

fn name_chars(level: &str) -> bool {
    !level.is_empty()
        && level
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The stored form of a name being written, or why AWS refuses it: a
/// one-level name loses a leading `/`; a path keeps it.
fn canonical(ctx: &Ctx, name: &str) -> Result<String, Fail> {
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(Fail::validation_hidden(
            "name",
            &format!("Member must have length between 1 and {MAX_NAME}"),
        ));
    }
    let (levels, canonical): (Vec<&str>, String) = match name.strip_prefix('/') {
        Some(rest) if rest.contains('/') => (rest.split('/').collect(), name.to_owned()),
        Some(rest) => (vec![rest], rest.to_owned()),
        None if name.contains('/') => return Err(Fail::validation(INVALID_NAME)),
        None => (vec![name], name.to_owned()),
    };
    if levels.len() > MAX_LEVELS {
        return Err(Fail::new(
            "HierarchyLevelLimitExceededException",
            format!(
                "A hierarchy can have a maximum of {MAX_LEVELS} levels. For more information, see \
                 Requirements and constraints for parameter names in the AWS Systems Manager User \
                 Guide."
            ),
        ));
    }
    if !levels.iter().all(|l| name_chars(l)) {
        return Err(Fail::validation(INVALID_NAME));
    }
    let first = levels.first().copied().unwrap_or_default();
    if reserved(first) {
        if levels.len() == 1 {
            return Err(Fail::validation(
                "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).",
            ));
        }
        if first.to_ascii_lowercase().starts_with("aws") {
            return Err(Fail::new(
                "AccessDeniedException",
                format!("No access to reserved parameter name: {name}."),
            ));
        }
        return Err(Fail::validation(INVALID_NAME));
    }
    let with_arn = arn_prefix(ctx).len() + canonical.trim_start_matches('/').len();
    if with_arn > MAX_NAME_WITH_ARN {
        return Err(Fail::validation(&format!(
            "Parameter name: the name with the ARN prefix `{}` is {with_arn} characters; it can \
             be at most {MAX_NAME_WITH_ARN}.",
            arn_prefix(ctx)
        )));
    }
    Ok(canonical)
}

fn arn_prefix(ctx: &Ctx) -> String {
    format!("arn:aws:ssm:{}:{}:parameter/", ctx.region, ctx.account_id)
}

/// A parameter's ARN: the name without its leading `/` after `parameter/`.
pub fn arn(ctx: &Ctx, name: &str) -> String {
    format!("{}{}", arn_prefix(ctx), name.trim_start_matches('/'))
}

/// What a read names: the stored name and the selector after `:`, if any.
struct Wanted {
    name: String,
    selector: Option<String>,
}

/// Reads `Name` of a read: a name, `name:selector`, or an ARN of this
/// account and Region (`None` for another's: nothing there is ours).
fn wanted(ctx: &Ctx, raw: &str) -> Option<Wanted> {
    let (name, selector) = if let Some(rest) = raw.strip_prefix("arn:") {
        let mut parts = rest.splitn(5, ':');
        let (_partition, service, region, account) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if service != "ssm" || region != ctx.region || account != ctx.account_id {
            return None;
        }
        let path = parts.next()?.strip_prefix("parameter/")?;
        let (path, selector) = split_selector(path);
        let name = if path.contains('/') {
            format!("/{path}")
        } else {
            path.to_owned()
        };
        (name, selector)
    } else {
        let (name, selector) = split_selector(raw);
        let name = match name.strip_prefix('/') {
            Some(rest) if !rest.contains('/') => rest.to_owned(),
            _ => name.to_owned(),
        };
        (name, selector)
    };
    Some(Wanted {
        name,
        selector: selector.map(str::to_owned),
    })
}

fn split_selector(s: &str) -> (&str, Option<&str>) {
    match s.split_once(':') {
        Some((name, selector)) => (name, Some(selector)),
        None => (s, None),
    }
}

// ---- operations ------------------------------------------------------------

fn now_ms(ctx: &Ctx) -> i64 {
    i64::try_from(ctx.now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn epoch_secs(ms: i64) -> Value {
    #[allow(clippy::cast_precision_loss)]
    let secs = ms as f64 / 1000.0;
    json!(secs)
}

fn stored_chars(ssm: &State) -> usize {
    ssm.parameters
        .values()
        .flat_map(|p| &p.versions)
        .map(|v| v.value.chars().count())
        .sum()
}

/// `PutParameter`'s members, checked.
struct Put {
    name: String,
    value: String,
    kind: Option<ParameterType>,
    key_id: Option<String>,
    description: Option<String>,
    tier: Option<String>,
    overwrite: bool,
    tags: Vec<(String, String)>,
}

fn put_input(ctx: &Ctx, input: &In) -> Result<Put, Fail> {
    let name = canonical(ctx, input.req_str("Name")?)?;
    let value = input.req_str("Value")?;
    if value.is_empty() {
        return Err(Fail::validation_hidden(
            "value",
            "Member must have length greater than or equal to 1",
        ));
    }
    let kind = match input.str("Type")? {
        None => None,
        Some(t) => Some(ParameterType::parse(t).ok_or_else(|| {
            Fail::validation_of(
                t,
                "type",
                "Member must satisfy enum value set: [SecureString, StringList, String]",
            )
        })?),
    };
    let key_id = input.str("KeyId")?;
    if let Some(k) = key_id {
        let pattern_ok = k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'_' | b'-'));
        if k.is_empty() || k.len() > 256 || !pattern_ok {
            return Err(Fail::validation_of(
                k,
                "keyId",
                "Member must satisfy regular expression pattern: ^([a-zA-Z0-9:/_-]+)$",
            ));
        }
    }
    let description = input.str("Description")?;
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
        return Err(Fail::validation_hidden(
            "description",
            &format!("Member must have length less than or equal to {MAX_DESCRIPTION}"),
        ));
    }
    let tier = input.str("Tier")?;
    if let Some(t) = tier
        && !matches!(t, "Standard" | "Advanced" | "Intelligent-Tiering")
    {
        return Err(Fail::validation_of(
            t,
            "tier",
            "Member must satisfy enum value set: [Standard, Advanced, Intelligent-Tiering]",
        ));
    }
    for unserved in ["AllowedPattern", "Policies"] {
        if input.get(unserved).is_some() {
            return Err(Fail::validation(&format!(
                "{unserved} is not served by the reconcile emulator"
            )));
        }
    }
    if let Some(d) = input.str("DataType")?
        && d != "text"
    {
        return Err(Fail::validation(&format!(
            "The following data type is not supported: {d} (Data type names are all lowercase.) \
             The reconcile emulator serves `text` only."
        )));
    }
    let overwrite = input.bool("Overwrite")?.unwrap_or(false);
    let tags = input.tags("Tags")?;
    if tags.len() > MAX_TAGS {
        return Err(Fail::validation_hidden(
            "tags",
            &format!("Member must have length less than or equal to {MAX_TAGS}"),
        ));
    }
    if overwrite && !tags.is_empty() {
        return Err(Fail::validation(
            "Invalid request: tags and overwrite can't be used together. To create a parameter \
             with tags, please remove overwrite flag. To update tags for an existing parameter, \
             please use AddTagsToResource or RemoveTagsFromResource.",
        ));
    }
    Ok(Put {
        name,
        value: value.to_owned(),
        kind,
        key_id: key_id.map(str::to_owned),
        description: description.map(str::to_owned),
        tier: tier.map(str::to_owned),
        overwrite,
        tags,
    })
}

fn put_parameter(ctx: &Ctx, ssm: &mut State, input: &In) -> Result<Value, Fail> {
    let put = put_input(ctx, input)?;
    let previous = ssm
        .parameters
        .get(&put.name)
        .and_then(|p| p.versions.last());
    if previous.is_some() && !put.overwrite {
        return Err(Fail::new(
            "ParameterAlreadyExists",
            "The parameter already exists. To overwrite this value, set the overwrite option in \
             the request to true.",
        ));
    }
    let kind = match (put.kind, previous) {
        (Some(k), _) => k,
        (None, Some(p)) => p.kind,
        (None, None) => {
            return Err(Fail::validation(
                "A parameter type is required when you create a parameter.",
            ));
        }
    };
    let key_id = match kind {
        ParameterType::SecureString => Some(
            put.key_id
                .clone()
                .or_else(|| previous.and_then(|p| p.key_id.clone()))
                .unwrap_or_else(|| DEFAULT_KEY.to_owned()),
        ),
        ParameterType::String | ParameterType::StringList => {
            if put.key_id.is_some() {
                return Err(Fail::validation(
                    "KeyId is required for SecureString type parameter only.",
                ));
            }
            None
        }
    };
    let chars = put.value.chars().count();
    let previous_tier = previous.map(|p| p.tier);
    let tier = match put.tier.as_deref() {
        Some("Advanced") => Tier::Advanced,
        Some("Standard") => Tier::Standard,
        Some(_intelligent) if chars > STANDARD_MAX_VALUE => Tier::Advanced,
        Some(_intelligent) => previous_tier.unwrap_or(Tier::Standard),
        None => previous_tier.unwrap_or(Tier::Standard),
    };
    if previous_tier == Some(Tier::Advanced) && tier == Tier::Standard {
        return Err(Fail::validation(
            "This parameter uses the advanced-parameter tier. You can't downgrade a parameter \
             from the advanced-parameter tier to the standard-parameter tier. If necessary, you \
             can delete the advanced parameter and recreate it as a standard parameter.",
        ));
    }
    if chars > tier.max_value() {
        return Err(match tier {
            Tier::Standard => Fail::validation(
                "Standard tier parameters support a maximum parameter value of 4096 characters. \
                 To create a larger parameter value, upgrade the parameter to use the \
                 advanced-parameter tier. For more information, see \
                 https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
            ),
            Tier::Advanced => Fail::validation_hidden(
                "value",
                &format!("Member must have length less than or equal to {ADVANCED_MAX_VALUE}"),
            ),
        });
    }
    let description = put
        .description
        .clone()
        .or_else(|| previous.and_then(|p| p.description.clone()));
    let version = previous.map_or(1, |p| p.version + 1);
    if previous.is_none() && ssm.parameters.len() >= MAX_PARAMETERS {
        return Err(Fail::new(
            "ParameterLimitExceeded",
            format!(
                "You have reached the maximum number of standard parameters for this AWS account \
                 and Region ({MAX_PARAMETERS}). To add more parameters, either delete existing \
                 parameters or upgrade to the advanced-parameter tier (charges apply)."
            ),
        ));
    }
    // What this write frees (the version it pushes out) is counted free.
    let freed = ssm
        .parameters
        .get(&put.name)
        .filter(|p| p.versions.len() >= MAX_VERSIONS)
        .and_then(|p| p.versions.first())
        .map_or(0, |v| v.value.chars().count());
    if stored_chars(ssm) - freed + chars > MAX_STORED_CHARS {
        return Err(Fail::new(
            "ParameterLimitExceeded",
            format!(
                "The reconcile emulator holds at most {MAX_STORED_CHARS} characters of parameter \
                 values (every kept version counted). Delete parameters and try again."
            ),
        ));
    }
    let parameter = ssm.parameters.entry(put.name).or_default();
    if parameter.versions.len() >= MAX_VERSIONS {
        parameter.versions.remove(0);
    }
    parameter.versions.push(ParameterVersion {
        version,
        kind,
        value: put.value,
        description,
        key_id,
        tier,
        modified_ms: now_ms(ctx),
    });
    parameter.tags.extend(put.tags);
    Ok(json!({ "Version": version, "Tier": tier.as_str() }))
}

/// Why a read finds nothing.
enum Missing {
    Parameter,
    /// The parameter exists without this version.
    Version(String, String),
}

impl Missing {
    fn fail(self) -> Fail {
        match self {
            Missing::Parameter => Fail::new("ParameterNotFound", ""),
            Missing::Version(name, selector) => Fail::new(
                "ParameterVersionNotFound",
                format!(
                    "Systems Manager could not find version {selector} of {name}. Verify the \
                     version and try again."
                ),
            ),
        }
    }
}

fn find<'a>(
    ctx: &Ctx,
    ssm: &'a State,
    raw: &str,
) -> Result<(&'a str, &'a ParameterVersion, Option<String>), Missing> {
    let wanted = wanted(ctx, raw).ok_or(Missing::Parameter)?;
    let (name, parameter) = ssm
        .parameters
        .get_key_value(&wanted.name)
        .ok_or(Missing::Parameter)?;
    let version = match wanted.selector.as_deref() {
        None => parameter.versions.last(),
        Some(sel) if !sel.is_empty() && sel.bytes().all(|b| b.is_ascii_digit()) => {
            let found = sel
                .parse::<u64>()
                .ok()
                .and_then(|n| parameter.versions.iter().find(|v| v.version == n));
            if found.is_none() {
                return Err(Missing::Version(name.clone(), sel.to_owned()));
            }
            found
        }
        // Labels are not served: no version carries one.
        Some(_label) => None,
    };
    let version = version.ok_or(Missing::Parameter)?;
    Ok((name, version, wanted.selector))
}

/// An opaque stand-in for a KMS ciphertext of a `SecureString` version:
/// derived from where the value lives, never from the value.
fn ciphertext(ctx: &Ctx, name: &str, v: &ParameterVersion) -> String {
    let seed = format!(
        "{}:{}:{name}:{}:{}",
        ctx.account_id,
        ctx.region,
        v.version,
        v.key_id.as_deref().unwrap_or(DEFAULT_KEY)
    );
    let mut bytes = vec![0x01, 0x02, 0x02, 0x00, 0x78];
    for round in 0u8..4 {
        let mut h = md5::Md5::new();
        h.update([round]);
        h.update(seed.as_bytes());
        bytes.extend_from_slice(&h.finalize());
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn parameter_json(
    ctx: &Ctx,
    name: &str,
    v: &ParameterVersion,
    selector: Option<&str>,
    decrypt: bool,
) -> Value {
    let value = if v.kind == ParameterType::SecureString && !decrypt {
        ciphertext(ctx, name, v)
    } else {
        v.value.clone()
    };
    let mut p = json!({
        "Name": name,
        "Type": v.kind.as_str(),
        "Value": value,
        "Version": v.version,
        "LastModifiedDate": epoch_secs(v.modified_ms),
        "ARN": arn(ctx, name),
        "DataType": "text",
    });
    if let (Some(sel), Some(obj)) = (selector, p.as_object_mut()) {
        obj.insert("Selector".into(), json!(format!(":{sel}")));
    }
    p
}

fn get_parameter(ctx: &Ctx, ssm: &State, input: &In) -> Result<Value, Fail> {
    let raw = input.req_str("Name")?;
    if raw.chars().count() > MAX_NAME {
        return Err(Fail::validation_hidden(
            "name",
            &format!("Member must have length less than or equal to {MAX_NAME}"),
        ));
    }
    let decrypt = input.bool("WithDecryption")?.unwrap_or(false);
    let (name, version, selector) = find(ctx, ssm, raw).map_err(Missing::fail)?;
    Ok(json!({
        "Parameter": parameter_json(ctx, name, version, selector.as_deref(), decrypt)
    }))
}

fn get_parameters(ctx: &Ctx, ssm: &State, input: &In) -> Result<Value, Fail> {
    let names = input
        .str_list("Names")?
        .ok_or_else(|| Fail::null("names"))?;
    if names.is_empty() || names.len() > 10 {
        return Err(Fail::validation_of(
            &format!("[{}]", names.join(", ")),
            "names",
            if names.is_empty() {
                "Member must have length greater than or equal to 1"
            } else {
                "Member must have length less than or equal to 10"
            },
        ));
    }
    let decrypt = input.bool("WithDecryption")?.unwrap_or(false);
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    let mut seen = Vec::new();
    for raw in names {
        if seen.contains(&raw) {
            continue;
        }
        seen.push(raw);
        match find(ctx, ssm, raw) {
            Ok((name, version, selector)) => found.push(parameter_json(
                ctx,
                name,
                version,
                selector.as_deref(),
                decrypt,
            )),
            Err(_) => invalid.push(raw),
        }
    }
    Ok(json!({ "Parameters": found, "InvalidParameters": invalid }))
}

fn delete_parameter(ssm: &mut State, input: &In) -> Result<Value, Fail> {
    let raw = input.req_str("Name")?;
    let name = match raw.strip_prefix('/') {
        Some(rest) if !rest.contains('/') => rest,
        _ => raw,
    };
    match ssm.parameters.remove(name) {
        Some(_) => Ok(json!({})),
        None => Err(Missing::Parameter.fail()),
    }
}

/// Typed access to an awsJson request's members, and the errors AWS's
/// front end answers for them. Shared with [`crate::secretsmanager`].
pub(crate) mod members {
    use serde_json::{Map, Value};

    /// An error to answer (always status 400 here).
    #[derive(Debug)]
    pub(crate) struct Fail {
        pub(crate) code: &'static str,
        pub(crate) message: String,
    }

    impl Fail {
        pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
            Self {
                code,
                message: message.into(),
            }
        }

        pub(crate) fn validation(message: &str) -> Self {
            Self::new("ValidationException", message)
        }

        /// AWS's constraint message, quoting the value.
        pub(crate) fn validation_of(value: &str, member: &str, rule: &str) -> Self {
            Self::validation(&format!(
                "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
                 constraint: {rule}"
            ))
        }

        /// AWS's constraint message without the value (a secret, or too
        /// long to quote).
        pub(crate) fn validation_hidden(member: &str, rule: &str) -> Self {
            Self::validation(&format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: \
                 {rule}"
            ))
        }

        pub(crate) fn null(member: &str) -> Self {
            Self::validation(&format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy \
                 constraint: Member must not be null"
            ))
        }

        fn serialization(member: &str, expected: &str) -> Self {
            Self::new(
                "SerializationException",
                format!("`{member}` must be {expected}"),
            )
        }
    }

    /// `Name` → `name`, as AWS names members in validation messages.
    pub(crate) fn lower_first(name: &str) -> String {
        let mut c = name.chars();
        c.next()
            .map(|f| f.to_lowercase().chain(c).collect())
            .unwrap_or_default()
    }

    /// The request's members.
    pub(crate) struct In<'a>(pub(crate) &'a Map<String, Value>);

    impl In<'_> {
        /// A member; JSON `null` is absent.
        pub(crate) fn get(&self, name: &str) -> Option<&Value> {
            self.0.get(name).filter(|v| !v.is_null())
        }

        pub(crate) fn str(&self, name: &str) -> Result<Option<&str>, Fail> {
            match self.get(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(Fail::serialization(name, "a string")),
            }
        }

        pub(crate) fn req_str(&self, name: &str) -> Result<&str, Fail> {
            self.str(name)?
                .ok_or_else(|| Fail::null(&lower_first(name)))
        }

        pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, Fail> {
            match self.get(name) {
                None => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(_) => Err(Fail::serialization(name, "a boolean")),
            }
        }

        pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, Fail> {
            match self.get(name) {
                None => Ok(None),
                Some(v) => v
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| Fail::serialization(name, "an integer")),
            }
        }

        pub(crate) fn str_list(&self, name: &str) -> Result<Option<Vec<&str>>, Fail> {
            match self.get(name) {
                None => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .ok_or_else(|| Fail::serialization(name, "a list of strings"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                Some(_) => Err(Fail::serialization(name, "a list of strings")),
            }
        }

        /// A list of `{"Key": …, "Value": …}` (an absent value is empty),
        /// keys 1 to 128 characters and values at most 256.
        pub(crate) fn tags(&self, name: &str) -> Result<Vec<(String, String)>, Fail> {
            let Some(v) = self.get(name) else {
                return Ok(Vec::new());
            };
            let expected = "a list of {\"Key\": …, \"Value\": …}";
            let Value::Array(items) = v else {
                return Err(Fail::serialization(name, expected));
            };
            let mut tags = Vec::with_capacity(items.len());
            for item in items {
                let Value::Object(tag) = item else {
                    return Err(Fail::serialization(name, expected));
                };
                let tag = In(tag);
                let key = tag.req_str("Key")?;
                let value = tag.str("Value")?.unwrap_or_default();
                if key.is_empty() || key.chars().count() > 128 {
                    return Err(Fail::validation_of(
                        key,
                        "tags.member.key",
                        "Member must have length between 1 and 128",
                    ));
                }
                if value.chars().count() > 256 {
                    return Err(Fail::validation_hidden(
                        "tags.member.value",
                        "Member must have length less than or equal to 256",
                    ));
                }
                tags.push((key.to_owned(), value.to_owned()));
            }
            Ok(tags)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            now: time::OffsetDateTime::UNIX_EPOCH,
            request_id: "r".into(),
            end_of_support: false,
            retired_shape: crate::pinpoint::retired::RetiredShape::default(),
        }
    }

    #[test]
    fn names_are_stored_as_aws_normalises_them() {
        let c = ctx();
        assert_eq!(canonical(&c, "/single").unwrap(), "single");
        assert_eq!(canonical(&c, "single").unwrap(), "single");
        assert_eq!(canonical(&c, "/a/b.c/d_e-f").unwrap(), "/a/b.c/d_e-f");
        for bad in ["a/b", "/a//b", "/a/b/", "has space", "/a/b!c", ""] {
            assert!(canonical(&c, bad).is_err(), "{bad}");
        }
        assert_eq!(
            canonical(&c, "awsThing").unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            canonical(&c, "/SSM/x").unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            canonical(&c, "/aws/x").unwrap_err().code,
            "AccessDeniedException"
        );
        let deep = "/l".repeat(16);
        assert_eq!(
            canonical(&c, &deep).unwrap_err().code,
            "HierarchyLevelLimitExceededException"
        );
        assert!(canonical(&c, &"/l".repeat(15)).is_ok());
    }

    #[test]
    fn reads_name_selector_and_arn() {
        let c = ctx();
        let w = wanted(&c, "/a/b:3").unwrap();
        assert_eq!(
            (w.name.as_str(), w.selector.as_deref()),
            ("/a/b", Some("3"))
        );
        let w = wanted(&c, "arn:aws:ssm:us-east-1:123456789012:parameter/a/b").unwrap();
        assert_eq!((w.name.as_str(), w.selector), ("/a/b", None));
        let w = wanted(&c, "arn:aws:ssm:us-east-1:123456789012:parameter/one:2").unwrap();
        assert_eq!((w.name.as_str(), w.selector.as_deref()), ("one", Some("2")));
        assert!(wanted(&c, "arn:aws:ssm:eu-west-1:123456789012:parameter/one").is_none());
        assert_eq!(
            arn(&c, "/a/b"),
            "arn:aws:ssm:us-east-1:123456789012:parameter/a/b"
        );
    }

    #[test]
    fn the_ciphertext_is_stable_and_not_the_value() {
        let c = ctx();
        let v = ParameterVersion {
            version: 1,
            kind: ParameterType::SecureString,
            value: "hunter2".into(),
            ..ParameterVersion::default()
        };
        let a = ciphertext(&c, "/x", &v);
        assert_eq!(a, ciphertext(&c, "/x", &v));
        assert!(a.starts_with("AQICAHg"), "{a}");
        assert!(!a.contains("hunter2"));
        let next = ParameterVersion { version: 2, ..v };
        assert_ne!(a, ciphertext(&c, "/x", &next));
    }
}
