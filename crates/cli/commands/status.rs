//! `reconcile status`: the recipe's validation section in one command.
#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use miette::{IntoDiagnostic, Result, WrapErr, miette};
use reconcile_aws::status::{Part, StatusReport, Window};
use reconcile_model::credentials::{self, Certificate, Health, Level};
use reconcile_model::escape::escape;
use time::{Duration, OffsetDateTime};

use super::common;
use super::table::Table;
use crate::Outcome;
use crate::args::{Connection, Global, TableFormat};
use crate::connect::connect;

/// Show the stack as it is in the account: app, channels, endpoints,
/// segments, templates, campaigns and their last run, event stream,
/// alarms, KPIs (the recipe's validation), and the health of the push
/// credentials. Exits 3 when AWS no longer serves some part.
#[derive(Debug, Args)]
pub struct StatusArgs {
    pub spec: PathBuf,
    #[command(flatten)]
    pub conn: Connection,
    /// The KPIs' window, back from now: days (`7d`) or hours (`24h`).
    #[arg(long, default_value = "7d")]
    pub since: String,
    /// Output format (default: a table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<TableFormat>,
    /// Exit 1 when an APNs certificate of the spec has expired or
    /// expires within this many days.
    #[arg(long, value_name = "DAYS")]
    pub fail_on_expiry: Option<u32>,
}

pub fn run(global: &Global, args: &StatusArgs) -> Result<Outcome> {
    let since = parse_since(&args.since)?;
    // Credentials are not needed to read: the spec is loaded, not resolved.
    let loaded = common::load_spec(&args.spec)?;
    let desired = loaded.spec.unsealed_resources();
    let end = OffsetDateTime::now_utc();
    let window = Window {
        start: end - since,
        end,
    };
    let (report, health) = super::runtime()?.block_on(async {
        let session = connect(
            &args.conn,
            &global.state_dir,
            loaded.spec.region.as_deref(),
            &loaded.spec.stack,
            &loaded.dir,
        )
        .await?;
        let report = session
            .provider
            .status(&desired, window)
            .await
            .into_diagnostic()
            .wrap_err("cannot read the stack")?;
        // The push credentials, from the spec's secrets (those kept in SSM
        // or Secrets Manager read once; a reference that does not resolve is
        // left out of the checks).
        let remote = loaded.spec.remote_secrets();
        if !remote.is_empty() {
            session.provider.fetch_secrets(&remote).await;
        }
        let health = credentials::check(
            &loaded.spec,
            &session.provider.secrets(),
            end,
            Duration::days(common::EXPIRY_WARNING_DAYS),
        );
        Ok::<_, miette::Report>((report, health))
    })?;
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        TableFormat::Table
    } else {
        TableFormat::Json
    });
    let rendered = match format {
        TableFormat::Table => {
            let mut t = render_table(&report);
            t.push_str(&render_credentials(&health, end));
            t
        }
        TableFormat::Json => {
            let mut value = serde_json::to_value(&report).into_diagnostic()?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert(
                    "credentials".to_owned(),
                    serde_json::to_value(&health).into_diagnostic()?,
                );
            }
            let mut s = serde_json::to_string_pretty(&value).into_diagnostic()?;
            s.push('\n');
            s
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(rendered.as_bytes()).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    drop(out);
    let expiring = args.fail_on_expiry.map(|days| expiring(&health, end, days));
    if let (Some(days), Some(certs)) = (args.fail_on_expiry, &expiring) {
        for c in certs {
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "error: `{}` ({}) expires {} ({}), within --fail-on-expiry {days} days",
                    escape(&c.path),
                    escape(&c.subject),
                    c.not_after.date(),
                    days_left(c.not_after, end)
                );
            }
        }
    }
    Ok(
        if report.has_failures() || expiring.is_some_and(|c| !c.is_empty()) {
            Outcome::Failure
        } else if report.has_unavailable() {
            Outcome::Unavailable
        } else {
            Outcome::Success
        },
    )
}

/// `7d`, `24h`: a number of days or hours.
pub fn parse_since(s: &str) -> Result<Duration> {
    let t = s.trim();
    let parsed = t
        .strip_suffix('d')
        .map(|n| (n, 86_400))
        .or_else(|| t.strip_suffix('h').map(|n| (n, 3_600)));
    match parsed.and_then(|(n, unit)| Some((n.parse::<i64>().ok()?, unit))) {
        Some((n, unit)) if n > 0 && n <= 3_650 * 24 => Ok(Duration::seconds(n * unit)),
        _ => Err(miette!(
            help = "write a number of days or hours: `7d`, `24h`",
            "`--since {s}` is not a window"
        )),
    }
}

fn dash(v: Option<&str>) -> String {
    v.unwrap_or("-").to_owned()
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".to_owned(),
        Some(false) => "no".to_owned(),
        None => "-".to_owned(),
    }
}

fn missing(present: bool) -> String {
    if present {
        String::new()
    } else {
        "not in the account".to_owned()
    }
}

