//! Kinesis Data Streams over awsJson1.1 (`X-Amz-Target: Kinesis_20131202.<Op>`):
//! streams (create, describe, summary, list, delete), tags, retention, shard
//! count, and records (put, put batch, shard iterators, get).
//!
//! Streams are found by `StreamName` or `StreamARN`. Timestamps are epoch
//! seconds (JSON numbers), record data base64.
//!
//! # Lifecycle and choices
//!
//! | Behaviour | Emulator |
//! |---|---|
//! | `CreateStream` | `CREATING`, then `ACTIVE` once the emulator clock is [`ACTIVATION_MS`] past the creation (tests move the clock with `POST /_emulator/clock`; in real time an SDK poll loop or `aws kinesis wait stream-exists` sees `ACTIVE` on its second look) |
//! | `UpdateShardCount` | `UPDATING` for [`ACTIVATION_MS`]; the new shards exist at once (the old ones closed, as parents); ±2× per call, 10 per rolling 24 h |
//! | `DeleteStream` | the stream is gone at once (no observable `DELETING`); refused with `ResourceInUseException` while `CREATING` or `UPDATING` |
//! | Neither `StreamModeDetails` nor `ShardCount` | `ON_DEMAND` with 4 shards; `PROVISIONED` without `ShardCount` is 400 |
//! | Writes to a `CREATING` stream | 404 `ResourceNotFoundException` |
//! | Tags while `CREATING` | allowed |
//! | Retention | 24 to 8760 hours; increase to less / decrease to more than the current value is 400; the same value is accepted |
//! | Record expiry | records older than the retention period (emulator clock) are no longer read |
//! | Shard of a record | MD5 of the partition key as a 128-bit number (or `ExplicitHashKey`), as AWS documents |
//! | Shard iterators | opaque, valid 5 minutes on the emulator clock (`ExpiredIteratorException` after) |
//! | Sequence numbers | 56 decimal digits, increasing per stream |

use std::collections::BTreeMap;

use base64::Engine as _;
use md5::Digest as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::awsjson;
use crate::wire::{Ctx, Reply, Request};

/// How long a stream stays `CREATING` (or `UPDATING`) on the emulator clock.
pub const ACTIVATION_MS: i64 = 1000;
const ITERATOR_TTL_MS: i64 = 5 * 60 * 1000;
const MAX_TAGS: usize = 50;
const MAX_RECORD_BYTES: usize = 1024 * 1024;
const ON_DEMAND_SHARDS: u32 = 4;
const MAX_SHARDS: u32 = 500;

/// Kinesis's state.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Streams by name.
    pub streams: BTreeMap<String, Stream>,
}

/// One stream.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Stream {
    pub name: String,
    pub arn: String,
    /// `CREATING`, `UPDATING` or `ACTIVE` as last set; see [`Stream::status`].
    pub status: String,
    /// When `status` turns `ACTIVE` (epoch ms, emulator clock).
    pub ready_at_ms: i64,
    /// `PROVISIONED` or `ON_DEMAND`.
    pub mode: String,
    pub created_ms: i64,
    pub retention_hours: i64,
    pub shards: Vec<Shard>,
    pub tags: BTreeMap<String, String>,
    /// The next sequence number.
    pub next_seq: u128,
    /// Epoch ms of recent `UpdateShardCount` calls (rolling 24 h limit).
    pub reshards_ms: Vec<i64>,
}

/// One shard.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Shard {
    pub id: String,
    pub parent: Option<String>,
    pub adjacent_parent: Option<String>,
    pub start_hash: u128,
    pub end_hash: u128,
    pub start_seq: u128,
    /// Set when the shard is closed (by a reshard).
    pub end_seq: Option<u128>,
    pub records: Vec<Record>,
}

/// One record.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    pub seq: u128,
    #[serde(with = "b64")]
    pub data: Vec<u8>,
    pub partition_key: String,
    pub arrival_ms: i64,
}

mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(data))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

impl Stream {
    /// The status at `now_ms` on the emulator clock.
    pub fn status(&self, now_ms: i64) -> &str {
        if self.status != "ACTIVE" && now_ms >= self.ready_at_ms {
            "ACTIVE"
        } else {
            &self.status
        }
    }

    fn open_shards(&self) -> impl Iterator<Item = &Shard> {
        self.shards.iter().filter(|s| s.end_seq.is_none())
    }
}

/// The 56-digit form of a sequence number.
fn seq_string(n: u128) -> String {
    format!("49{n:054}")
}

fn parse_seq(s: &str) -> Option<u128> {
    if s.len() != 56 || !s.starts_with("49") || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s[2..].parse().ok()
}

fn shard_id(i: usize) -> String {
    format!("shardId-{i:012}")
}

/// `floor(i * 2^128 / n)`: where the `i`-th of `n` even hash ranges starts.
fn boundary(i: u128, n: u128) -> u128 {
    if i >= n {
        return u128::MAX;
    }
    let q = u128::MAX / n;
    let r = u128::MAX % n;
    q * i + (i * (r + 1)) / n
}

fn even_ranges(n: u32) -> Vec<(u128, u128)> {
    let n = u128::from(n.max(1));
    (0..n)
        .map(|i| {
            let start = boundary(i, n);
            let end = if i + 1 == n {
                u128::MAX
            } else {
                boundary(i + 1, n) - 1
            };
            (start, end)
        })
        .collect()
}

fn hash_key(partition_key: &str) -> u128 {
    let digest = md5::Md5::digest(partition_key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest);
    u128::from_be_bytes(bytes)
}

