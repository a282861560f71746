//! Secrets Manager over awsJson1.1 (`X-Amz-Target: secretsmanager.<Op>`):
//! `CreateSecret`, `GetSecretValue`, `PutSecretValue`, `DescribeSecret`,
//! `DeleteSecret`, `RestoreSecret`, for the `${secretsmanager:…}` secret
//! references of a spec and for tests that seed them, and
//! `GetRandomPassword`, with which the recipe's preparation makes its
//! resource suffix.
//!
//! Dates are epoch seconds (JSON numbers), `SecretBinary` base64. Values are
//! never logged; the state (and so the state file, owner-only) holds them in
//! the clear, as the emulator's stand-in for KMS.
//!
//! # Behaviour
//!
//! | Behaviour | Emulator |
//! |---|---|
//! | ARN | `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random letters and digits>` |
//! | `SecretId` | the name, the full ARN, or the partial ARN (without `-` and the 6 characters); an ARN of another account or Region finds nothing |
//! | Not found | `ResourceNotFoundException` "Secrets Manager can't find the specified secret." |
//! | Versions | `ClientRequestToken` is the `VersionId` (the SDKs and the AWS CLI send one; a UUID otherwise); a retry with the same token and value changes nothing, another value is `ResourceExistsException` |
//! | Stages | a new value gets `AWSCURRENT` (or `VersionStages`); the version that had `AWSCURRENT` gets `AWSPREVIOUS`; a label is on one version at most; `DescribeSecret` lists the versions that carry a label |
//! | No value | `CreateSecret` without a value makes a secret with no version; `GetSecretValue` then answers `ResourceNotFoundException` for the stage |
//! | Deletion | `DeleteSecret` schedules it `RecoveryWindowInDays` (7 to 30, default 30) ahead on the emulator clock; until then `GetSecretValue`/`PutSecretValue` answer `InvalidRequestException`, `CreateSecret` of the name too, `RestoreSecret` cancels; after it, the secret is gone. `ForceDeleteWithoutRecovery` removes it at once, and answers success for a secret that does not exist (as moto does) |
//! | Not served | replication, rotation, resource policies, `ListSecrets`, `UpdateSecret`, tags beyond `CreateSecret`'s |
//! | Bounds | values of 1 to 65,536 bytes and 100 versions per secret (AWS's; the oldest unlabelled versions go first), 10,000 secrets and [`MAX_STORED_BYTES`] of values in all (the emulator's own bounds): `LimitExceededException` beyond |

use std::collections::BTreeMap;

use base64::Engine as _;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::awsjson;
use crate::ssm::members::{Fail, In};
use crate::wire::{Ctx, Reply, Request};

/// Secrets the emulator holds (AWS's quota is 500,000 per Region).
pub const MAX_SECRETS: usize = 10_000;
/// Versions per secret, as AWS bounds them.
pub const MAX_VERSIONS: usize = 100;
/// Bytes of one secret value (`SecretString` or decoded `SecretBinary`).
pub const MAX_VALUE_BYTES: usize = 65_536;
/// Bytes of values the emulator holds over every version of every secret:
/// its own bound, so that the state file stays small enough to rewrite.
pub const MAX_STORED_BYTES: usize = 16 * 1024 * 1024;
const MAX_NAME: usize = 512;
const MAX_DESCRIPTION: usize = 2048;
const MAX_TAGS: usize = 50;
const MAX_STAGES: usize = 20;
const CURRENT: &str = "AWSCURRENT";
const PREVIOUS: &str = "AWSPREVIOUS";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

const NOT_FOUND: &str = "Secrets Manager can't find the specified secret.";
const MARKED_FOR_DELETION: &str =
    "You can't perform this operation on the secret because it was marked for deletion.";

/// Secrets Manager's state.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Secrets by name, including those scheduled for deletion.
    pub secrets: BTreeMap<String, Secret>,
}

/// One secret.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Secret {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    /// In the order given.
    pub tags: Vec<(String, String)>,
    /// Epoch ms on the emulator clock.
    pub created_ms: i64,
    pub changed_ms: i64,
    /// When `DeleteSecret` scheduled its deletion.
    pub deleted_ms: Option<i64>,
    /// When a scheduled deletion takes effect: from then on it is gone.
    pub purge_ms: Option<i64>,
    /// Oldest first.
    pub versions: Vec<SecretVersion>,
}

