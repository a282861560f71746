//! IAM over awsQuery: roles (trust policy, tags, description), managed policy
//! attachments (customer policies and a built-in list of AWS managed
//! policies), inline role policies, and customer managed policies.
//!
//! Requests are form bodies (`Action=CreateRole&Version=2010-05-08&…`), replies
//! `<XResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">` documents,
//! errors IAM's `<ErrorResponse>` with the model's status (404
//! `NoSuchEntity`, 409 `EntityAlreadyExists`/`DeleteConflict`/`LimitExceeded`,
//! 400 `ValidationError`/`MalformedPolicyDocument`/`InvalidInput`).
//!
//! # Choices
//!
//! | Behaviour | Emulator |
//! |---|---|
//! | Role names | unique and found case-insensitively (`Foo` and `foo` collide), as AWS documents |
//! | Policy documents in replies | URL-encoded (`%7B%22Version%22…`, spaces as `%20`), as AWS sends them; botocore decodes them, the Rust SDK leaves that to the caller |
//! | Policy document checks | model limits, JSON, an object with a non-empty `Statement`; otherwise 400 `MalformedPolicyDocument` (AWS checks much more: principals, actions, resources) |
//! | `DeleteRole` with policies | 409 `DeleteConflict`, managed ones first ("must detach all policies first"), then inline ones |
//! | `DeletePolicy` while attached | 409 `DeleteConflict` |
//! | AWS managed policies | the ARNs of [`AWS_MANAGED_POLICIES`] attach; any other `arn:aws:iam::aws:policy/…` is 404 `NoSuchEntity`; their documents are not held (`GetPolicyVersion` on them is 404) |
//! | `service-role/AmazonPinpointServiceRole` | accepted because the recipe attaches it; **AWS most likely has no such policy** (moto's list of AWS managed policies, imported from a real account, holds no Pinpoint policy), so real AWS probably answers 404 |
//! | Quotas | 10 managed policies per role, 10,240 non-blank characters of inline policy per role, 50 tags (409 `LimitExceeded`) |
//! | Tag keys | compared case-insensitively (duplicates in one request are 400 `InvalidInput`); `ListRoleTags` sorts by key, `GetRole` keeps tagging order |
//! | Paging | `Marker` is opaque (base64 of a position), `MaxItems` 1–1000, default 100 |
//! | Customer policies | one version, `v1`; `ListPolicies` `Scope` All/AWS/Local, `OnlyAttached`, `PathPrefix` |
//! | Role ids / policy ids | `AROA` / `ANPA` and 17 base32 characters |
//! | `RoleLastUsed` | empty in `GetRole`, absent elsewhere (roles are never used) |

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::query::{self, Form, Xml};
use crate::wire::{Ctx, Reply, Request};

/// The namespace of IAM's XML documents.
pub const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The AWS managed policies the emulator knows, as `(path, name)`. The ARN is
/// `arn:aws:iam::aws:policy{path}{name}`. `service-role/AmazonPinpointServiceRole`
/// is the one the Pinpoint push recipe attaches.
pub const AWS_MANAGED_POLICIES: &[(&str, &str)] = &[
    ("/", "AdministratorAccess"),
    ("/", "PowerUserAccess"),
    ("/", "ReadOnlyAccess"),
    ("/", "IAMReadOnlyAccess"),
    ("/", "AmazonKinesisFullAccess"),
    ("/", "AmazonKinesisReadOnlyAccess"),
    ("/", "AmazonKinesisFirehoseFullAccess"),
    ("/", "CloudWatchFullAccess"),
    ("/", "CloudWatchFullAccessV2"),
    ("/", "CloudWatchReadOnlyAccess"),
    ("/", "AmazonSNSFullAccess"),
    ("/", "AmazonS3ReadOnlyAccess"),
    ("/service-role/", "AmazonPinpointServiceRole"),
    ("/service-role/", "AWSLambdaBasicExecutionRole"),
];

const MAX_MANAGED_PER_ROLE: usize = 10;
const MAX_INLINE_CHARS_PER_ROLE: usize = 10_240;
const MAX_TAGS: usize = 50;

/// IAM's state.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Roles by lower-cased name.
    pub roles: BTreeMap<String, Role>,
    /// Customer managed policies by ARN.
    pub policies: BTreeMap<String, Policy>,
}

/// One role.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Role {
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    /// ISO-8601, seconds precision.
    pub create_date: String,
    /// As the caller sent it (not URL-encoded).
    pub assume_role_policy_document: String,
    pub description: Option<String>,
    pub max_session_duration: i32,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
    /// Attached managed policy ARNs, in attachment order.
    pub attached: Vec<String>,
    /// Inline policies: name to document.
    pub inline: BTreeMap<String, String>,
}