fn now_ms(ctx: &Ctx) -> i64 {
    i64::try_from(ctx.now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn epoch_secs(ms: i64) -> Value {
    #[allow(clippy::cast_precision_loss)]
    let secs = ms as f64 / 1000.0;
    json!(secs)
}

// ---- the service entry points ---------------------------------------------

const OPERATIONS: &[&str] = &[
    "CreateStream",
    "DescribeStream",
    "DescribeStreamSummary",
    "ListStreams",
    "DeleteStream",
    "AddTagsToStream",
    "RemoveTagsFromStream",
    "ListTagsForStream",
    "IncreaseStreamRetentionPeriod",
    "DecreaseStreamRetentionPeriod",
    "UpdateShardCount",
    "PutRecord",
    "PutRecords",
    "GetShardIterator",
    "GetRecords",
    "ListShards",
];

/// The operation a request names, if Kinesis serves it.
pub fn operation(req: &Request) -> Option<String> {
    let op = awsjson::target_operation(req, "Kinesis_20131202")?;
    OPERATIONS.contains(&op).then(|| op.to_owned())
}

/// Whether an operation changes state.
pub fn is_mutating(op: &str) -> bool {
    matches!(
        op,
        "CreateStream"
            | "DeleteStream"
            | "AddTagsToStream"
            | "RemoveTagsFromStream"
            | "IncreaseStreamRetentionPeriod"
            | "DecreaseStreamRetentionPeriod"
            | "UpdateShardCount"
            | "PutRecord"
            | "PutRecords"
    )
}

/// An error in awsJson1.1's shape: `{"__type": code, "message": …}`.
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
    let k = &mut state.kinesis;
    let result = match op {
        "CreateStream" => create_stream(ctx, k, &input),
        "DescribeStream" => describe_stream(ctx, k, &input),
        "DescribeStreamSummary" => describe_stream_summary(ctx, k, &input),
        "ListStreams" => list_streams(ctx, k, &input),
        "DeleteStream" => delete_stream(ctx, k, &input),
        "AddTagsToStream" => add_tags(ctx, k, &input),
        "RemoveTagsFromStream" => remove_tags(ctx, k, &input),
        "ListTagsForStream" => list_tags(ctx, k, &input),
        "IncreaseStreamRetentionPeriod" => retention(ctx, k, &input, true),
        "DecreaseStreamRetentionPeriod" => retention(ctx, k, &input, false),
        "UpdateShardCount" => update_shard_count(ctx, k, &input),
        "PutRecord" => put_record(ctx, k, &input),
        "PutRecords" => put_records(ctx, k, &input),
        "GetShardIterator" => get_shard_iterator(ctx, k, &input),
        "GetRecords" => get_records(ctx, k, &input),
        "ListShards" => list_shards(ctx, k, &input),
        _ => Err(Fail::new("UnknownOperationException", op)),
    };
    match result {
        Ok(v) => awsjson::reply(ctx, "1.1", &v),
        Err(f) => error(ctx, 400, f.code, &f.message),
    }
}

/// Writes one record to the stream with this ARN, as a producer would (the
/// Pinpoint event stream uses it), with arrival time now on the wall clock.
/// Returns false when no stream has that ARN.
pub fn append_record(
    state: &mut State,
    stream_arn: &str,
    data: Vec<u8>,
    partition_key: &str,
) -> bool {
    let now = i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX);
    append_record_at(state, stream_arn, data, partition_key, now)
}

/// [`append_record`] at `now_ms` (epoch ms on the emulator clock, e.g. from
/// `ctx.now`), which keeps record ages right when tests move the clock.
pub fn append_record_at(
    state: &mut State,
    stream_arn: &str,
    data: Vec<u8>,
    partition_key: &str,
    now_ms: i64,
) -> bool {
    let Some(stream) = state.streams.values_mut().find(|s| s.arn == stream_arn) else {
        return false;
    };
    let hash = hash_key(partition_key);
    write(stream, hash, data, partition_key, now_ms);
    true
}

/// Whether a stream with this ARN exists.
pub fn stream_exists(state: &State, stream_arn: &str) -> bool {
    state.streams.values().any(|s| s.arn == stream_arn)
}

/// Appends to the open shard covering `hash`; returns `(shard id, sequence)`.
fn write(
    stream: &mut Stream,
    hash: u128,
    data: Vec<u8>,
    partition_key: &str,
    now_ms: i64,
) -> (String, u128) {
    let seq = stream.next_seq;
    stream.next_seq += 1;
    let idx = stream
        .shards
        .iter()
        .position(|s| s.end_seq.is_none() && s.start_hash <= hash && hash <= s.end_hash)
        .or_else(|| stream.shards.iter().position(|s| s.end_seq.is_none()))
        .unwrap_or(0);
    let Some(shard) = stream.shards.get_mut(idx) else {
        return (String::new(), seq);
    };
    shard.records.push(Record {
        seq,
        data,
        partition_key: partition_key.to_owned(),
        arrival_ms: now_ms,
    });
    (shard.id.clone(), seq)
}

// ---- input helpers --------------------------------------------------------

struct Fail {
    code: &'static str,
    message: String,
}

impl Fail {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidArgumentException", message)
    }

    fn serialization(member: &str, expected: &str) -> Self {
        Self::new(
            "SerializationException",
            format!("`{member}` must be {expected}"),
        )
    }

    fn validation(value: &str, member: &str, rule: &str) -> Self {
        Self::new(
            "ValidationException",
            format!(
                "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
            ),
        )
    }

    fn null(member: &str) -> Self {
        Self::new(
            "ValidationException",
            format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
            ),
        )
    }
}

