//! Secrets Manager over awsJson1.1, only `GetRandomPassword`: the recipe's
//! preparation makes its resource suffix with it. No secrets are stored.

use rand::Rng;
use serde_json::Value;

use crate::awsjson;
use crate::wire::{Ctx, Reply, Request};

const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The operation a request names, if it is served here.
pub fn operation(req: &Request) -> Option<String> {
    let op = awsjson::target_operation(req, "secretsmanager")?;
    (op == "GetRandomPassword").then(|| op.to_owned())
}

/// An error in awsJson1.1's shape.
pub fn error(ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
    awsjson::error(ctx, "1.1", status, code, message)
}

fn invalid(ctx: &Ctx, message: &str) -> Reply {
    error(ctx, 400, "InvalidParameterException", message)
}

/// Answers `GetRandomPassword` with the documented defaults (32 characters,
/// every character type, each type required).
pub fn handle(op: &str, ctx: &Ctx, req: &Request) -> Reply {
    if op != "GetRandomPassword" {
        return error(ctx, 400, "UnknownOperationException", op);
    }
    let input = match awsjson::body(req) {
        Ok(m) => m,
        Err((status, code, message)) => return error(ctx, status, code, &message),
    };
    let flag = |name: &str| input.get(name).and_then(Value::as_bool).unwrap_or(false);
    let length = match input.get("PasswordLength") {
        None => 32,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=4096) => usize::try_from(n).unwrap_or(32),
            _ => return invalid(ctx, "PasswordLength must be between 1 and 4096"),
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
        return invalid(ctx, "The password would have no characters to choose from");
    }
    let require_each = input
        .get("RequireEachIncludedType")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if require_each && length < classes.len() {
        return invalid(
            ctx,
            "PasswordLength is too short to include every required character type",
        );
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
    awsjson::reply(
        ctx,
        "1.1",
        &serde_json::json!({ "RandomPassword": password }),
    )
}
