//! `reconcile send`: a test push to endpoints of the spec (the recipe's
//! step 8), with the result of every delivery.
#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use miette::{IntoDiagnostic, Result, WrapErr, miette};
use reconcile_aws::send::{Message, SendReport, Target};
use reconcile_model::LoadedSpec;
use reconcile_model::escape::escape;

use super::common;
use super::table::Table;
use crate::Outcome;
use crate::args::{Connection, Global, TableFormat};
use crate::connect::connect;

/// Send a test push to endpoints of the spec (the recipe's step 8).
/// Exits 1 when a delivery failed.
#[derive(Debug, Args)]
pub struct SendArgs {
    pub spec: PathBuf,
    #[command(flatten)]
    pub conn: Connection,
    /// An endpoint id of the spec (repeat for more; default: all).
    #[arg(long = "endpoint", value_name = "ID")]
    pub endpoints: Vec<String>,
    /// The notification's title.
    #[arg(long, conflicts_with = "template")]
    pub title: Option<String>,
    /// The notification's text.
    #[arg(
        long,
        conflicts_with = "template",
        required_unless_present = "template"
    )]
    pub body: Option<String>,
    /// Send a push template of the spec instead (its key under `templates:`).
    #[arg(long, value_name = "KEY")]
    pub template: Option<String>,
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

pub fn run(global: &Global, args: &SendArgs) -> Result<Outcome> {
    // Credentials are not needed to send: the spec is loaded, not resolved.
    let loaded = common::load_spec(&args.spec)?;
    let targets = targets(&loaded, &chosen_endpoints(&loaded, &args.endpoints)?);
    let message = message(&loaded, args)?;
    let report = super::runtime()?.block_on(async {
        let session = connect(
            &args.conn,
            &global.state_dir,
            loaded.spec.region.as_deref(),
            &loaded.spec.stack,
            &loaded.dir,
        )
        .await?;
        session
            .provider
            .send_test(&targets, &message)
            .await
            .into_diagnostic()
            .wrap_err("cannot send the test push")
    })?;
    let rendered = match args.format {
        TableFormat::Table => render_table(&loaded.spec.stack, &report),
        TableFormat::Json => render_json(&loaded.spec.stack, &report),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(rendered.as_bytes()).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    Ok(if report.all_successful() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

/// The endpoint ids to send to, spelt as the spec spells them: the ones
/// asked for (each must be in the spec), or all of the spec's.
fn chosen_endpoints(loaded: &LoadedSpec, asked: &[String]) -> Result<Vec<String>> {
    let known: Vec<&String> = loaded.spec.endpoints.keys().collect();
    if known.is_empty() {
        return Err(miette!(
            help = "add test devices under `endpoints:` (the recipe's `ios-user-001`, for one)",
            "the spec of stack `{}` has no endpoints to send to",
            loaded.spec.stack
        ));
    }
    if asked.is_empty() {
        return Ok(known.into_iter().cloned().collect());
    }
    let mut out: Vec<String> = Vec::new();
    for id in asked {
        let Some(found) = known.iter().find(|k| k.eq_ignore_ascii_case(id)) else {
            return Err(miette!(
                help = format!(
                    "the spec's endpoints: {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "`{id}` is not an endpoint of the spec"
            ));
        };
        if !out.contains(found) {
            out.push((*found).clone());
        }
    }
    Ok(out)
}

/// The endpoints with their addresses and channel types from the spec
/// (used when AWS no longer serves endpoint ids).
fn targets(loaded: &LoadedSpec, ids: &[String]) -> Vec<Target> {
    ids.iter()
        .map(|id| {
            let e = loaded.spec.endpoints.get(id);
            Target {
                endpoint: id.clone(),
                address: e.and_then(|e| e.address.clone()),
                channel_type: e.and_then(|e| match serde_json::to_value(e.channel_type) {
                    Ok(serde_json::Value::String(s)) => Some(s),
                    _ => None,
                }),
            }
        })
        .collect()
}

/// The message: inline, or a template of the spec by key.
fn message(loaded: &LoadedSpec, args: &SendArgs) -> Result<Message> {
    if let Some(key) = args.template.as_deref() {
        let Some(t) = loaded.spec.templates.get(key) else {
            let keys: Vec<String> = loaded
                .spec
                .templates
                .keys()
                .map(|k| format!("`{k}`"))
                .collect();
            let help = if keys.is_empty() {
                "the spec has no templates".to_owned()
            } else {
                format!("the spec's templates: {}", keys.join(", "))
            };
            return Err(miette!(
                help = help,
                "`{key}` is not a template of the spec"
            ));
        };
        return Ok(Message::Template {
            name: t.name.clone(),
        });
    }
    let body = args.body.as_deref().ok_or_else(|| {
        miette!("give the message with `--body` (and `--title`), or `--template`")
    })?;
    Ok(Message::Inline {
        title: args.title.clone(),
        body: body.to_owned(),
    })
}

fn or_dash(v: Option<&str>) -> String {
    v.unwrap_or("-").to_owned()
}

/// The deliveries as a table, with a closing line. Endpoint ids,
/// addresses and AWS's messages are escaped (the cells by [`Table`]).
pub fn render_table(stack: &str, report: &SendReport) -> String {
    let mut t = Table::new(&["ENDPOINT", "ADDRESS", "STATUS", "CODE", "MESSAGE"]);
    for d in &report.deliveries {
        t.row(vec![
            d.endpoint.clone(),
            or_dash(d.address.as_deref()),
            d.delivery_status.clone(),
            d.status_code
                .map_or_else(|| "-".to_owned(), |c| c.to_string()),
            d.status_message.clone().unwrap_or_default(),
        ]);
    }
    let total = report.deliveries.len();
    let failed = report.deliveries.iter().filter(|d| !d.successful()).count();
    let noun = if total == 1 { "endpoint" } else { "endpoints" };
    let mut out = format!(
        "Test push to {total} {noun} of stack `{}` (app `{}`):\n\n",
        escape(stack),
        escape(&report.app_id)
    );
    if report.via_addresses {
        out.push_str(
            "AWS no longer serves endpoint ids (end of support): sent to the endpoints' addresses.\n\n",
        );
    }
    out.push_str(&t.render());
    out.push('\n');
    if failed == 0 {
        out.push_str("Every delivery succeeded.\n");
    } else {
        let _ = writeln!(out, "{failed} of {total} deliveries failed.");
    }
    out
}

pub fn render_json(stack: &str, report: &SendReport) -> String {
    let value = serde_json::json!({
        "stack": stack,
        "app_id": report.app_id,
        "all_successful": report.all_successful(),
        "via_addresses": report.via_addresses,
        "deliveries": report.deliveries,
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}
