//! `GetApplicationDateRangeKpi` and `GetCampaignDateRangeKpi`, computed from
//! the deliveries the emulator simulated. Values are strings (`"1.0"`), the
//! range is a real ISO-8601 timestamp pair, and no data is `"Rows": []`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::Params;
use super::apps::find;
use super::model::{App, Delivery};
use super::shapes::ChannelType;
use super::util::{Error, Result, fmt_timestamp, json_reply, parse_time};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// The metric part of a KPI name, before any `-grouped-by-...` suffix.
const METRICS: [&str; 10] = [
    "successful-delivery-rate",
    "delivery-rate",
    "unique-deliveries",
    "attempted-deliveries",
    "successful-deliveries",
    "unique-endpoints",
    "email-open-rate",
    "hard-bounce-rate",
    "push-open-rate",
    "clicks",
];

/// Transactional metrics, for applications only.
const TXN_METRICS: [&str; 4] = [
    "txn-emails-sent",
    "txn-emails-delivered",
    "txn-sms-sent",
    "txn-sms-delivered",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    None,
    Date,
    Campaign,
    Activity,
}

/// Splits a KPI name into its metric and grouping, or 400.
fn parse_name(name: &str, campaign: bool) -> Result<(&str, Group)> {
    let (metric, group) = if let Some(m) = name.strip_suffix("-grouped-by-date") {
        (m, Group::Date)
    } else if let Some(m) = name.strip_suffix("-grouped-by-campaign-activity") {
        (m, Group::Activity)
    } else if let Some(m) = name.strip_suffix("-grouped-by-campaign") {
        (m, Group::Campaign)
    } else {
        (name, Group::None)
    };
    let known = METRICS.contains(&metric)
        || (!campaign
            && TXN_METRICS.contains(&metric)
            && matches!(group, Group::None | Group::Date));
    let campaign_group_on_campaign = campaign && group == Group::Campaign;
    let grouped_gauge = metric == "unique-endpoints" && group != Group::None;
    let group_ok = !campaign_group_on_campaign && !grouped_gauge;
    if known && group_ok {
        Ok((metric, group))
    } else {
        Err(Error::bad(format!("Invalid kpi name `{name}`")))
    }
}