/// One version of a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretVersion {
    pub id: String,
    pub value: SecretValue,
    /// Its staging labels (`AWSCURRENT`, `AWSPREVIOUS`, …); none makes it
    /// deprecated, the first to go beyond [`MAX_VERSIONS`].
    pub stages: Vec<String>,
    pub created_ms: i64,
}

/// A secret value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretValue {
    String(String),
    /// Base64, as the client sent it (and gets it back).
    Binary(String),
}

impl SecretValue {
    fn stored_len(&self) -> usize {
        match self {
            Self::String(s) | Self::Binary(s) => s.len(),
        }
    }

    fn insert_into(&self, obj: &mut Map<String, Value>) {
        match self {
            Self::String(s) => obj.insert("SecretString".into(), json!(s)),
            Self::Binary(b) => obj.insert("SecretBinary".into(), json!(b)),
        };
    }
}

impl Secret {
    fn is_gone(&self, now: i64) -> bool {
        self.purge_ms.is_some_and(|t| t <= now)
    }

    fn version_with_stage(&self, stage: &str) -> Option<&SecretVersion> {
        self.versions
            .iter()
            .find(|v| v.stages.iter().any(|s| s == stage))
    }

    /// Adds `version` with `stages`, moving each label off the version that
    /// had it (`AWSCURRENT`'s old holder gets `AWSPREVIOUS`), then drops the
    /// oldest unlabelled versions beyond [`MAX_VERSIONS`]. Refused, changing
    /// nothing, when every version would still carry a label.
    fn add_version(&self, mut version: SecretVersion) -> Result<Self, Fail> {
        let mut next = self.clone();
        let mut stages: Vec<String> = Vec::new();
        for s in std::mem::take(&mut version.stages) {
            if !stages.contains(&s) {
                stages.push(s);
            }
        }
        let old_current = next.version_with_stage(CURRENT).map(|v| v.id.clone());
        for v in &mut next.versions {
            v.stages.retain(|s| !stages.contains(s));
        }
        if stages.iter().any(|s| s == CURRENT)
            && let Some(old) = old_current
        {
            for v in &mut next.versions {
                v.stages.retain(|s| s != PREVIOUS);
                if v.id == old {
                    v.stages.push(PREVIOUS.to_owned());
                }
            }
        }
        version.stages = stages;
        next.versions.push(version);
        while next.versions.len() > MAX_VERSIONS {
            let Some(oldest) = next.versions.iter().position(|v| v.stages.is_empty()) else {
                return Err(Fail::new(
                    "LimitExceededException",
                    format!(
                        "The secret {} has {MAX_VERSIONS} versions that all carry a staging \
                         label; move a label off one so that it can be removed, and try again.",
                        self.name
                    ),
                ));
            };
            next.versions.remove(oldest);
        }
        Ok(next)
    }

    fn short(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("ARN".into(), json!(self.arn));
        m.insert("Name".into(), json!(self.name));
        m
    }
}

// ---- the service entry points ---------------------------------------------

const OPERATIONS: &[&str] = &[
    "GetRandomPassword",
    "CreateSecret",
    "GetSecretValue",
    "PutSecretValue",
    "DescribeSecret",
    "DeleteSecret",
    "RestoreSecret",
];

/// The operation a request names, if it is served here.
pub fn operation(req: &Request) -> Option<String> {
    let op = awsjson::target_operation(req, "secretsmanager")?;
    OPERATIONS.contains(&op).then(|| op.to_owned())
}

/// Whether an operation changes state.
pub fn is_mutating(op: &str) -> bool {
    matches!(
        op,
        "CreateSecret" | "PutSecretValue" | "DeleteSecret" | "RestoreSecret"
    )
}

/// An error in awsJson1.1's shape.
pub fn error(ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
    awsjson::error(ctx, "1.1", status, code, message)
}