type Res = Result<Value, Fail>;

/// Typed access to the request's members.
struct In<'a>(&'a Map<String, Value>);

fn lower_first(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

impl In<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    fn str(&self, name: &str) -> Result<Option<&str>, Fail> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Fail::serialization(name, "a string")),
        }
    }

    fn req_str(&self, name: &str) -> Result<&str, Fail> {
        self.str(name)?
            .ok_or_else(|| Fail::null(&lower_first(name)))
    }

    fn int(&self, name: &str) -> Result<Option<i64>, Fail> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| Fail::serialization(name, "an integer")),
        }
    }

    fn req_int(&self, name: &str) -> Result<i64, Fail> {
        self.int(name)?
            .ok_or_else(|| Fail::null(&lower_first(name)))
    }

    fn int_in(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, Fail> {
        let v = self.int(name)?;
        if let Some(n) = v {
            let member = lower_first(name);
            if n < min {
                return Err(Fail::validation(
                    &n.to_string(),
                    &member,
                    &format!("Member must have value greater than or equal to {min}"),
                ));
            }
            if n > max {
                return Err(Fail::validation(
                    &n.to_string(),
                    &member,
                    &format!("Member must have value less than or equal to {max}"),
                ));
            }
        }
        Ok(v)
    }

    fn f64(&self, name: &str) -> Result<Option<f64>, Fail> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| Fail::serialization(name, "a number (epoch seconds)")),
        }
    }

    fn blob(value: &Value, name: &str) -> Result<Vec<u8>, Fail> {
        let Value::String(s) = value else {
            return Err(Fail::serialization(name, "a base64 string"));
        };
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| Fail::serialization(name, "valid base64"))
    }
}