/// AWS's messages, each printed once at the end and referred to by
/// number (`[1]`) where it applies.
#[derive(Default)]
struct Footnotes(Vec<String>);

impl Footnotes {
    fn mark(&mut self, message: &str) -> String {
        let n = match self.0.iter().position(|m| m == message) {
            Some(i) => i + 1,
            None => {
                self.0.push(message.to_owned());
                self.0.len()
            }
        };
        format!("[{n}]")
    }

    /// What a part that was not read shows.
    fn why<T>(&mut self, part: &Part<T>) -> Option<String> {
        match part {
            Part::Ok { .. } => None,
            Part::Unavailable { message } => Some(format!(
                "unavailable: AWS no longer serves this {}",
                self.mark(message)
            )),
            Part::Failed { message } => Some(format!("could not be read {}", self.mark(message))),
        }
    }
}

/// A section: its heading, then the table or why there is none.
fn section<T>(
    out: &mut String,
    notes: &mut Footnotes,
    title: &str,
    part: &Part<T>,
    body: impl FnOnce(&T) -> String,
) {
    let _ = writeln!(out, "\n{title}");
    match (part, notes.why(part)) {
        (Part::Ok { value }, _) => out.push_str(&body(value)),
        (_, Some(why)) => {
            let _ = writeln!(out, "  {why}");
        }
        (_, None) => {}
    }
}

fn table_or_none(t: &Table, none: &str) -> String {
    if t.is_empty() {
        format!("  {none}\n")
    } else {
        t.render()
    }
}