/// Answers one request. Validation happens before any change, so an error
/// leaves the state untouched.
pub fn handle(op: &str, ctx: &Ctx, state: &mut crate::state::State, req: &Request) -> Reply {
    let body = match awsjson::body(req) {
        Ok(m) => m,
        Err((status, code, message)) => return error(ctx, status, code, &message),
    };
    let input = In(&body);
    let sm = &mut state.secretsmanager;
    let result = match op {
        "GetRandomPassword" => get_random_password(&input),
        "CreateSecret" => create_secret(ctx, sm, &input),
        "GetSecretValue" => get_secret_value(ctx, sm, &input),
        "PutSecretValue" => put_secret_value(ctx, sm, &input),
        "DescribeSecret" => describe_secret(ctx, sm, &input),
        "DeleteSecret" => delete_secret(ctx, sm, &input),
        "RestoreSecret" => restore_secret(ctx, sm, &input),
        _ => Err(Fail::new("UnknownOperationException", op)),
    };
    match result {
        Ok(v) => {
            if is_mutating(op) {
                // Scheduled deletions that took effect are gone for good
                // (lookups ignore them already; this frees their room).
                let now = now_ms(ctx);
                sm.secrets.retain(|_, s| !s.is_gone(now));
            }
            awsjson::reply(ctx, "1.1", &v)
        }
        Err(f) => error(ctx, 400, f.code, &f.message),
    }
}

// ---- helpers ---------------------------------------------------------------

fn now_ms(ctx: &Ctx) -> i64 {
    i64::try_from(ctx.now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn epoch_secs(ms: i64) -> Value {
    #[allow(clippy::cast_precision_loss)]
    let secs = ms as f64 / 1000.0;
    json!(secs)
}

fn not_found() -> Fail {
    Fail::new("ResourceNotFoundException", NOT_FOUND)
}

fn arn_prefix(ctx: &Ctx) -> String {
    format!(
        "arn:aws:secretsmanager:{}:{}:secret:",
        ctx.region, ctx.account_id
    )
}

fn new_arn(ctx: &Ctx, name: &str) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let suffix: String = (0..6)
        .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
        .collect();
    format!("{}{name}-{suffix}", arn_prefix(ctx))
}

/// The name of the live secret (not gone) that `id` names: its name, its
/// full ARN, or its partial ARN.
fn lookup(ctx: &Ctx, sm: &State, id: &str) -> Option<String> {
    let now = now_ms(ctx);
    let live = |name: &str| sm.secrets.get(name).filter(|s| !s.is_gone(now));
    if !id.starts_with("arn:") {
        return live(id).map(|s| s.name.clone());
    }
    let mut parts = id.splitn(7, ':');
    let (_arn, _partition, service, region, account, kind, rest) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "secretsmanager"
        || region != ctx.region
        || account != ctx.account_id
        || kind != "secret"
    {
        return None;
    }
    let full = rest
        .len()
        .checked_sub(7)
        .filter(|&cut| rest.as_bytes().get(cut) == Some(&b'-'))
        .and_then(|cut| rest.get(..cut))
        .and_then(live)
        .filter(|s| s.arn == id);
    full.or_else(|| live(rest)).map(|s| s.name.clone())
}

fn secret_id<'a>(input: &'a In) -> Result<&'a str, Fail> {
    let id = input.req_str("SecretId")?;
    if id.is_empty() || id.chars().count() > 2048 {
        return Err(Fail::validation_of(
            id,
            "secretId",
            "Member must have length between 1 and 2048",
        ));
    }
    Ok(id)
}

fn find<'a>(ctx: &Ctx, sm: &'a State, input: &In) -> Result<&'a Secret, Fail> {
    let name = lookup(ctx, sm, secret_id(input)?).ok_or_else(not_found)?;
    sm.secrets.get(&name).ok_or_else(not_found)
}

fn check_name(name: &str) -> Result<(), Fail> {
    let chars_ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b));
    if name.is_empty() || name.len() > MAX_NAME || !chars_ok {
        return Err(Fail::validation(
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of \
             the following: -/_+=.@!",
        ));
    }
    Ok(())
}

fn version_token(input: &In) -> Result<String, Fail> {
    match input.str("ClientRequestToken")? {
        None => Ok(uuid::Uuid::new_v4().to_string()),
        Some(t) if (32..=64).contains(&t.chars().count()) => Ok(t.to_owned()),
        Some(t) => Err(Fail::validation_of(
            t,
            "clientRequestToken",
            "Member must have length between 32 and 64",
        )),
    }
}