fn check_stream_name(name: &str) -> Result<(), Fail> {
    if name.is_empty() || name.len() > 128 {
        return Err(Fail::validation(
            name,
            "streamName",
            "Member must have length between 1 and 128",
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    {
        return Err(Fail::validation(
            name,
            "streamName",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ));
    }
    Ok(())
}

fn not_found(ctx: &Ctx, name: &str) -> Fail {
    Fail::new(
        "ResourceNotFoundException",
        format!("Stream {name} under account {} not found.", ctx.account_id),
    )
}

fn stream_arn(ctx: &Ctx, name: &str) -> String {
    format!(
        "arn:aws:kinesis:{}:{}:stream/{name}",
        ctx.region, ctx.account_id
    )
}

/// The stream the request names by `StreamName` and/or `StreamARN`.
fn lookup<'a>(ctx: &Ctx, k: &'a State, input: &In<'_>) -> Result<&'a Stream, Fail> {
    let name = input.str("StreamName")?;
    let arn = input.str("StreamARN")?;
    let from_arn = match arn {
        None => None,
        Some(a) => {
            let Some(n) = a.split_once(":stream/").map(|(_, n)| n) else {
                return Err(Fail::validation(
                    a,
                    "streamARN",
                    r"Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\d{12}:stream/\S+",
                ));
            };
            if a != stream_arn(ctx, n) {
                return Err(not_found(ctx, n));
            }
            Some(n)
        }
    };
    let name = match (name, from_arn) {
        (Some(n), Some(a)) if n != a => {
            return Err(Fail::invalid(
                "StreamARN and StreamName must name the same stream",
            ));
        }
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => {
            return Err(Fail::invalid(
                "Either StreamName or StreamARN should be provided.",
            ));
        }
    };
    check_stream_name(name)?;
    k.streams.get(name).ok_or_else(|| not_found(ctx, name))
}

fn require_active(ctx: &Ctx, s: &Stream) -> Result<(), Fail> {
    let status = s.status(now_ms(ctx));
    if status == "ACTIVE" {
        Ok(())
    } else {
        Err(Fail::new(
            "ResourceInUseException",
            format!(
                "Stream {} under account {} not ACTIVE, instead in state {status}",
                s.name, ctx.account_id
            ),
        ))
    }
}

fn tag_map(input: &In<'_>, name: &str) -> Result<Option<BTreeMap<String, String>>, Fail> {
    let Some(v) = input.get(name) else {
        return Ok(None);
    };
    let Value::Object(m) = v else {
        return Err(Fail::serialization(name, "a map of strings"));
    };
    let mut out = BTreeMap::new();
    for (key, value) in m {
        let value = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            _ => return Err(Fail::serialization(name, "a map of strings")),
        };
        if key.is_empty() || key.chars().count() > 128 {
            return Err(Fail::invalid(format!(
                "Tag key `{key}` must be between 1 and 128 characters"
            )));
        }
        if value.chars().count() > 256 {
            return Err(Fail::invalid(format!(
                "Tag value of `{key}` must be at most 256 characters"
            )));
        }
        if key.starts_with("aws:") {
            return Err(Fail::invalid(format!(
                "Tag key `{key}` uses the reserved prefix `aws:`"
            )));
        }
        out.insert(key.clone(), value);
    }
    Ok(Some(out))
}

fn too_many_tags(ctx: &Ctx, name: &str) -> Fail {
    Fail::invalid(format!(
        "Failed to add tags to stream {name} under account {} because a given stream cannot have more than {MAX_TAGS} tags associated with it.",
        ctx.account_id
    ))
}

// ---- streams --------------------------------------------------------------

fn create_stream(ctx: &Ctx, k: &mut State, input: &In<'_>) -> Res {
    let name = input.req_str("StreamName")?;
    check_stream_name(name)?;
    let shard_count = input.int_in("ShardCount", 1, i64::from(i32::MAX))?;
    let mode = match input.get("StreamModeDetails") {
        None => None,
        Some(Value::Object(m)) => match m.get("StreamMode") {
            Some(Value::String(s)) if s == "PROVISIONED" || s == "ON_DEMAND" => Some(s.as_str()),
            Some(Value::String(s)) => {
                return Err(Fail::validation(
                    s,
                    "streamModeDetails.streamMode",
                    "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]",
                ));
            }
            None | Some(Value::Null) => return Err(Fail::null("streamModeDetails.streamMode")),
            Some(_) => return Err(Fail::serialization("StreamMode", "a string")),
        },
        Some(_) => return Err(Fail::serialization("StreamModeDetails", "a structure")),
    };
    let (mode, shards) = match (mode, shard_count) {
        (Some("ON_DEMAND"), Some(_)) => {
            return Err(Fail::invalid(
                "ShardCount cannot be specified for a stream in ON_DEMAND mode",
            ));
        }
        (Some("ON_DEMAND") | None, None) => ("ON_DEMAND", ON_DEMAND_SHARDS),
        (Some(_), None) => {
            return Err(Fail::invalid(
                "ShardCount is required for a stream in PROVISIONED mode",
            ));
        }
        (_, Some(n)) => ("PROVISIONED", u32::try_from(n).unwrap_or(u32::MAX)),
    };
    if shards > MAX_SHARDS {
        return Err(Fail::new(
            "LimitExceededException",
            format!(
                "This request would exceed the shard limit for the account {} in {}. Current shard count for the account: 0. Limit: {MAX_SHARDS}.",
                ctx.account_id, ctx.region
            ),
        ));
    }
    let tags = tag_map(input, "Tags")?.unwrap_or_default();
    if tags.len() > MAX_TAGS {
        return Err(too_many_tags(ctx, name));
    }
    if k.streams.contains_key(name) {
        return Err(Fail::new(
            "ResourceInUseException",
            format!(
                "Stream {name} under account {} already exists.",
                ctx.account_id
            ),
        ));
    }
    let now = now_ms(ctx);
    let shards = even_ranges(shards)
        .into_iter()
        .enumerate()
        .map(|(i, (start_hash, end_hash))| Shard {
            id: shard_id(i),
            start_hash,
            end_hash,
            ..Shard::default()
        })
        .collect();
    k.streams.insert(
        name.to_owned(),
        Stream {
            name: name.to_owned(),
            arn: stream_arn(ctx, name),
            status: "CREATING".into(),
            ready_at_ms: now + ACTIVATION_MS,
            mode: mode.into(),
            created_ms: now,
            retention_hours: 24,
            shards,
            tags,
            next_seq: 0,
            reshards_ms: Vec::new(),
        },
    );
    Ok(json!({}))
}

fn shard_json(s: &Shard) -> Value {
    let mut range = json!({ "StartingSequenceNumber": seq_string(s.start_seq) });
    if let Some(end) = s.end_seq {
        range["EndingSequenceNumber"] = json!(seq_string(end));
    }
    let mut v = json!({
        "ShardId": s.id,
        "HashKeyRange": {
            "StartingHashKey": s.start_hash.to_string(),
            "EndingHashKey": s.end_hash.to_string(),
        },
        "SequenceNumberRange": range,
    });
    if let Some(p) = &s.parent {
        v["ParentShardId"] = json!(p);
    }
    if let Some(p) = &s.adjacent_parent {
        v["AdjacentParentShardId"] = json!(p);
    }
    v
}

fn describe_stream(ctx: &Ctx, k: &State, input: &In<'_>) -> Res {
    let s = lookup(ctx, k, input)?;
    let limit = input.int_in("Limit", 1, 10_000)?.unwrap_or(100);
    let start_after = input.str("ExclusiveStartShardId")?;
    let shards: Vec<&Shard> = s
        .shards
        .iter()
        .filter(|sh| start_after.is_none_or(|after| sh.id.as_str() > after))
        .collect();
    let limit = usize::try_from(limit).unwrap_or(100);
    let more = shards.len() > limit;
    let shards: Vec<Value> = shards.into_iter().take(limit).map(shard_json).collect();
    Ok(json!({
        "StreamDescription": {
            "StreamName": s.name,
            "StreamARN": s.arn,
            "StreamStatus": s.status(now_ms(ctx)),
            "StreamModeDetails": { "StreamMode": s.mode },
            "Shards": shards,
            "HasMoreShards": more,
            "RetentionPeriodHours": s.retention_hours,
            "StreamCreationTimestamp": epoch_secs(s.created_ms),
            "EnhancedMonitoring": [{ "ShardLevelMetrics": [] }],
            "EncryptionType": "NONE",
        }
    }))
}

fn describe_stream_summary(ctx: &Ctx, k: &State, input: &In<'_>) -> Res {
    let s = lookup(ctx, k, input)?;
    Ok(json!({
        "StreamDescriptionSummary": {
            "StreamName": s.name,
            "StreamARN": s.arn,
            "StreamStatus": s.status(now_ms(ctx)),
            "StreamModeDetails": { "StreamMode": s.mode },
            "RetentionPeriodHours": s.retention_hours,
            "StreamCreationTimestamp": epoch_secs(s.created_ms),
            "EnhancedMonitoring": [{ "ShardLevelMetrics": [] }],
            "EncryptionType": "NONE",
            "OpenShardCount": s.open_shards().count(),
            "ConsumerCount": 0,
            "MaxRecordSizeInKiB": 1024,
        }
    }))
}

fn list_streams(ctx: &Ctx, k: &State, input: &In<'_>) -> Res {
    let limit = input.int_in("Limit", 1, 10_000)?.unwrap_or(100);
    let limit = usize::try_from(limit).unwrap_or(100);
    let start_after = input.str("ExclusiveStartStreamName")?.map(str::to_owned);
    let token = input.str("NextToken")?;
    let start_after = match token {
        None => start_after,
        Some(t) => Some(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| Fail::invalid("NextToken is not valid"))?,
        ),
    };
    let now = now_ms(ctx);
    let streams: Vec<&Stream> = k
        .streams
        .values()
        .filter(|s| start_after.as_deref().is_none_or(|a| s.name.as_str() > a))
        .collect();
    let more = streams.len() > limit;
    let page: Vec<&Stream> = streams.into_iter().take(limit).collect();
    let mut out = json!({
        "StreamNames": page.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        "HasMoreStreams": more,
        "StreamSummaries": page.iter().map(|s| json!({
            "StreamName": s.name,
            "StreamARN": s.arn,
            "StreamStatus": s.status(now),
            "StreamModeDetails": { "StreamMode": s.mode },
            "StreamCreationTimestamp": epoch_secs(s.created_ms),
        })).collect::<Vec<_>>(),
    });
    if more && let Some(last) = page.last() {
        out["NextToken"] =
            json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&last.name));
    }
    Ok(out)
}