/// The `Key` of a value: the metric name in PascalCase.
fn value_key(metric: &str) -> String {
    metric
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn fmt_double(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// The metric over a set of deliveries; `None` when there is no data.
fn compute(metric: &str, ds: &[&Delivery]) -> Option<f64> {
    let attempts = |f: &dyn Fn(&Delivery) -> bool| ds.iter().filter(|d| f(d)).count();
    let rate = |num: usize, den: usize| (den > 0).then(|| num as f64 / den as f64);
    let count = |n: usize| (n > 0).then_some(n as f64);
    let email = |d: &Delivery| d.channel == ChannelType::Email;
    let sms = |d: &Delivery| d.channel == ChannelType::Sms;
    let txn = |d: &Delivery| d.campaign_id.is_none();
    match metric {
        "successful-delivery-rate" | "delivery-rate" => rate(attempts(&|d| d.successful), ds.len()),
        "unique-deliveries" => count(
            ds.iter()
                .filter(|d| d.successful)
                .map(|d| d.target.as_str())
                .collect::<BTreeSet<_>>()
                .len(),
        ),
        "unique-endpoints" => count(
            ds.iter()
                .map(|d| d.target.as_str())
                .collect::<BTreeSet<_>>()
                .len(),
        ),
        "attempted-deliveries" => count(ds.len()),
        "successful-deliveries" => count(attempts(&|d| d.successful)),
        // Nobody opens, clicks or bounces in the emulator: zero over the
        // deliveries of the channel, when there are any.
        "email-open-rate" | "hard-bounce-rate" => rate(0, attempts(&|d| email(d) && d.successful)),
        "push-open-rate" => rate(0, attempts(&|d| d.channel.is_push() && d.successful)),
        "clicks" => rate(0, ds.len()).map(|_| 0.0),
        "txn-emails-sent" => count(attempts(&|d| txn(d) && email(d))),
        "txn-emails-delivered" => count(attempts(&|d| txn(d) && email(d) && d.successful)),
        "txn-sms-sent" => count(attempts(&|d| txn(d) && sms(d))),
        "txn-sms-delivered" => count(attempts(&|d| txn(d) && sms(d) && d.successful)),
        _ => None,
    }
}

fn range(req: &Request, now: OffsetDateTime) -> Result<(OffsetDateTime, OffsetDateTime)> {
    let parse = |name: &str| -> Result<Option<OffsetDateTime>> {
        req.query_param(name)
            .map(|s| {
                parse_time(s)
                    .ok_or_else(|| Error::bad(format!("Invalid {name} `{s}`: use ISO 8601 in UTC")))
            })
            .transpose()
    };
    let end = parse("end-time")?.unwrap_or(now);
    let start = parse("start-time")?.unwrap_or(end - Duration::days(31));
    if start > end {
        return Err(Error::bad("start-time must be before end-time"));
    }
    Ok((start, end))
}

fn row(metric: &str, value: f64, grouped: Option<(&str, &str)>) -> Value {
    let mut r = json!({
        "Values": [{"Key": value_key(metric), "Type": "Double", "Value": fmt_double(value)}]
    });
    if let Some((k, v)) = grouped {
        r["GroupedBys"] = json!([{"Key": k, "Type": "String", "Value": v}]);
    }
    r
}

fn rows(metric: &str, group: Group, ds: &[&Delivery]) -> Vec<Value> {
    let mut groups: BTreeMap<String, Vec<&Delivery>> = BTreeMap::new();
    for d in ds {
        let k = match group {
            Group::None => String::new(),
            Group::Date => {
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(d.at_ms) * 1_000_000)
                    .map(|t| t.date().to_string())
                    .unwrap_or_default()
            }
            Group::Campaign => match &d.campaign_id {
                Some(c) => c.clone(),
                None => continue,
            },
            Group::Activity => match &d.activity_id {
                Some(a) => a.clone(),
                None => continue,
            },
        };
        groups.entry(k).or_default().push(d);
    }
    let group_key = match group {
        Group::None => None,
        Group::Date => Some("Date"),
        Group::Campaign => Some("CampaignId"),
        Group::Activity => Some("CampaignActivityId"),
    };
    groups
        .iter()
        .filter_map(|(k, ds)| {
            compute(metric, ds).map(|v| row(metric, v, group_key.map(|gk| (gk, k.as_str()))))
        })
        .collect()
}

fn gauge(app: &App) -> Vec<Value> {
    if app.endpoints.is_empty() {
        Vec::new()
    } else {
        vec![row("unique-endpoints", app.endpoints.len() as f64, None)]
    }
}

fn kpi(
    ctx: &Ctx,
    state: &State,
    req: &Request,
    p: &Params,
    campaign: Option<&str>,
) -> Result<Reply> {
    let (metric, group) = parse_name(&p.sub, campaign.is_some())?;
    let (start, end) = range(req, ctx.now)?;
    let app = find(state, &p.app)?;
    if let Some(c) = campaign
        && !app.campaigns.contains_key(c)
    {
        return Err(Error::not_found("Campaign not found"));
    }
    let (lo, hi) = (
        (start.unix_timestamp_nanos() / 1_000_000) as i64,
        (end.unix_timestamp_nanos() / 1_000_000) as i64,
    );
    let ds: Vec<&Delivery> = app
        .deliveries
        .iter()
        .filter(|d| lo <= d.at_ms && d.at_ms <= hi)
        .filter(|d| campaign.is_none_or(|c| d.campaign_id.as_deref() == Some(c)))
        .collect();
    let rows = if metric == "unique-endpoints" && campaign.is_none() {
        // The application gauge: how many endpoints the app holds.
        gauge(app)
    } else {
        rows(metric, group, &ds)
    };
    let mut body = json!({
        "ApplicationId": app.id,
        "EndTime": fmt_timestamp(end),
        "KpiName": p.sub,
        "KpiResult": {"Rows": rows},
        "StartTime": fmt_timestamp(start),
    });
    if let Some(c) = campaign {
        body["CampaignId"] = json!(c);
    }
    Ok(json_reply(ctx, 200, &body))
}

pub fn application(ctx: &Ctx, state: &State, req: &Request, p: &Params) -> Result<Reply> {
    kpi(ctx, state, req, p, None)
}

pub fn campaign(ctx: &Ctx, state: &State, req: &Request, p: &Params) -> Result<Reply> {
    kpi(ctx, state, req, p, Some(&p.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpi_names() {
        assert!(parse_name("unique-deliveries", false).is_ok());
        assert!(parse_name("successful-delivery-rate-grouped-by-date", true).is_ok());
        assert!(parse_name("unique-deliveries-grouped-by-campaign", false).is_ok());
        assert!(parse_name("unique-deliveries-grouped-by-campaign", true).is_err());
        assert!(parse_name("txn-sms-sent", true).is_err());
        assert!(parse_name("delivery-rate", true).is_ok());
        assert!(parse_name("made-up-metric", false).is_err());
        assert_eq!(
            value_key("successful-delivery-rate"),
            "SuccessfulDeliveryRate"
        );
        assert_eq!(fmt_double(1368.0), "1368.0");
        assert_eq!(fmt_double(0.5), "0.5");
    }
}