/// `SecretString` or `SecretBinary`, at most one, each 1 to 65,536 bytes.
fn secret_value(input: &In) -> Result<Option<SecretValue>, Fail> {
    let string = input.str("SecretString")?;
    let binary = input.str("SecretBinary")?;
    let too_long = |member: &str| {
        Fail::validation_hidden(
            member,
            &format!("Member must have length less than or equal to {MAX_VALUE_BYTES}"),
        )
    };
    let empty = |member: &str| {
        Fail::validation_hidden(member, "Member must have length greater than or equal to 1")
    };
    match (string, binary) {
        (Some(_), Some(_)) => Err(Fail::new(
            "InvalidParameterException",
            "You can't specify both a binary secret value and a string secret value in the same \
             secret.",
        )),
        (Some(s), None) => {
            if s.is_empty() {
                return Err(empty("secretString"));
            }
            if s.len() > MAX_VALUE_BYTES {
                return Err(too_long("secretString"));
            }
            Ok(Some(SecretValue::String(s.to_owned())))
        }
        (None, Some(b)) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|_| {
                    Fail::new("SerializationException", "`SecretBinary` must be base64")
                })?;
            if decoded.is_empty() {
                return Err(empty("secretBinary"));
            }
            if decoded.len() > MAX_VALUE_BYTES {
                return Err(too_long("secretBinary"));
            }
            Ok(Some(SecretValue::Binary(b.to_owned())))
        }
        (None, None) => Ok(None),
    }
}

fn stored_bytes(sm: &State) -> usize {
    sm.secrets
        .values()
        .flat_map(|s| &s.versions)
        .map(|v| v.value.stored_len())
        .sum()
}

fn check_budget(sm: &State, adding: usize) -> Result<(), Fail> {
    if stored_bytes(sm) + adding > MAX_STORED_BYTES {
        return Err(Fail::new(
            "LimitExceededException",
            format!(
                "The reconcile emulator holds at most {MAX_STORED_BYTES} bytes of secret values \
                 (every version counted). Delete secrets and try again."
            ),
        ));
    }
    Ok(())
}

/// The version a write finds already there (a retry): the same token and
/// value change nothing; another value is refused.
fn replay<'a>(
    secret: &'a Secret,
    token: &str,
    value: Option<&SecretValue>,
) -> Option<Result<&'a SecretVersion, Fail>> {
    let existing = secret.versions.iter().find(|v| v.id == token)?;
    if value != Some(&existing.value) {
        return Some(Err(Fail::new(
            "ResourceExistsException",
            format!(
                "You can't use ClientRequestToken {token} because that value is already in use \
                 for a version of secret {}.",
                secret.arn
            ),
        )));
    }
    Some(Ok(existing))
}

// ---- operations ------------------------------------------------------------

fn create_secret(ctx: &Ctx, sm: &mut State, input: &In) -> Result<Value, Fail> {
    let name = input.req_str("Name")?;
    check_name(name)?;
    let token = version_token(input)?;
    let value = secret_value(input)?;
    let description = input.str("Description")?;
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
        return Err(Fail::validation_hidden(
            "description",
            &format!("Member must have length less than or equal to {MAX_DESCRIPTION}"),
        ));
    }
    let kms_key_id = input.str("KmsKeyId")?;
    let tags = input.tags("Tags")?;
    if tags.len() > MAX_TAGS {
        return Err(Fail::validation_hidden(
            "tags",
            &format!("Member must have length less than or equal to {MAX_TAGS}"),
        ));
    }
    for unserved in ["AddReplicaRegions", "CrossAccountPrimaryARN"] {
        if input.get(unserved).is_some() {
            return Err(Fail::new(
                "InvalidParameterException",
                format!("{unserved} is not served by the reconcile emulator"),
            ));
        }
    }
    let now = now_ms(ctx);
    if let Some(existing) = sm.secrets.get(name).filter(|s| !s.is_gone(now)) {
        if existing.deleted_ms.is_some() {
            return Err(Fail::new(
                "InvalidRequestException",
                "You can't create this secret because a secret with this name is already \
                 scheduled for deletion.",
            ));
        }
        if let Some(replayed) = replay(existing, &token, value.as_ref()) {
            let mut m = existing.short();
            m.insert("VersionId".into(), json!(replayed?.id));
            return Ok(Value::Object(m));
        }
        return Err(Fail::new(
            "ResourceExistsException",
            format!("The operation failed because the secret {name} already exists."),
        ));
    }
    if sm.secrets.len() >= MAX_SECRETS {
        return Err(Fail::new(
            "LimitExceededException",
            format!(
                "The reconcile emulator holds at most {MAX_SECRETS} secrets. Delete secrets and \
                 try again."
            ),
        ));
    }
    check_budget(sm, value.as_ref().map_or(0, SecretValue::stored_len))?;
    let secret = Secret {
        name: name.to_owned(),
        arn: new_arn(ctx, name),
        description: description.map(str::to_owned),
        kms_key_id: kms_key_id.map(str::to_owned),
        tags,
        created_ms: now,
        changed_ms: now,
        deleted_ms: None,
        purge_ms: None,
        versions: value
            .map(|value| SecretVersion {
                id: token,
                value,
                stages: vec![CURRENT.to_owned()],
                created_ms: now,
            })
            .into_iter()
            .collect(),
    };
    let mut reply = secret.short();
    if let Some(v) = secret.versions.first() {
        reply.insert("VersionId".into(), json!(v.id));
    }
    sm.secrets.insert(secret.name.clone(), secret);
    Ok(Value::Object(reply))
}