fn delete_stream(ctx: &Ctx, k: &mut State, input: &In<'_>) -> Res {
    let s = lookup(ctx, k, input)?;
    require_active(ctx, s)?;
    let name = s.name.clone();
    k.streams.remove(&name);
    Ok(json!({}))
}

fn add_tags(ctx: &Ctx, k: &mut State, input: &In<'_>) -> Res {
    let name = lookup(ctx, k, input)?.name.clone();
    let tags = tag_map(input, "Tags")?.ok_or_else(|| Fail::null("tags"))?;
    if tags.is_empty() {
        return Err(Fail::validation(
            "{}",
            "tags",
            "Member must have length greater than or equal to 1",
        ));
    }
    let mut merged = k
        .streams
        .get(&name)
        .map(|s| s.tags.clone())
        .unwrap_or_default();
    merged.extend(tags);
    if merged.len() > MAX_TAGS {
        return Err(too_many_tags(ctx, &name));
    }
    if let Some(s) = k.streams.get_mut(&name) {
        s.tags = merged;
    }
    Ok(json!({}))
}

fn remove_tags(ctx: &Ctx, k: &mut State, input: &In<'_>) -> Res {
    let name = lookup(ctx, k, input)?.name.clone();
    let keys = match input.get("TagKeys") {
        None => return Err(Fail::null("tagKeys")),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| Fail::serialization("TagKeys", "a list of strings"))?,
        Some(_) => return Err(Fail::serialization("TagKeys", "a list of strings")),
    };
    if keys.is_empty() || keys.len() > 50 {
        return Err(Fail::validation(
            &format!("{keys:?}"),
            "tagKeys",
            "Member must have length between 1 and 50",
        ));
    }
    if let Some(s) = k.streams.get_mut(&name) {
        for key in &keys {
            s.tags.remove(key);
        }
    }
    Ok(json!({}))
}

fn list_tags(ctx: &Ctx, k: &State, input: &In<'_>) -> Res {
    let s = lookup(ctx, k, input)?;
    let limit = usize::try_from(input.int_in("Limit", 1, 50)?.unwrap_or(50)).unwrap_or(50);
    let after = input.str("ExclusiveStartTagKey")?;
    let tags: Vec<(&String, &String)> = s
        .tags
        .iter()
        .filter(|(key, _)| after.is_none_or(|a| key.as_str() > a))
        .collect();
    let more = tags.len() > limit;
    Ok(json!({
        "Tags": tags.into_iter().take(limit).map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
        "HasMoreTags": more,
    }))
}

fn retention(ctx: &Ctx, k: &mut State, input: &In<'_>, increase: bool) -> Res {
    let s = lookup(ctx, k, input)?;
    let name = s.name.clone();
    let hours = input.req_int("RetentionPeriodHours")?;
    require_active(ctx, s)?;
    if hours < 24 {
        return Err(Fail::invalid(format!(
            "Minimum allowed retention period is 24 hours. Requested retention period ({hours} hours) is too short."
        )));
    }
    if hours > 8760 {
        return Err(Fail::invalid(format!(
            "Maximum allowed retention period is 8760 hours. Requested retention period ({hours} hours) is too long."
        )));
    }
    if increase && hours < s.retention_hours {
        return Err(Fail::invalid(format!(
            "Requested retention period ({hours} hours) for stream {name} can not be shorter than existing retention period ({} hours). Use DecreaseRetentionPeriod API.",
            s.retention_hours
        )));
    }
    if !increase && hours > s.retention_hours {
        return Err(Fail::invalid(format!(
            "Requested retention period ({hours} hours) for stream {name} can not be longer than existing retention period ({} hours). Use IncreaseRetentionPeriod API.",
            s.retention_hours
        )));
    }
    if let Some(s) = k.streams.get_mut(&name) {
        s.retention_hours = hours;
    }
    Ok(json!({}))
}