/// A tag, in the order the caller gave it.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A customer managed policy (one version, `v1`).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub path: String,
    pub description: Option<String>,
    pub document: String,
    pub create_date: String,
    pub tags: Vec<Tag>,
}

const OPERATIONS: &[&str] = &[
    "CreateRole",
    "GetRole",
    "DeleteRole",
    "ListRoles",
    "UpdateRole",
    "UpdateAssumeRolePolicy",
    "TagRole",
    "UntagRole",
    "ListRoleTags",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
    "PutRolePolicy",
    "GetRolePolicy",
    "DeleteRolePolicy",
    "ListRolePolicies",
    "CreatePolicy",
    "GetPolicy",
    "GetPolicyVersion",
    "DeletePolicy",
    "ListPolicies",
];

/// The operation a request names, if IAM serves it.
pub fn operation(req: &Request) -> Option<String> {
    let form = Form::parse(&req.body).ok()?;
    let action = form.action()?;
    OPERATIONS.contains(&action).then(|| action.to_owned())
}

/// Whether an operation changes state.
pub fn is_mutating(op: &str) -> bool {
    !(op.starts_with("Get") || op.starts_with("List"))
}

/// An error in IAM's XML shape.
pub fn error(ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
    query::error(ctx, XMLNS, status, code, message)
}

/// The reply to an action IAM does not serve.
pub fn unknown_operation(ctx: &Ctx, req: &Request) -> Reply {
    match Form::parse(&req.body) {
        Err(e) => error(ctx, 400, "MalformedInput", &e.to_string()),
        Ok(form) => match form.action() {
            None => error(ctx, 400, "MissingAction", "Missing Action"),
            Some(a) => error(
                ctx,
                400,
                "InvalidAction",
                &format!("Could not find operation {a} for version 2010-05-08"),
            ),
        },
    }
}

/// Answers one request. Validation happens before any change, so an error
/// leaves the state untouched.
pub fn handle(op: &str, ctx: &Ctx, state: &mut crate::state::State, req: &Request) -> Reply {
    let form = match Form::parse(&req.body) {
        Ok(f) => f,
        Err(e) => return error(ctx, 400, "MalformedInput", &e.to_string()),
    };
    let iam = &mut state.iam;
    let result = match op {
        "CreateRole" => create_role(ctx, iam, &form),
        "GetRole" => get_role(iam, &form),
        "DeleteRole" => delete_role(iam, &form),
        "ListRoles" => list_roles(iam, &form),
        "UpdateRole" => update_role(iam, &form),
        "UpdateAssumeRolePolicy" => update_assume_role_policy(iam, &form),
        "TagRole" => tag_role(iam, &form),
        "UntagRole" => untag_role(iam, &form),
        "ListRoleTags" => list_role_tags(iam, &form),
        "AttachRolePolicy" => attach_role_policy(iam, &form),
        "DetachRolePolicy" => detach_role_policy(iam, &form),
        "ListAttachedRolePolicies" => list_attached_role_policies(iam, &form),
        "PutRolePolicy" => put_role_policy(iam, &form),
        "GetRolePolicy" => get_role_policy(iam, &form),
        "DeleteRolePolicy" => delete_role_policy(iam, &form),
        "ListRolePolicies" => list_role_policies(iam, &form),
        "CreatePolicy" => create_policy(ctx, iam, &form),
        "GetPolicy" => get_policy(iam, &form),
        "GetPolicyVersion" => get_policy_version(iam, &form),
        "DeletePolicy" => delete_policy(iam, &form),
        "ListPolicies" => list_policies(iam, &form),
        _ => Err(Fail::new(
            400,
            "InvalidAction",
            format!("Could not find operation {op} for version 2010-05-08"),
        )),
    };
    match result {
        Ok(Some(xml)) => query::reply(ctx, XMLNS, op, Some(&xml)),
        Ok(None) => query::reply(ctx, XMLNS, op, None),
        Err(f) => error(ctx, f.status, f.code, &f.message),
    }
}

/// An error to answer.
struct Fail {
    status: u16,
    code: &'static str,
    message: String,
}

impl Fail {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationError", message)
    }

    fn no_such_entity(message: impl Into<String>) -> Self {
        Self::new(404, "NoSuchEntity", message)
    }

    fn no_such_role(name: &str) -> Self {
        Self::no_such_entity(format!("The role with name {name} cannot be found."))
    }
}

type Res = Result<Option<String>, Fail>;

// ---- validation -----------------------------------------------------------

fn required<'a>(form: &'a Form, field: &str, member: &str) -> Result<&'a str, Fail> {
    form.get(field).ok_or_else(|| {
        Fail::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

fn constraint(value: &str, member: &str, rule: &str) -> Fail {
    Fail::validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
    ))
}