fn get_secret_value(ctx: &Ctx, sm: &State, input: &In) -> Result<Value, Fail> {
    let secret = find(ctx, sm, input)?;
    let version_id = input.str("VersionId")?;
    if let Some(id) = version_id
        && !(32..=64).contains(&id.chars().count())
    {
        return Err(Fail::validation_of(
            id,
            "versionId",
            "Member must have length between 32 and 64",
        ));
    }
    let stage = input.str("VersionStage")?;
    if secret.deleted_ms.is_some() {
        return Err(Fail::new("InvalidRequestException", MARKED_FOR_DELETION));
    }
    let version = match (version_id, stage) {
        (Some(id), stage) => {
            let v = secret.versions.iter().find(|v| v.id == id).ok_or_else(|| {
                Fail::new(
                    "ResourceNotFoundException",
                    format!(
                        "Secrets Manager can't find the specified secret value for VersionId: \
                             {id}"
                    ),
                )
            })?;
            if let Some(stage) = stage
                && !v.stages.iter().any(|s| s == stage)
            {
                return Err(Fail::new(
                    "InvalidRequestException",
                    "You provided a VersionStage that is not associated to the provided \
                     VersionId.",
                ));
            }
            v
        }
        (None, stage) => {
            let stage = stage.unwrap_or(CURRENT);
            secret.version_with_stage(stage).ok_or_else(|| {
                Fail::new(
                    "ResourceNotFoundException",
                    format!(
                        "Secrets Manager can't find the specified secret value for staging \
                         label: {stage}"
                    ),
                )
            })?
        }
    };
    let mut m = secret.short();
    m.insert("VersionId".into(), json!(version.id));
    version.value.insert_into(&mut m);
    m.insert("VersionStages".into(), json!(version.stages));
    m.insert("CreatedDate".into(), epoch_secs(version.created_ms));
    Ok(Value::Object(m))
}

fn put_secret_value(ctx: &Ctx, sm: &mut State, input: &In) -> Result<Value, Fail> {
    let name = lookup(ctx, sm, secret_id(input)?).ok_or_else(not_found)?;
    let token = version_token(input)?;
    let value = secret_value(input)?.ok_or_else(|| {
        Fail::new(
            "InvalidParameterException",
            "You must provide either SecretString or SecretBinary.",
        )
    })?;
    let stages = match input.str_list("VersionStages")? {
        None => vec![CURRENT.to_owned()],
        Some(list) => {
            if list.is_empty() || list.len() > MAX_STAGES {
                return Err(Fail::validation_hidden(
                    "versionStages",
                    &format!("Member must have length between 1 and {MAX_STAGES}"),
                ));
            }
            if let Some(bad) = list
                .iter()
                .find(|s| s.is_empty() || s.chars().count() > 256)
            {
                return Err(Fail::validation_of(
                    bad,
                    "versionStages.member",
                    "Member must have length between 1 and 256",
                ));
            }
            list.into_iter().map(str::to_owned).collect()
        }
    };
    if input.get("RotationToken").is_some() {
        return Err(Fail::new(
            "InvalidParameterException",
            "RotationToken is not served by the reconcile emulator",
        ));
    }
    let secret = sm.secrets.get(&name).ok_or_else(not_found)?;
    if secret.deleted_ms.is_some() {
        return Err(Fail::new("InvalidRequestException", MARKED_FOR_DELETION));
    }
    if let Some(replayed) = replay(secret, &token, Some(&value)) {
        let replayed = replayed?;
        let mut m = secret.short();
        m.insert("VersionId".into(), json!(replayed.id));
        m.insert("VersionStages".into(), json!(replayed.stages));
        return Ok(Value::Object(m));
    }
    check_budget(sm, value.stored_len())?;
    let now = now_ms(ctx);
    let mut next = secret.add_version(SecretVersion {
        id: token.clone(),
        value,
        stages,
        created_ms: now,
    })?;
    next.changed_ms = now;
    let stages = next
        .versions
        .last()
        .map(|v| v.stages.clone())
        .unwrap_or_default();
    let mut m = next.short();
    m.insert("VersionId".into(), json!(token));
    m.insert("VersionStages".into(), json!(stages));
    sm.secrets.insert(name, next);
    Ok(Value::Object(m))
}