fn update_shard_count(ctx: &Ctx, k: &mut State, input: &In<'_>) -> Res {
    let s = lookup(ctx, k, input)?;
    let name = s.name.clone();
    let target = input.req_int("TargetShardCount")?;
    match input.str("ScalingType")? {
        Some("UNIFORM_SCALING") => {}
        Some(other) => {
            return Err(Fail::validation(
                other,
                "scalingType",
                "Member must satisfy enum value set: [UNIFORM_SCALING]",
            ));
        }
        None => return Err(Fail::null("scalingType")),
    }
    let now = now_ms(ctx);
    require_active(ctx, s)?;
    if s.mode != "PROVISIONED" {
        return Err(Fail::new(
            "ValidationException",
            "UpdateShardCount is only supported for streams in PROVISIONED mode",
        ));
    }
    let current = i64::try_from(s.open_shards().count()).unwrap_or(i64::MAX);
    if target < 1 {
        return Err(Fail::validation(
            &target.to_string(),
            "targetShardCount",
            "Member must have value greater than or equal to 1",
        ));
    }
    if target == current {
        return Err(Fail::invalid(format!(
            "Target shard count or number of open shards cannot be equal to the current open shard count ({current})."
        )));
    }
    if target > current * 2 || target * 2 < current || target > i64::from(MAX_SHARDS) {
        return Err(Fail::new(
            "LimitExceededException",
            format!(
                "UpdateShardCount cannot scale stream {name} from {current} to {target} shards: at most double or half the current count, and at most {MAX_SHARDS}."
            ),
        ));
    }
    let day_ago = now - 24 * 3600 * 1000;
    let recent: Vec<i64> = s
        .reshards_ms
        .iter()
        .copied()
        .filter(|t| *t > day_ago)
        .collect();
    if recent.len() >= 10 {
        return Err(Fail::new(
            "LimitExceededException",
            format!(
                "Stream {name} cannot be scaled more than 10 times in a rolling 24-hour period."
            ),
        ));
    }
    let target_u = u32::try_from(target).unwrap_or(1);
    let Some(s) = k.streams.get_mut(&name) else {
        return Err(not_found(ctx, &name));
    };
    let close_at = s.next_seq;
    s.next_seq += 1;
    let parents: Vec<(String, u128, u128)> = s
        .shards
        .iter_mut()
        .filter(|sh| sh.end_seq.is_none())
        .map(|sh| {
            sh.end_seq = Some(close_at);
            (sh.id.clone(), sh.start_hash, sh.end_hash)
        })
        .collect();
    let first = s.shards.len();
    for (i, (start, end)) in even_ranges(target_u).into_iter().enumerate() {
        let mut covering = parents
            .iter()
            .filter(|(_, ps, pe)| *ps <= end && start <= *pe);
        let parent = covering.next().map(|p| p.0.clone());
        let adjacent = covering.next().map(|p| p.0.clone());
        s.shards.push(Shard {
            id: shard_id(first + i),
            parent,
            adjacent_parent: adjacent,
            start_hash: start,
            end_hash: end,
            start_seq: close_at + 1,
            end_seq: None,
            records: Vec::new(),
        });
    }
    s.next_seq = close_at + 1;
    s.status = "UPDATING".into();
    s.ready_at_ms = now + ACTIVATION_MS;
    let mut recent = recent;
    recent.push(now);
    s.reshards_ms = recent;
    Ok(json!({
        "StreamName": name,
        "StreamARN": s.arn,
        "CurrentShardCount": current,
        "TargetShardCount": target,
    }))
}

// ---- records --------------------------------------------------------------

fn writable(ctx: &Ctx, s: &Stream) -> Result<(), Fail> {
    if s.status(now_ms(ctx)) == "CREATING" {
        return Err(not_found(ctx, &s.name));
    }
    Ok(())
}

/// Validated record input: data, partition key, the hash it maps to.
fn record_input(entry: &Map<String, Value>, prefix: &str) -> Result<(Vec<u8>, String, u128), Fail> {
    let data = entry
        .get("Data")
        .filter(|v| !v.is_null())
        .ok_or_else(|| Fail::null(&format!("{prefix}data")))?;
    let data = In::blob(data, "Data")?;
    if data.len() > MAX_RECORD_BYTES {
        return Err(Fail::validation(
            "…",
            &format!("{prefix}data"),
            &format!("Member must have length less than or equal to {MAX_RECORD_BYTES}"),
        ));
    }
    let key = match entry.get("PartitionKey") {
        None | Some(Value::Null) => return Err(Fail::null(&format!("{prefix}partitionKey"))),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(Fail::serialization("PartitionKey", "a string")),
    };
    if key.is_empty() || key.chars().count() > 256 {
        return Err(Fail::validation(
            &key,
            &format!("{prefix}partitionKey"),
            "Member must have length between 1 and 256",
        ));
    }
    let hash = match entry.get("ExplicitHashKey") {
        None | Some(Value::Null) => hash_key(&key),
        Some(Value::String(h)) => h.parse::<u128>().map_err(|_| {
            Fail::invalid(format!(
                "ExplicitHashKey `{h}` must be a decimal number between 0 and 2^128 - 1"
            ))
        })?,
        Some(_) => return Err(Fail::serialization("ExplicitHashKey", "a string")),
    };
    Ok((data, key, hash))
}

fn put_record(ctx: &Ctx, k: &mut State, input: &In<'_>) -> Res {
    let s = lookup(ctx, k, input)?;
    let name = s.name.clone();
    let (data, key, hash) = record_input(input.0, "")?;
    writable(ctx, s)?;
    let now = now_ms(ctx);
    let Some(s) = k.streams.get_mut(&name) else {
        return Err(not_found(ctx, &name));
    };
    let (shard, seq) = write(s, hash, data, &key, now);
    Ok(json!({
        "ShardId": shard,
        "SequenceNumber": seq_string(seq),
        "EncryptionType": "NONE",
    }))
}