fn check_len(value: &str, member: &str, min: usize, max: usize) -> Result<(), Fail> {
    let n = value.chars().count();
    if n < min {
        return Err(constraint(
            value,
            member,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if n > max {
        return Err(constraint(
            value,
            member,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// `[\w+=,.@-]+` with a length limit: role and policy names.
fn check_name(value: &str, member: &str, max: usize) -> Result<(), Fail> {
    check_len(value, member, 1, max)?;
    let ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(constraint(
            value,
            member,
            r"Member must satisfy regular expression pattern: [\w+=,.@-]+",
        ))
    }
}

/// `/` or `/…/` of printable ASCII.
fn check_path(value: &str, member: &str) -> Result<(), Fail> {
    check_len(value, member, 1, 512)?;
    let ok = value == "/"
        || (value.len() >= 2
            && value.starts_with('/')
            && value.ends_with('/')
            && value.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c)));
    if ok {
        Ok(())
    } else {
        Err(constraint(
            value,
            member,
            r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ))
    }
}

/// A policy document: within the model's limits, JSON, an object with a
/// `Statement`.
fn check_document(value: &str, member: &str) -> Result<(), Fail> {
    check_len(value, member, 1, 131_072)?;
    if !value
        .chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r') || ('\u{20}'..='\u{ff}').contains(&c))
    {
        return Err(constraint(
            value,
            member,
            r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+",
        ));
    }
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(value) else {
        return Err(Fail::new(
            400,
            "MalformedPolicyDocument",
            "This policy contains invalid Json",
        ));
    };
    let statement_ok = doc
        .get("Statement")
        .is_some_and(|s| s.is_object() || s.as_array().is_some_and(|a| !a.is_empty()));
    if !doc.is_object() || !statement_ok {
        return Err(Fail::new(
            400,
            "MalformedPolicyDocument",
            "Syntax errors in policy.",
        ));
    }
    Ok(())
}

fn check_description(value: &str, member: &str) -> Result<(), Fail> {
    check_len(value, member, 0, 1000)
}

fn parse_int(value: &str, member: &str) -> Result<i64, Fail> {
    value
        .parse()
        .map_err(|_| constraint(value, member, "Member must be an integer"))
}

fn max_session_duration(form: &Form) -> Result<Option<i32>, Fail> {
    let Some(v) = form.get("MaxSessionDuration") else {
        return Ok(None);
    };
    let n = parse_int(v, "maxSessionDuration")?;
    if n < 3600 {
        return Err(constraint(
            v,
            "maxSessionDuration",
            "Member must have value greater than or equal to 3600",
        ));
    }
    if n > 43_200 {
        return Err(constraint(
            v,
            "maxSessionDuration",
            "Member must have value less than or equal to 43200",
        ));
    }
    i32::try_from(n)
        .map(Some)
        .map_err(|_| constraint(v, "maxSessionDuration", "Member must be an integer"))
}

/// Tags from `Tags.member.N.{Key,Value}`: valid, no duplicate keys (keys are
/// compared case-insensitively, as IAM does).
fn tags(form: &Form) -> Result<Vec<Tag>, Fail> {
    let mut out: Vec<Tag> = Vec::new();
    for t in form.struct_list("Tags") {
        let key = t.get("Key").cloned().unwrap_or_default();
        let value = t.get("Value").cloned().unwrap_or_default();
        check_tag(&key, &value)?;
        if out.iter().any(|o| o.key.eq_ignore_ascii_case(&key)) {
            return Err(Fail::new(
                400,
                "InvalidInput",
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
        out.push(Tag { key, value });
    }
    if out.len() > MAX_TAGS {
        return Err(constraint(
            "[…]",
            "tags",
            "Member must have length less than or equal to 50",
        ));
    }
    Ok(out)
}

fn check_tag(key: &str, value: &str) -> Result<(), Fail> {
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    check_len(key, "tags.member.key", 1, 128)?;
    if !key.chars().all(allowed) {
        return Err(constraint(
            key,
            "tags.member.key",
            r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
        ));
    }
    check_len(value, "tags.member.value", 0, 256)?;
    if !value.chars().all(allowed) {
        return Err(constraint(
            value,
            "tags.member.value",
            r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
        ));
    }
    Ok(())
}

/// `Tags` merged into `existing`: same key (case-insensitive) replaces.
fn merge_tags(existing: &[Tag], new: &[Tag]) -> Vec<Tag> {
    let mut out = existing.to_vec();
    for t in new {
        match out.iter_mut().find(|o| o.key.eq_ignore_ascii_case(&t.key)) {
            Some(o) => *o = t.clone(),
            None => out.push(t.clone()),
        }
    }
    out
}

// ---- paging ---------------------------------------------------------------

/// `Marker`/`MaxItems` paging: the marker is the position of the first item
/// of the next page, base64url-encoded (opaque to clients, as AWS's are).
fn page<T>(form: &Form, items: Vec<T>) -> Result<(Vec<T>, Option<String>), Fail> {
    let max = match form.get("MaxItems") {
        None => 100,
        Some(v) => {
            let n = parse_int(v, "maxItems")?;
            if !(1..=1000).contains(&n) {
                return Err(constraint(
                    v,
                    "maxItems",
                    "Member must have value between 1 and 1000",
                ));
            }
            usize::try_from(n).unwrap_or(100)
        }
    };
    let start = match form.get("Marker") {
        None => 0,
        Some(m) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(m)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("at:").and_then(|n| n.parse::<usize>().ok()))
            .ok_or_else(|| Fail::validation("Invalid Marker."))?,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let end = start.saturating_add(page.len());
    let next = (end < total)
        .then(|| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("at:{end}")));
    Ok((page, next))
}

fn paging_xml(x: &mut Xml, next: Option<&str>) {
    x.text("IsTruncated", if next.is_some() { "true" } else { "false" });
    x.opt("Marker", next);
}

// ---- XML ------------------------------------------------------------------

/// RFC 3986 unreserved characters stay; everything else is percent-encoded
/// (spaces as `%20`), which is how IAM returns policy documents.
const DOCUMENT_ENCODE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode_document(doc: &str) -> String {
    percent_encoding::utf8_percent_encode(doc, DOCUMENT_ENCODE).to_string()
}

fn tags_xml(x: &mut Xml, tags: &[Tag]) {
    x.open("Tags");
    for t in tags {
        x.open("member")
            .text("Key", &t.key)
            .text("Value", &t.value)
            .close("member");
    }
    x.close("Tags");
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RoleView {
    /// GetRole: everything, including tags and last use.
    Full,
    /// CreateRole: tags when there are some, no last use.
    Created,
    /// ListRoles: no tags, no permissions boundary, no last use.
    Listed,
}

fn role_xml(x: &mut Xml, r: &Role, view: RoleView) {
    x.text("Path", &r.path)
        .text("RoleName", &r.name)
        .text("RoleId", &r.id)
        .text("Arn", &r.arn)
        .text("CreateDate", &r.create_date)
        .text(
            "AssumeRolePolicyDocument",
            &encode_document(&r.assume_role_policy_document),
        )
        .opt("Description", r.description.as_deref())
        .text("MaxSessionDuration", &r.max_session_duration.to_string());
    if view != RoleView::Listed {
        if let Some(pb) = &r.permissions_boundary {
            x.open("PermissionsBoundary")
                .text("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
                .text("PermissionsBoundaryArn", pb)
                .close("PermissionsBoundary");
        }
        if !r.tags.is_empty() {
            tags_xml(x, &r.tags);
        }
    }
    if view == RoleView::Full {
        x.raw("<RoleLastUsed/>");
    }
}

// ---- identifiers ----------------------------------------------------------

/// An IAM unique id: a four-letter prefix and 17 characters of base32.
fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bytes = [
        *uuid::Uuid::new_v4().as_bytes(),
        *uuid::Uuid::new_v4().as_bytes(),
    ];
    let tail: String = bytes
        .iter()
        .flatten()
        .take(17)
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    format!("{prefix}{tail}")
}

fn iso(ctx: &Ctx) -> String {
    crate::query::iso8601_seconds(ctx.now)
}

fn find_role<'a>(iam: &'a State, name: &str) -> Result<&'a Role, Fail> {
    iam.roles
        .get(&name.to_lowercase())
        .ok_or_else(|| Fail::no_such_role(name))
}

fn role_name(form: &Form) -> Result<&str, Fail> {
    let name = required(form, "RoleName", "roleName")?;
    check_name(name, "roleName", 64)?;
    Ok(name)
}

fn policy_name(form: &Form) -> Result<&str, Fail> {
    let name = required(form, "PolicyName", "policyName")?;
    check_name(name, "policyName", 128)?;
    Ok(name)
}

fn policy_arn(form: &Form) -> Result<&str, Fail> {
    let arn = required(form, "PolicyArn", "policyArn")?;
    check_len(arn, "policyArn", 20, 2048)?;
    if !arn.starts_with("arn:") || arn.split(':').count() < 6 {
        return Err(Fail::new(
            400,
            "InvalidInput",
            format!("ARN {arn} is not valid."),
        ));
    }
    Ok(arn)
}

/// The `(path, name)` of an AWS managed policy ARN the emulator knows.
fn aws_managed(arn: &str) -> Option<(&'static str, &'static str)> {
    let rest = arn.strip_prefix("arn:aws:iam::aws:policy")?;
    AWS_MANAGED_POLICIES
        .iter()
        .find(|(path, name)| rest.strip_prefix(path) == Some(name))
        .copied()
}

fn policy_exists(iam: &State, arn: &str) -> bool {
    iam.policies.contains_key(arn) || aws_managed(arn).is_some()
}

fn not_attachable(arn: &str) -> Fail {
    Fail::no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

// ---- roles ----------------------------------------------------------------

fn create_role(ctx: &Ctx, iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let doc = required(form, "AssumeRolePolicyDocument", "assumeRolePolicyDocument")?;
    check_document(doc, "assumeRolePolicyDocument")?;
    let path = form.get("Path").unwrap_or("/");
    check_path(path, "path")?;
    let description = form.get("Description");
    if let Some(d) = description {
        check_description(d, "description")?;
    }
    let max_session = max_session_duration(form)?.unwrap_or(3600);
    let boundary = form.get("PermissionsBoundary");
    if let Some(b) = boundary
        && !policy_exists(iam, b)
    {
        return Err(Fail::new(
            400,
            "InvalidInput",
            format!("ARN {b} is not valid."),
        ));
    }
    let tags = tags(form)?;
    if iam.roles.contains_key(&name.to_lowercase()) {
        return Err(Fail::new(
            409,
            "EntityAlreadyExists",
            format!("Role with name {name} already exists."),
        ));
    }
    let role = Role {
        name: name.to_owned(),
        path: path.to_owned(),
        id: new_id("AROA"),
        arn: format!("arn:aws:iam::{}:role{path}{name}", ctx.account_id),
        create_date: iso(ctx),
        assume_role_policy_document: doc.to_owned(),
        description: description.map(str::to_owned),
        max_session_duration: max_session,
        permissions_boundary: boundary.map(str::to_owned),
        tags,
        attached: Vec::new(),
        inline: BTreeMap::new(),
    };
    let mut x = Xml::new();
    x.open("Role");
    role_xml(&mut x, &role, RoleView::Created);
    x.close("Role");
    iam.roles.insert(name.to_lowercase(), role);
    Ok(Some(x.finish()))
}

fn get_role(iam: &State, form: &Form) -> Res {
    let role = find_role(iam, role_name(form)?)?;
    let mut x = Xml::new();
    x.open("Role");
    role_xml(&mut x, role, RoleView::Full);
    x.close("Role");
    Ok(Some(x.finish()))
}

fn delete_role(iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let role = find_role(iam, name)?;
    if !role.attached.is_empty() {
        return Err(Fail::new(
            409,
            "DeleteConflict",
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    if !role.inline.is_empty() {
        return Err(Fail::new(
            409,
            "DeleteConflict",
            "Cannot delete entity, must delete policies first.",
        ));
    }
    iam.roles.remove(&name.to_lowercase());
    Ok(None)
}

fn list_roles(iam: &State, form: &Form) -> Res {
    let prefix = form.get("PathPrefix").unwrap_or("/");
    let roles: Vec<&Role> = iam
        .roles
        .values()
        .filter(|r| r.path.starts_with(prefix))
        .collect();
    let (roles, next) = page(form, roles)?;
    let mut x = Xml::new();
    x.open("Roles");
    for r in roles {
        x.open("member");
        role_xml(&mut x, r, RoleView::Listed);
        x.close("member");
    }
    x.close("Roles");
    paging_xml(&mut x, next.as_deref());
    Ok(Some(x.finish()))
}

fn update_role(iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let description = form.get("Description");
    if let Some(d) = description {
        check_description(d, "description")?;
    }
    let max_session = max_session_duration(form)?;
    find_role(iam, name)?;
    if let Some(role) = iam.roles.get_mut(&name.to_lowercase()) {
        if let Some(d) = description {
            role.description = Some(d.to_owned());
        }
        if let Some(m) = max_session {
            role.max_session_duration = m;
        }
    }
    Ok(Some(String::new()))
}

fn update_assume_role_policy(iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let doc = required(form, "PolicyDocument", "policyDocument")?;
    check_document(doc, "policyDocument")?;
    find_role(iam, name)?;
    if let Some(role) = iam.roles.get_mut(&name.to_lowercase()) {
        doc.clone_into(&mut role.assume_role_policy_document);
    }
    Ok(None)
}

fn tag_role(iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let new = tags(form)?;
    if new.is_empty() && form.get("Tags").is_none() {
        required(form, "Tags", "tags")?;
    }
    let role = find_role(iam, name)?;
    let merged = merge_tags(&role.tags, &new);
    if merged.len() > MAX_TAGS {
        return Err(Fail::new(
            409,
            "LimitExceeded",
            format!("The number of tags has reached the maximum limit of {MAX_TAGS}."),
        ));
    }
    if let Some(role) = iam.roles.get_mut(&name.to_lowercase()) {
        role.tags = merged;
    }
    Ok(None)
}

fn untag_role(iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let keys = form.list("TagKeys");
    if keys.is_empty() && form.get("TagKeys").is_none() {
        required(form, "TagKeys", "tagKeys")?;
    }
    find_role(iam, name)?;
    if let Some(role) = iam.roles.get_mut(&name.to_lowercase()) {
        role.tags
            .retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
    }
    Ok(None)
}

/// Tags sorted by key, as moto (whose IAM follows AWS's replies) sorts them.
fn list_role_tags(iam: &State, form: &Form) -> Res {
    let role = find_role(iam, role_name(form)?)?;
    let mut tags = role.tags.clone();
    tags.sort_by(|a, b| a.key.cmp(&b.key));
    let (tags, next) = page(form, tags)?;
    let mut x = Xml::new();
    tags_xml(&mut x, &tags);
    paging_xml(&mut x, next.as_deref());
    Ok(Some(x.finish()))
}

// ---- attachments ----------------------------------------------------------

fn attach_role_policy(iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let arn = policy_arn(form)?;
    let role = find_role(iam, name)?;
    if !policy_exists(iam, arn) {
        return Err(not_attachable(arn));
    }
    if role.attached.iter().any(|a| a == arn) {
        return Ok(None);
    }
    if role.attached.len() >= MAX_MANAGED_PER_ROLE {
        return Err(Fail::new(
            409,
            "LimitExceeded",
            format!("Cannot exceed quota for PoliciesPerRole: {MAX_MANAGED_PER_ROLE}"),
        ));
    }
    if let Some(role) = iam.roles.get_mut(&name.to_lowercase()) {
        role.attached.push(arn.to_owned());
    }
    Ok(None)
}

fn detach_role_policy(iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let arn = policy_arn(form)?;
    let role = find_role(iam, name)?;
    if !role.attached.iter().any(|a| a == arn) {
        return Err(Fail::no_such_entity(format!("Policy {arn} was not found.")));
    }
    if let Some(role) = iam.roles.get_mut(&name.to_lowercase()) {
        role.attached.retain(|a| a != arn);
    }
    Ok(None)
}

fn policy_name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn list_attached_role_policies(iam: &State, form: &Form) -> Res {
    let role = find_role(iam, role_name(form)?)?;
    let prefix = form.get("PathPrefix").unwrap_or("/");
    let attached: Vec<&String> = role
        .attached
        .iter()
        .filter(|arn| policy_path(iam, arn).is_some_and(|p| p.starts_with(prefix)))
        .collect();
    let (attached, next) = page(form, attached)?;
    let mut x = Xml::new();
    x.open("AttachedPolicies");
    for arn in attached {
        x.open("member")
            .text("PolicyName", policy_name_of(arn))
            .text("PolicyArn", arn)
            .close("member");
    }
    x.close("AttachedPolicies");
    paging_xml(&mut x, next.as_deref());
    Ok(Some(x.finish()))
}

fn policy_path<'a>(iam: &'a State, arn: &str) -> Option<&'a str> {
    match iam.policies.get(arn) {
        Some(p) => Some(&p.path),
        None => aws_managed(arn).map(|(path, _)| path),
    }
}

// ---- inline policies ------------------------------------------------------

fn non_blank_len(doc: &str) -> usize {
    doc.chars().filter(|c| !c.is_whitespace()).count()
}

fn put_role_policy(iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let policy = policy_name(form)?;
    let doc = required(form, "PolicyDocument", "policyDocument")?;
    check_document(doc, "policyDocument")?;
    let role = find_role(iam, name)?;
    let total: usize = role
        .inline
        .iter()
        .filter(|(n, _)| n.as_str() != policy)
        .map(|(_, d)| non_blank_len(d))
        .sum::<usize>()
        + non_blank_len(doc);
    if total > MAX_INLINE_CHARS_PER_ROLE {
        return Err(Fail::new(
            409,
            "LimitExceeded",
            format!(
                "Maximum policy size of {MAX_INLINE_CHARS_PER_ROLE} bytes exceeded for role {}",
                role.name
            ),
        ));
    }
    if let Some(role) = iam.roles.get_mut(&name.to_lowercase()) {
        role.inline.insert(policy.to_owned(), doc.to_owned());
    }
    Ok(None)
}

fn no_such_role_policy(policy: &str) -> Fail {
    Fail::no_such_entity(format!(
        "The role policy with name {policy} cannot be found."
    ))
}

fn get_role_policy(iam: &State, form: &Form) -> Res {
    let role = find_role(iam, role_name(form)?)?;
    let policy = policy_name(form)?;
    let doc = role
        .inline
        .get(policy)
        .ok_or_else(|| no_such_role_policy(policy))?;
    let mut x = Xml::new();
    x.text("RoleName", &role.name)
        .text("PolicyName", policy)
        .text("PolicyDocument", &encode_document(doc));
    Ok(Some(x.finish()))
}

fn delete_role_policy(iam: &mut State, form: &Form) -> Res {
    let name = role_name(form)?;
    let policy = policy_name(form)?;
    let role = find_role(iam, name)?;
    if !role.inline.contains_key(policy) {
        return Err(no_such_role_policy(policy));
    }
    if let Some(role) = iam.roles.get_mut(&name.to_lowercase()) {
        role.inline.remove(policy);
    }
    Ok(None)
}

fn list_role_policies(iam: &State, form: &Form) -> Res {
    let role = find_role(iam, role_name(form)?)?;
    let names: Vec<&String> = role.inline.keys().collect();
    let (names, next) = page(form, names)?;
    let mut x = Xml::new();
    x.open("PolicyNames");
    for n in names {
        x.text("member", n);
    }
    x.close("PolicyNames");
    paging_xml(&mut x, next.as_deref());
    Ok(Some(x.finish()))
}

// ---- customer managed policies --------------------------------------------

/// A fixed creation date for the built-in AWS managed policies.
const AWS_MANAGED_DATE: &str = "2015-02-06T18:40:00Z";

fn attachment_count(iam: &State, arn: &str) -> usize {
    iam.roles
        .values()
        .filter(|r| r.attached.iter().any(|a| a == arn))
        .count()
}

fn policy_xml(x: &mut Xml, iam: &State, p: &Policy, with_tags: bool) {
    x.text("PolicyName", &p.name)
        .text("PolicyId", &p.id)
        .text("Arn", &p.arn)
        .text("Path", &p.path)
        .text("DefaultVersionId", "v1")
        .text(
            "AttachmentCount",
            &attachment_count(iam, &p.arn).to_string(),
        )
        .text("PermissionsBoundaryUsageCount", "0")
        .text("IsAttachable", "true")
        .opt("Description", p.description.as_deref())
        .text("CreateDate", &p.create_date)
        .text("UpdateDate", &p.create_date);
    if with_tags && !p.tags.is_empty() {
        tags_xml(x, &p.tags);
    }
}

/// The built-in AWS managed policy `(path, name)` as a [`Policy`].
fn aws_policy(path: &str, name: &str) -> Policy {
    let arn = format!("arn:aws:iam::aws:policy{path}{name}");
    // A stable id derived from the name, so that it does not change between
    // requests.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let tail: String = (0..17)
        .map(|i| {
            for b in name.bytes().chain([i]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            char::from(ALPHABET[usize::try_from(h % 32).unwrap_or(0)])
        })
        .collect();
    Policy {
        name: name.to_owned(),
        id: format!("ANPA{tail}"),
        arn,
        path: path.to_owned(),
        description: None,
        document: String::new(),
        create_date: AWS_MANAGED_DATE.to_owned(),
        tags: Vec::new(),
    }
}

fn create_policy(ctx: &Ctx, iam: &mut State, form: &Form) -> Res {
    let name = policy_name(form)?;
    let doc = required(form, "PolicyDocument", "policyDocument")?;
    check_document(doc, "policyDocument")?;
    let path = form.get("Path").unwrap_or("/");
    check_path(path, "path")?;
    let description = form.get("Description");
    if let Some(d) = description {
        check_description(d, "description")?;
    }
    let tags = tags(form)?;
    let arn = format!("arn:aws:iam::{}:policy{path}{name}", ctx.account_id);
    let clash = iam
        .policies
        .values()
        .any(|p| p.path == path && p.name.eq_ignore_ascii_case(name));
    if clash {
        return Err(Fail::new(
            409,
            "EntityAlreadyExists",
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    let policy = Policy {
        name: name.to_owned(),
        id: new_id("ANPA"),
        arn: arn.clone(),
        path: path.to_owned(),
        description: description.map(str::to_owned),
        document: doc.to_owned(),
        create_date: iso(ctx),
        tags,
    };
    let mut x = Xml::new();
    x.open("Policy");
    policy_xml(&mut x, iam, &policy, true);
    x.close("Policy");
    iam.policies.insert(arn, policy);
    Ok(Some(x.finish()))
}

fn lookup_policy(iam: &State, arn: &str) -> Result<Policy, Fail> {
    if let Some(p) = iam.policies.get(arn) {
        return Ok(p.clone());
    }
    aws_managed(arn)
        .map(|(path, name)| aws_policy(path, name))
        .ok_or_else(|| not_attachable(arn))
}

fn get_policy(iam: &State, form: &Form) -> Res {
    let arn = policy_arn(form)?;
    let p = lookup_policy(iam, arn)?;
    let mut x = Xml::new();
    x.open("Policy");
    policy_xml(&mut x, iam, &p, true);
    x.close("Policy");
    Ok(Some(x.finish()))
}

fn get_policy_version(iam: &State, form: &Form) -> Res {
    let arn = policy_arn(form)?;
    let version = required(form, "VersionId", "versionId")?;
    let Some(p) = iam.policies.get(arn) else {
        return Err(match aws_managed(arn) {
            Some(_) => Fail::no_such_entity(format!(
                "Policy {arn} version {version} is an AWS managed policy whose document the emulator does not hold."
            )),
            None => not_attachable(arn),
        });
    };
    if version != "v1" {
        return Err(Fail::no_such_entity(format!(
            "Policy {arn} version {version} does not exist or is not attachable."
        )));
    }
    let mut x = Xml::new();
    x.open("PolicyVersion")
        .text("Document", &encode_document(&p.document))
        .text("VersionId", "v1")
        .text("IsDefaultVersion", "true")
        .text("CreateDate", &p.create_date)
        .close("PolicyVersion");
    Ok(Some(x.finish()))
}

fn delete_policy(iam: &mut State, form: &Form) -> Res {
    let arn = policy_arn(form)?;
    if !iam.policies.contains_key(arn) {
        if aws_managed(arn).is_some() {
            return Err(Fail::new(
                400,
                "InvalidInput",
                format!("Policy {arn} is an AWS managed policy and cannot be deleted."),
            ));
        }
        return Err(not_attachable(arn));
    }
    if attachment_count(iam, arn) > 0 {
        return Err(Fail::new(
            409,
            "DeleteConflict",
            "Cannot delete a policy attached to entities.",
        ));
    }
    iam.policies.remove(arn);
    Ok(None)
}

fn list_policies(iam: &State, form: &Form) -> Res {
    let scope = form.get("Scope").unwrap_or("All");
    if !["All", "AWS", "Local"].contains(&scope) {
        return Err(constraint(
            scope,
            "scope",
            "Member must satisfy enum value set: [All, AWS, Local]",
        ));
    }
    let only_attached = form.get("OnlyAttached") == Some("true");
    let prefix = form.get("PathPrefix").unwrap_or("/");
    let mut all: Vec<Policy> = Vec::new();
    if scope != "Local" {
        all.extend(AWS_MANAGED_POLICIES.iter().map(|(p, n)| aws_policy(p, n)));
    }
    if scope != "AWS" {
        all.extend(iam.policies.values().cloned());
    }
    all.retain(|p| {
        p.path.starts_with(prefix) && (!only_attached || attachment_count(iam, &p.arn) > 0)
    });
    all.sort_by(|a, b| a.arn.cmp(&b.arn));
    let (policies, next) = page(form, all)?;
    let mut x = Xml::new();
    x.open("Policies");
    for p in &policies {
        x.open("member");
        policy_xml(&mut x, iam, p, false);
        x.close("member");
    }
    x.close("Policies");
    paging_xml(&mut x, next.as_deref());
    Ok(Some(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_percent_encoded_with_percent_20_spaces() {
        assert_eq!(
            encode_document(r#"{"a": "b/c"}"#),
            "%7B%22a%22%3A%20%22b%2Fc%22%7D"
        );
    }

    #[test]
    fn names_follow_the_model_pattern() {
        assert!(check_name("Pinpoint-Role_1+=,.@", "roleName", 64).is_ok());
        assert!(check_name("bad name", "roleName", 64).is_err());
        assert!(check_name(&"a".repeat(65), "roleName", 64).is_err());
        assert!(check_name("", "roleName", 64).is_err());
    }

    #[test]
    fn documents_must_be_json_with_a_statement() {
        assert!(check_document(r#"{"Statement":[{"Effect":"Allow"}]}"#, "d").is_ok());
        assert_eq!(
            check_document("{nope", "d").unwrap_err().code,
            "MalformedPolicyDocument"
        );
        assert_eq!(
            check_document("{}", "d").unwrap_err().code,
            "MalformedPolicyDocument"
        );
    }

    #[test]
    fn knows_the_recipe_policy() {
        assert!(
            aws_managed("arn:aws:iam::aws:policy/service-role/AmazonPinpointServiceRole").is_some()
        );
        assert!(aws_managed("arn:aws:iam::aws:policy/AmazonPinpointServiceRole").is_none());
        assert!(aws_managed("arn:aws:iam::aws:policy/NoSuchPolicy").is_none());
    }
}