fn describe_secret(ctx: &Ctx, sm: &State, input: &In) -> Result<Value, Fail> {
    let secret = find(ctx, sm, input)?;
    let mut m = secret.short();
    if let Some(d) = &secret.description {
        m.insert("Description".into(), json!(d));
    }
    if let Some(k) = &secret.kms_key_id {
        m.insert("KmsKeyId".into(), json!(k));
    }
    m.insert("LastChangedDate".into(), epoch_secs(secret.changed_ms));
    if let Some(d) = secret.deleted_ms {
        m.insert("DeletedDate".into(), epoch_secs(d));
    }
    if !secret.tags.is_empty() {
        let tags: Vec<Value> = secret
            .tags
            .iter()
            .map(|(k, v)| json!({ "Key": k, "Value": v }))
            .collect();
        m.insert("Tags".into(), json!(tags));
    }
    let stages: Map<String, Value> = secret
        .versions
        .iter()
        .filter(|v| !v.stages.is_empty())
        .map(|v| (v.id.clone(), json!(v.stages)))
        .collect();
    if !stages.is_empty() {
        m.insert("VersionIdsToStages".into(), Value::Object(stages));
    }
    m.insert("CreatedDate".into(), epoch_secs(secret.created_ms));
    Ok(Value::Object(m))
}

fn delete_secret(ctx: &Ctx, sm: &mut State, input: &In) -> Result<Value, Fail> {
    let id = secret_id(input)?;
    let window = input.int("RecoveryWindowInDays")?;
    let force = input.bool("ForceDeleteWithoutRecovery")?.unwrap_or(false);
    if window.is_some() && force {
        return Err(Fail::new(
            "InvalidParameterException",
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        ));
    }
    let days = window.unwrap_or(30);
    if !(7..=30).contains(&days) {
        return Err(Fail::new(
            "InvalidParameterException",
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        ));
    }
    let now = now_ms(ctx);
    let Some(name) = lookup(ctx, sm, id) else {
        if !force {
            return Err(not_found());
        }
        // As moto answers: nothing to delete, and no error.
        let (name, arn) = match id.strip_prefix(&arn_prefix(ctx)) {
            Some(rest) => (rest.to_owned(), id.to_owned()),
            None => (id.to_owned(), new_arn(ctx, id)),
        };
        return Ok(json!({ "ARN": arn, "Name": name, "DeletionDate": epoch_secs(now) }));
    };
    let Some(secret) = sm.secrets.get_mut(&name) else {
        return Err(not_found());
    };
    if force {
        let mut m = secret.short();
        m.insert("DeletionDate".into(), epoch_secs(now));
        sm.secrets.remove(&name);
        return Ok(Value::Object(m));
    }
    if secret.deleted_ms.is_some() {
        return Err(Fail::new(
            "InvalidRequestException",
            "You tried to perform the operation on a secret that's currently marked deleted.",
        ));
    }
    let purge = now.saturating_add(days * DAY_MS);
    secret.deleted_ms = Some(now);
    secret.purge_ms = Some(purge);
    secret.changed_ms = now;
    let mut m = secret.short();
    m.insert("DeletionDate".into(), epoch_secs(purge));
    Ok(Value::Object(m))
}

fn restore_secret(ctx: &Ctx, sm: &mut State, input: &In) -> Result<Value, Fail> {
    let name = lookup(ctx, sm, secret_id(input)?).ok_or_else(not_found)?;
    let secret = sm.secrets.get_mut(&name).ok_or_else(not_found)?;
    if secret.deleted_ms.is_some() {
        secret.deleted_ms = None;
        secret.purge_ms = None;
        secret.changed_ms = now_ms(ctx);
    }
    Ok(Value::Object(secret.short()))
}

// ---- GetRandomPassword -----------------------------------------------------

const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

fn invalid(message: &str) -> Fail {
    Fail::new("InvalidParameterException", message)
}