fn put_records(ctx: &Ctx, k: &mut State, input: &In<'_>) -> Res {
    let s = lookup(ctx, k, input)?;
    let name = s.name.clone();
    let records = match input.get("Records") {
        None => return Err(Fail::null("records")),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(Fail::serialization("Records", "a list")),
    };
    if records.is_empty() || records.len() > 500 {
        return Err(Fail::validation(
            &records.len().to_string(),
            "records",
            "Member must have length between 1 and 500",
        ));
    }
    let mut parsed = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let Value::Object(entry) = r else {
            return Err(Fail::serialization("Records", "a list of structures"));
        };
        parsed.push(record_input(entry, &format!("records.{}.member.", i + 1))?);
    }
    let total: usize = parsed.iter().map(|(d, key, _)| d.len() + key.len()).sum();
    if total > 5 * 1024 * 1024 {
        return Err(Fail::invalid("Records size exceeds 5 MB limit"));
    }
    writable(ctx, s)?;
    let now = now_ms(ctx);
    let Some(s) = k.streams.get_mut(&name) else {
        return Err(not_found(ctx, &name));
    };
    let results: Vec<Value> = parsed
        .into_iter()
        .map(|(data, key, hash)| {
            let (shard, seq) = write(s, hash, data, &key, now);
            json!({ "ShardId": shard, "SequenceNumber": seq_string(seq) })
        })
        .collect();
    Ok(json!({
        "FailedRecordCount": 0,
        "Records": results,
        "EncryptionType": "NONE",
    }))
}

/// What a shard iterator holds.
#[derive(Serialize, Deserialize)]
struct ShardIterator {
    /// Stream name and creation time (a re-created stream invalidates it).
    s: String,
    c: i64,
    /// Shard id.
    h: String,
    /// The first sequence number to read.
    q: u128,
    /// Issued at (epoch ms, emulator clock).
    t: i64,
}

fn encode_iterator(it: &ShardIterator) -> String {
    base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(it).unwrap_or_default())
}

fn decode_iterator(s: &str) -> Option<ShardIterator> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn find_shard<'a>(ctx: &Ctx, s: &'a Stream, id: &str) -> Result<&'a Shard, Fail> {
    s.shards.iter().find(|sh| sh.id == id).ok_or_else(|| {
        Fail::new(
            "ResourceNotFoundException",
            format!(
                "Shard {id} in stream {} under account {} does not exist",
                s.name, ctx.account_id
            ),
        )
    })
}

fn live<'a>(s: &'a Stream, shard: &'a Shard, now: i64) -> impl Iterator<Item = &'a Record> {
    let oldest = now - s.retention_hours * 3600 * 1000;
    shard.records.iter().filter(move |r| r.arrival_ms >= oldest)
}

fn get_shard_iterator(ctx: &Ctx, k: &State, input: &In<'_>) -> Res {
    let s = lookup(ctx, k, input)?;
    let name = s.name.clone();
    let shard_id = input.req_str("ShardId")?;
    let kind = input.req_str("ShardIteratorType")?;
    let shard = find_shard(ctx, s, shard_id)?;
    let now = now_ms(ctx);
    let tip = shard.end_seq.unwrap_or(s.next_seq);
    let first = |pred: &dyn Fn(&Record) -> bool| {
        live(s, shard, now).find(|r| pred(r)).map_or(tip, |r| r.seq)
    };
    let start = match kind {
        "TRIM_HORIZON" => first(&|_| true),
        "LATEST" => tip,
        "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER" => {
            let given = input.str("StartingSequenceNumber")?.ok_or_else(|| {
                Fail::invalid(format!("StartingSequenceNumber is required for {kind}"))
            })?;
            let n = parse_seq(given).ok_or_else(|| {
                Fail::invalid(format!(
                    "StartingSequenceNumber {given} used in GetShardIterator on shard {shard_id} in stream {name} under account {} is invalid.",
                    ctx.account_id
                ))
            })?;
            if kind == "AT_SEQUENCE_NUMBER" {
                first(&|r| r.seq >= n)
            } else {
                first(&|r| r.seq > n)
            }
        }
        "AT_TIMESTAMP" => {
            let ts = input
                .f64("Timestamp")?
                .ok_or_else(|| Fail::invalid("Timestamp is required for AT_TIMESTAMP"))?;
            #[allow(clippy::cast_possible_truncation)]
            let ms = (ts * 1000.0) as i64;
            first(&|r| r.arrival_ms >= ms)
        }
        other => {
            return Err(Fail::validation(
                other,
                "shardIteratorType",
                "Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]",
            ));
        }
    };
    Ok(json!({
        "ShardIterator": encode_iterator(&ShardIterator {
            s: s.name.clone(),
            c: s.created_ms,
            h: shard.id.clone(),
            q: start,
            t: now,
        })
    }))
}

