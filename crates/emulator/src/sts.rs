//! STS over awsQuery, only `GetCallerIdentity`: the recipe's preparation
//! reads the account id from it (`aws sts get-caller-identity --query Account`).
//! The caller is always the emulator's fixed IAM user in the configured
//! account.

use crate::query::{self, Form};
use crate::wire::{Ctx, Reply, Request};

/// The namespace of STS's XML documents.
pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The user id of the caller every request is answered for.
pub const CALLER_USER_ID: &str = "AIDAEMULATOREXAMPLE01";

/// The operation a request names, if STS here serves it.
pub fn operation(req: &Request) -> Option<String> {
    let form = Form::parse(&req.body).ok()?;
    (form.action()? == "GetCallerIdentity").then(|| "GetCallerIdentity".to_owned())
}

/// Answers `GetCallerIdentity`.
pub fn handle(op: &str, ctx: &Ctx, _req: &Request) -> Reply {
    if op != "GetCallerIdentity" {
        return error(
            ctx,
            400,
            "InvalidAction",
            &format!("Could not find operation {op} for version 2011-06-15"),
        );
    }
    let mut x = query::Xml::new();
    x.text(
        "Arn",
        &format!("arn:aws:iam::{}:user/emulator", ctx.account_id),
    )
    .text("UserId", CALLER_USER_ID)
    .text("Account", &ctx.account_id);
    query::reply(ctx, XMLNS, op, Some(&x.finish()))
}

/// An error in STS's XML shape.
pub fn error(ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
    query::error(ctx, XMLNS, status, code, message)
}

/// The reply to an action not served here.
pub fn unknown_operation(ctx: &Ctx, req: &Request) -> Reply {
    let action = Form::parse(&req.body)
        .ok()
        .and_then(|f| f.action().map(str::to_owned))
        .unwrap_or_default();
    error(
        ctx,
        400,
        "InvalidAction",
        &format!("Could not find operation {action} for version 2011-06-15"),
    )
}