fn kpi_value(name: &str, v: f64) -> String {
    if name.contains("rate") {
        format!("{:.1}%", v * 100.0)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// The report for people. Names, ids and AWS's messages are escaped (the
/// tables' cells by [`Table`]).
pub fn render_table(r: &StatusReport) -> String {
    let mut out = format!("Stack `{}` in {}\n", escape(&r.stack), escape(&r.region));
    let mut notes = Footnotes::default();
    match &r.app {
        Some(app) => {
            let _ = writeln!(out, "App   {} (id {})", escape(&app.name), escape(&app.id));
        }
        None => {
            out.push_str("App   none: no app carries this stack's tags here (apply the spec)\n");
        }
    }

    section(&mut out, &mut notes, "CHANNELS", &r.channels, |cs| {
        let mut t =
            Table::new(&["CHANNEL", "ENABLED", "AUTHENTICATION", "VERSION", "NOTE"]).indent(2);
        for c in cs {
            t.row(vec![
                c.channel.clone(),
                yes_no(c.enabled),
                dash(c.authentication_method.as_deref()),
                c.version.map_or_else(|| "-".to_owned(), |v| v.to_string()),
                missing(c.present),
            ]);
        }
        table_or_none(&t, "none")
    });

    section(&mut out, &mut notes, "ENDPOINTS", &r.endpoints, |es| {
        let mut t = Table::new(&["ID", "CHANNEL", "ADDRESS", "USER", "OPT OUT", "NOTE"]).indent(2);
        for e in es {
            t.row(vec![
                e.id.clone(),
                dash(e.channel_type.as_deref()),
                dash(e.address.as_deref()),
                dash(e.user_id.as_deref()),
                dash(e.opt_out.as_deref()),
                missing(e.present),
            ]);
        }
        table_or_none(&t, "none")
    });

    section(&mut out, &mut notes, "SEGMENTS", &r.segments, |ss| {
        let mut t = Table::new(&["KEY", "NAME", "ID", "VERSION", "NOTE"]).indent(2);
        for s in ss {
            t.row(vec![
                s.key.clone(),
                dash(s.name.as_deref()),
                dash(s.id.as_deref()),
                s.version.map_or_else(|| "-".to_owned(), |v| v.to_string()),
                missing(s.present),
            ]);
        }
        table_or_none(&t, "none")
    });

    section(&mut out, &mut notes, "TEMPLATES", &r.templates, |ts| {
        let mut t = Table::new(&["KEY", "NAME", "ACTIVE VERSION", "NOTE"]).indent(2);
        for x in ts {
            t.row(vec![
                x.key.clone(),
                dash(x.name.as_deref()),
                dash(x.active_version.as_deref()),
                x.error.clone().unwrap_or_else(|| missing(x.present)),
            ]);
        }
        table_or_none(&t, "none")
    });

    section(&mut out, &mut notes, "CAMPAIGNS", &r.campaigns, |cs| {
        let mut t = Table::new(&[
            "KEY",
            "NAME",
            "STATE",
            "VERSION",
            "LAST RUN",
            "DELIVERED",
            "NOTE",
        ])
        .indent(2);
        for c in cs {
            let (run, delivered) = match &c.last_activity {
                Some(a) => (
                    format!(
                        "{} {}",
                        a.start.as_deref().unwrap_or("?"),
                        a.state.as_deref().unwrap_or("?")
                    ),
                    format!(
                        "{}/{}",
                        a.successful_endpoint_count.unwrap_or(0),
                        a.total_endpoint_count.unwrap_or(0)
                    ),
                ),
                None if c.present => ("never".to_owned(), "-".to_owned()),
                None => ("-".to_owned(), "-".to_owned()),
            };
            t.row(vec![
                c.key.clone(),
                dash(c.name.as_deref()),
                dash(c.state.as_deref()),
                c.version.map_or_else(|| "-".to_owned(), |v| v.to_string()),
                run,
                delivered,
                c.error.clone().unwrap_or_else(|| missing(c.present)),
            ]);
        }
        table_or_none(&t, "none")
    });

    section(
        &mut out,
        &mut notes,
        "EVENT STREAM",
        &r.event_stream,
        |es| match es {
            None => "  none\n".to_owned(),
            Some(es) if !es.present => "  not in the account\n".to_owned(),
            Some(es) => format!(
                "  stream  {}\n  role    {}\n",
                escape(&dash(es.destination_stream_arn.as_deref())),
                escape(&dash(es.role_arn.as_deref()))
            ),
        },
    );

    section(&mut out, &mut notes, "ALARMS", &r.alarms, |as_| {
        let mut t = Table::new(&["KEY", "NAME", "STATE", "METRIC", "NOTE"]).indent(2);
        for a in as_ {
            t.row(vec![
                a.key.clone(),
                dash(a.name.as_deref()),
                dash(a.state.as_deref()),
                dash(a.metric_name.as_deref()),
                missing(a.present),
            ]);
        }
        table_or_none(&t, "none")
    });

    let _ = writeln!(out, "\nKPIS ({} to {})", r.kpis.start, r.kpis.end);
    if r.kpis.values.is_empty() && r.app.is_none() {
        out.push_str("  none (no app)\n");
    } else if r.kpis.values.is_empty() {
        out.push_str(
            "  not asked: AWS retired Pinpoint's analytics on 2026-10-30 (`--api classic` asks)\n",
        );
    } else {
        let mut t = Table::new(&["KPI", "VALUE"]).indent(2);
        for k in &r.kpis.values {
            let v = match &k.value {
                Part::Ok { value: Some(v) } => kpi_value(&k.name, *v),
                Part::Ok { value: None } => "no data".to_owned(),
                part => notes.why(part).unwrap_or_default(),
            };
            t.row(vec![k.name.clone(), v]);
        }
        out.push_str(&t.render());
    }
    if !notes.0.is_empty() {
        out.push('\n');
        for (i, m) in notes.0.iter().enumerate() {
            let _ = writeln!(out, "[{}] {}", i + 1, escape(m));
        }
    }
    out
}

/// The certificates that have expired or expire within `days` of `now`.
fn expiring(health: &Health, now: OffsetDateTime, days: u32) -> Vec<&Certificate> {
    health
        .certificates
        .iter()
        .filter(|c| c.not_after <= now + Duration::days(i64::from(days)))
        .collect()
}

/// `in 12 days`, `3 days ago`.
fn days_left(not_after: OffsetDateTime, now: OffsetDateTime) -> String {
    let days = (not_after - now).whole_days();
    if days >= 0 {
        format!("in {days} days")
    } else {
        format!("{} days ago", -days)
    }
}

/// The push credentials section: each APNs certificate with its expiry,
/// then what the checks found. Subjects and dates only, never a secret.
fn render_credentials(health: &Health, now: OffsetDateTime) -> String {
    let mut out = String::from("\nCREDENTIALS\n");
    if health.certificates.is_empty() && health.findings.is_empty() {
        out.push_str("  no problem found\n");
        return out;
    }
    if !health.certificates.is_empty() {
        let mut t = Table::new(&["FIELD", "SUBJECT", "EXPIRES", "WHEN", "ENVIRONMENT"]).indent(2);
        for c in &health.certificates {
            t.row(vec![
                c.path.clone(),
                c.subject.clone(),
                c.not_after.date().to_string(),
                days_left(c.not_after, now),
                c.environment
                    .map_or_else(|| "-".to_owned(), |e| format!("{e:?}").to_lowercase()),
            ]);
        }
        out.push_str(&t.render());
    }
    for f in &health.findings {
        let level = match f.level {
            Level::Problem => "problem",
            Level::Warning => "warning",
        };
        let _ = writeln!(out, "  {level}: {}", escape(&f.message));
        if let Some(h) = &f.hint {
            let _ = writeln!(out, "    hint: {}", escape(h));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_days_or_hours() {
        assert_eq!(parse_since("7d").unwrap(), Duration::days(7));
        assert_eq!(parse_since("24h").unwrap(), Duration::hours(24));
        for bad in ["", "7", "0d", "-1h", "1w", "d"] {
            assert!(parse_since(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kpis_read_as_numbers_and_percentages() {
        assert_eq!(kpi_value("successful-delivery-rate", 0.5), "50.0%");
        assert_eq!(kpi_value("unique-deliveries", 2.0), "2");
    }
}