/// `GetRandomPassword` with the documented defaults (32 characters, every
/// character type, each type required).
fn get_random_password(input: &In) -> Result<Value, Fail> {
    let flag = |name: &str| input.get(name).and_then(Value::as_bool).unwrap_or(false);
    let length = match input.get("PasswordLength") {
        None => 32,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=4096) => usize::try_from(n).unwrap_or(32),
            _ => return Err(invalid("PasswordLength must be between 1 and 4096")),
        },
    };
    let exclude: Vec<char> = input
        .get("ExcludeCharacters")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .collect();
    let mut classes: Vec<Vec<char>> = Vec::new();
    let mut add = |skip: bool, chars: &mut dyn Iterator<Item = char>| {
        if !skip {
            let set: Vec<char> = chars.filter(|c| !exclude.contains(c)).collect();
            if !set.is_empty() {
                classes.push(set);
            }
        }
    };
    add(flag("ExcludeLowercase"), &mut ('a'..='z'));
    add(flag("ExcludeUppercase"), &mut ('A'..='Z'));
    add(flag("ExcludeNumbers"), &mut ('0'..='9'));
    add(flag("ExcludePunctuation"), &mut PUNCTUATION.chars());
    add(!flag("IncludeSpace"), &mut std::iter::once(' '));
    if classes.is_empty() {
        return Err(invalid(
            "The password would have no characters to choose from",
        ));
    }
    let require_each = input
        .get("RequireEachIncludedType")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if require_each && length < classes.len() {
        return Err(invalid(
            "PasswordLength is too short to include every required character type",
        ));
    }
    let all: Vec<char> = classes.iter().flatten().copied().collect();
    let mut rng = rand::rng();
    let mut password: Vec<char> = Vec::with_capacity(length);
    if require_each {
        for class in &classes {
            password.push(class[rng.random_range(0..class.len())]);
        }
    }
    while password.len() < length {
        password.push(all[rng.random_range(0..all.len())]);
    }
    // Shuffle so the required characters are not always first.
    for i in (1..password.len()).rev() {
        password.swap(i, rng.random_range(0..=i));
    }
    let password: String = password.into_iter().collect();
    Ok(json!({ "RandomPassword": password }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(id: &str, stages: &[&str]) -> SecretVersion {
        SecretVersion {
            id: id.into(),
            value: SecretValue::String(id.into()),
            stages: stages.iter().map(|s| (*s).to_owned()).collect(),
            created_ms: 0,
        }
    }

    fn stages(s: &Secret) -> Vec<(String, Vec<String>)> {
        s.versions
            .iter()
            .map(|v| (v.id.clone(), v.stages.clone()))
            .collect()
    }

    #[test]
    fn a_new_current_version_makes_the_old_one_previous() {
        let s = Secret {
            versions: vec![version("a", &[PREVIOUS]), version("b", &[CURRENT])],
            ..Secret::default()
        };
        let s = s.add_version(version("c", &[CURRENT])).unwrap();
        let s_of = |id: &str| stages(&s).into_iter().find(|(v, _)| v == id).unwrap().1;
        assert!(s_of("a").is_empty());
        assert_eq!(s_of("b"), vec![PREVIOUS]);
        assert_eq!(s_of("c"), vec![CURRENT]);
    }

    #[test]
    fn a_label_other_than_current_moves_alone() {
        let s = Secret {
            versions: vec![version("a", &[CURRENT, "blue"])],
            ..Secret::default()
        };
        let s = s.add_version(version("b", &["blue"])).unwrap();
        assert_eq!(
            stages(&s),
            vec![
                ("a".into(), vec![CURRENT.into()]),
                ("b".into(), vec!["blue".into()])
            ]
        );
    }

    #[test]
    fn the_oldest_unlabelled_versions_go_beyond_the_bound() {
        let mut s = Secret::default();
        for i in 0..(MAX_VERSIONS + 5) {
            s = s
                .add_version(version(&format!("v{i}"), &[CURRENT]))
                .unwrap();
        }
        assert_eq!(s.versions.len(), MAX_VERSIONS);
        assert_eq!(
            s.version_with_stage(CURRENT).unwrap().id,
            format!("v{}", MAX_VERSIONS + 4)
        );
        assert_eq!(
            s.version_with_stage(PREVIOUS).unwrap().id,
            format!("v{}", MAX_VERSIONS + 3)
        );
        assert_eq!(s.versions[0].id, "v5");
    }
}