fn get_records(ctx: &Ctx, k: &State, input: &In<'_>) -> Res {
    let raw = input.req_str("ShardIterator")?;
    let limit =
        usize::try_from(input.int_in("Limit", 1, 10_000)?.unwrap_or(10_000)).unwrap_or(10_000);
    let it = decode_iterator(raw)
        .ok_or_else(|| Fail::invalid(format!("Invalid ShardIterator: {raw}")))?;
    let now = now_ms(ctx);
    if now - it.t > ITERATOR_TTL_MS {
        return Err(Fail::new(
            "ExpiredIteratorException",
            format!(
                "Iterator expired. The iterator was created at time {} while right now it is {}",
                it.t, now
            ),
        ));
    }
    let Some(s) = k.streams.get(&it.s).filter(|s| s.created_ms == it.c) else {
        return Err(not_found(ctx, &it.s));
    };
    let shard = find_shard(ctx, s, &it.h)?;
    let records: Vec<&Record> = live(s, shard, now)
        .filter(|r| r.seq >= it.q)
        .take(limit)
        .collect();
    let next_q = records.last().map_or(it.q, |r| r.seq + 1);
    let latest_arrival = shard.records.last().map(|r| r.arrival_ms);
    let behind = match (records.last(), latest_arrival) {
        (Some(last), Some(latest)) if next_q <= shard.records.last().map_or(0, |r| r.seq) => {
            (latest - last.arrival_ms).max(0)
        }
        _ => 0,
    };
    let exhausted = shard
        .end_seq
        .is_some_and(|end| !shard.records.iter().any(|r| r.seq >= next_q && r.seq < end));
    let mut out = json!({
        "Records": records.iter().map(|r| json!({
            "SequenceNumber": seq_string(r.seq),
            "ApproximateArrivalTimestamp": epoch_secs(r.arrival_ms),
            "Data": base64::engine::general_purpose::STANDARD.encode(&r.data),
            "PartitionKey": r.partition_key,
        })).collect::<Vec<_>>(),
        "MillisBehindLatest": behind,
    });
    if exhausted {
        let children: Vec<Value> = s
            .shards
            .iter()
            .filter(|c| {
                c.parent.as_deref() == Some(&shard.id)
                    || c.adjacent_parent.as_deref() == Some(&shard.id)
            })
            .map(|c| {
                let parents: Vec<&String> =
                    c.parent.iter().chain(c.adjacent_parent.iter()).collect();
                json!({
                    "ShardId": c.id,
                    "ParentShards": parents,
                    "HashKeyRange": {
                        "StartingHashKey": c.start_hash.to_string(),
                        "EndingHashKey": c.end_hash.to_string(),
                    },
                })
            })
            .collect();
        out["ChildShards"] = json!(children);
    } else {
        out["NextShardIterator"] = json!(encode_iterator(&ShardIterator {
            s: it.s.clone(),
            c: it.c,
            h: it.h.clone(),
            q: next_q,
            t: now,
        }));
    }
    Ok(out)
}

fn list_shards(ctx: &Ctx, k: &State, input: &In<'_>) -> Res {
    let max =
        usize::try_from(input.int_in("MaxResults", 1, 10_000)?.unwrap_or(1000)).unwrap_or(1000);
    let token = input.str("NextToken")?;
    let (s, after) = match token {
        Some(t) => {
            if input.get("StreamName").is_some() || input.get("StreamARN").is_some() {
                return Err(Fail::invalid(
                    "NextToken and StreamName or StreamARN cannot be provided together.",
                ));
            }
            let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| {
                    s.split_once('\n')
                        .map(|(a, b)| (a.to_owned(), b.to_owned()))
                })
                .ok_or_else(|| Fail::invalid("NextToken is not valid"))?;
            let s = k
                .streams
                .get(&decoded.0)
                .ok_or_else(|| not_found(ctx, &decoded.0))?;
            (s, Some(decoded.1))
        }
        None => {
            let s = lookup(ctx, k, input)?;
            let after = input.str("ExclusiveStartShardId")?.map(str::to_owned);
            (s, after)
        }
    };
    let filter = match input.get("ShardFilter") {
        None => None,
        Some(Value::Object(f)) => Some(f),
        Some(_) => return Err(Fail::serialization("ShardFilter", "a structure")),
    };
    let filter_type = filter.and_then(|f| f.get("Type")).and_then(Value::as_str);
    let filter_after = filter
        .and_then(|f| f.get("ShardId"))
        .and_then(Value::as_str);
    let shards: Vec<&Shard> = s
        .shards
        .iter()
        .filter(|sh| after.as_deref().is_none_or(|a| sh.id.as_str() > a))
        .filter(|sh| match filter_type {
            Some("AT_LATEST") => sh.end_seq.is_none(),
            Some("AFTER_SHARD_ID") => filter_after.is_none_or(|a| sh.id.as_str() > a),
            _ => true,
        })
        .collect();
    let more = shards.len() > max;
    let page: Vec<&Shard> = shards.into_iter().take(max).collect();
    let mut out = json!({ "Shards": page.iter().map(|sh| shard_json(sh)).collect::<Vec<_>>() });
    if more && let Some(last) = page.last() {
        out["NextToken"] = json!(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!("{}\n{}", s.name, last.id))
        );
    }

    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ranges_match_aws() {
        let r = even_ranges(3);
        assert_eq!(r[0].0, 0);
        assert_eq!(
            r[0].1.to_string(),
            "113427455640312821154458202477256070484"
        );
        assert_eq!(
            r[1].0.to_string(),
            "113427455640312821154458202477256070485"
        );
        assert_eq!(r[2].1, u128::MAX);
        let one = even_ranges(1);
        assert_eq!(one, vec![(0, u128::MAX)]);
    }

    #[test]
    fn sequence_numbers_round_trip() {
        let s = seq_string(42);
        assert_eq!(s.len(), 56);
        assert_eq!(parse_seq(&s), Some(42));
        assert_eq!(parse_seq("12"), None);
    }

    #[test]
    fn partition_keys_hash_with_md5() {
        // md5("a") = 0cc175b9c0f1b6a831c399e269772661
        assert_eq!(hash_key("a"), 0x0cc1_75b9_c0f1_b6a8_31c3_99e2_6977_2661);
    }
}
