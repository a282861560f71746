//! The alarm operations, on protocol-neutral [`Node`] documents.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::State;
use super::node::Node;
use crate::wire::Ctx;

const COMPARISON_OPERATORS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];
const BAND_OPERATORS: &[&str] = &[
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];
const STATISTICS: &[&str] = &["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
const TREAT_MISSING_DATA: &[&str] = &["breaching", "notBreaching", "ignore", "missing"];
const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];
const STATE_VALUES: &[&str] = &["OK", "ALARM", "INSUFFICIENT_DATA"];
const MAX_TAGS: usize = 50;
/// The state reason of a new alarm, as AWS words it.
pub const INITIAL_REASON: &str = "Unchecked: Initial alarm creation";

/// A metric alarm.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Alarm {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    pub actions_enabled: bool,
    pub ok_actions: Vec<String>,
    pub alarm_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub metric_name: Option<String>,
    pub namespace: Option<String>,
    pub statistic: Option<String>,
    pub extended_statistic: Option<String>,
    pub dimensions: Vec<Dimension>,
    pub period: Option<i64>,
    pub unit: Option<String>,
    pub evaluation_periods: i64,
    pub datapoints_to_alarm: Option<i64>,
    pub threshold: Option<f64>,
    pub comparison_operator: String,
    pub treat_missing_data: Option<String>,
    pub evaluate_low_sample_count_percentile: Option<String>,
    /// Metric math queries, as sent.
    pub metrics: Option<Node>,
    pub threshold_metric_id: Option<String>,
    pub state_value: String,
    pub state_reason: String,
    /// Epoch seconds (emulator clock).
    pub state_updated: f64,
    pub state_transitioned: f64,
    pub configuration_updated: f64,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimension {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// An error to answer.
pub struct Fail {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
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

    fn constraint(value: &str, member: &str, rule: &str) -> Self {
        Self::validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
        ))
    }

    fn null(member: &str) -> Self {
        Self::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }

    fn combination(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterCombination", message)
    }

    fn value(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterValue", message)
    }
}

fn member_name(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// Typed reading of a request document. Query requests carry every leaf as
/// a string, so numbers and booleans are also read from strings.
struct In<'a>(&'a Node);

impl<'a> In<'a> {
    fn has(&self, name: &str) -> bool {
        self.0.get(name).is_some()
    }

    fn str(&self, name: &str) -> Result<Option<&'a str>, Fail> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Node::Str(s)) => Ok(Some(s)),
            Some(_) => Err(Fail::new(
                400,
                "SerializationException",
                format!("`{name}` must be a string"),
            )),
        }
    }

    fn req_str(&self, name: &str) -> Result<&'a str, Fail> {
        self.str(name)?
            .ok_or_else(|| Fail::null(&member_name(name)))
    }

    fn int(&self, name: &str) -> Result<Option<i64>, Fail> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Node::Int(i)) => Ok(Some(*i)),
            Some(Node::Str(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| Fail::value(format!("`{name}` must be an integer, not `{s}`"))),
            Some(_) => Err(Fail::new(
                400,
                "SerializationException",
                format!("`{name}` must be an integer"),
            )),
        }
    }

    fn float(&self, name: &str) -> Result<Option<f64>, Fail> {
        match self.0.get(name) {
            None => Ok(None),
            #[allow(clippy::cast_precision_loss)]
            Some(Node::Int(i)) => Ok(Some(*i as f64)),
            Some(Node::Float(f)) => Ok(Some(*f)),
            Some(Node::Str(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| Fail::value(format!("`{name}` must be a number, not `{s}`"))),
            Some(_) => Err(Fail::new(
                400,
                "SerializationException",
                format!("`{name}` must be a number"),
            )),
        }
    }

    fn bool(&self, name: &str) -> Result<Option<bool>, Fail> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Node::Bool(b)) => Ok(Some(*b)),
            Some(Node::Str(s)) if s == "true" => Ok(Some(true)),
            Some(Node::Str(s)) if s == "false" => Ok(Some(false)),
            Some(_) => Err(Fail::value(format!("`{name}` must be a boolean"))),
        }
    }

    fn list(&self, name: &str) -> Result<Option<&'a [Node]>, Fail> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Node::List(items)) => Ok(Some(items)),
            Some(Node::Str(s)) if s.is_empty() => Ok(Some(&[])),
            Some(_) => Err(Fail::new(
                400,
                "SerializationException",
                format!("`{name}` must be a list"),
            )),
        }
    }

    fn strings(&self, name: &str) -> Result<Option<Vec<String>>, Fail> {
        let Some(items) = self.list(name)? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|i| match i {
                Node::Str(s) => Ok(s.clone()),
                _ => Err(Fail::new(
                    400,
                    "SerializationException",
                    format!("`{name}` must be a list of strings"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

fn check_len(value: &str, member: &str, min: usize, max: usize) -> Result<(), Fail> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(Fail::constraint(
            value,
            member,
            &format!("Member must have length between {min} and {max}"),
        ));
    }
    Ok(())
}

fn check_enum(value: &str, member: &str, allowed: &[&str]) -> Result<(), Fail> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Fail::constraint(
            value,
            member,
            &format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ),
        ))
    }
}

fn alarm_arn(ctx: &Ctx, name: &str) -> String {
    format!(
        "arn:aws:cloudwatch:{}:{}:alarm:{name}",
        ctx.region, ctx.account_id
    )
}

fn now_secs(ctx: &Ctx) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let ms = (ctx.now.unix_timestamp_nanos() / 1_000_000) as f64;
    ms / 1000.0
}

/// Runs an operation; `Ok(None)` for operations without output.
pub fn run(op: &str, ctx: &Ctx, cw: &mut State, input: &Node) -> Result<Option<Node>, Fail> {
    let input = In(input);
    match op {
        "PutMetricAlarm" => put_metric_alarm(ctx, cw, &input).map(|()| None),
        "DescribeAlarms" => describe_alarms(cw, &input).map(Some),
        "DeleteAlarms" => delete_alarms(cw, &input).map(|()| None),
        "TagResource" => tag_resource(ctx, cw, &input).map(|()| Some(Node::map())),
        "UntagResource" => untag_resource(ctx, cw, &input).map(|()| Some(Node::map())),
        "ListTagsForResource" => list_tags(ctx, cw, &input).map(Some),
        _ => Err(Fail::new(
            400,
            "InvalidAction",
            format!("Could not find operation {op}"),
        )),
    }
}

fn actions(input: &In<'_>, name: &str) -> Result<Vec<String>, Fail> {
    let list = input.strings(name)?.unwrap_or_default();
    if list.len() > 5 {
        return Err(Fail::constraint(
            &format!("{list:?}"),
            &member_name(name),
            "Member must have length less than or equal to 5",
        ));
    }
    for a in &list {
        check_len(a, &member_name(name), 1, 1024)?;
        if !a.starts_with("arn:") {
            return Err(Fail::validation(format!("Invalid arn syntax: {a}")));
        }
    }
    Ok(list)
}

fn dimensions(input: &In<'_>) -> Result<Vec<Dimension>, Fail> {
    let Some(items) = input.list("Dimensions")? else {
        return Ok(Vec::new());
    };
    if items.len() > 30 {
        return Err(Fail::constraint(
            "[…]",
            "dimensions",
            "Member must have length less than or equal to 30",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let d = In(d);
            let member = format!("dimensions.{}.member", i + 1);
            let name = d
                .str("Name")?
                .ok_or_else(|| Fail::null(&format!("{member}.name")))?;
            let value = d
                .str("Value")?
                .ok_or_else(|| Fail::null(&format!("{member}.value")))?;
            check_len(name, &format!("{member}.name"), 1, 255)?;
            check_len(value, &format!("{member}.value"), 1, 1024)?;
            Ok(Dimension {
                name: name.to_owned(),
                value: value.to_owned(),
            })
        })
        .collect()
}

fn tags(input: &In<'_>, name: &str) -> Result<Option<Vec<Tag>>, Fail> {
    let Some(items) = input.list(name)? else {
        return Ok(None);
    };
    let mut out: Vec<Tag> = Vec::new();
    for (i, t) in items.iter().enumerate() {
        let t = In(t);
        let member = format!("tags.{}.member", i + 1);
        let key = t
            .str("Key")?
            .ok_or_else(|| Fail::null(&format!("{member}.key")))?;
        let value = t
            .str("Value")?
            .ok_or_else(|| Fail::null(&format!("{member}.value")))?;
        check_len(key, &format!("{member}.key"), 1, 128)?;
        check_len(value, &format!("{member}.value"), 0, 256)?;
        if key.starts_with("aws:") {
            return Err(Fail::value(format!(
                "Tag keys cannot start with `aws:`: {key}"
            )));
        }
        match out.iter_mut().find(|o| o.key == key) {
            Some(o) => value.clone_into(&mut o.value),
            None => out.push(Tag {
                key: key.to_owned(),
                value: value.to_owned(),
            }),
        }
    }
    Ok(Some(out))
}

fn valid_period(p: i64) -> bool {
    p == 10 || p == 20 || p == 30 || (p >= 60 && p % 60 == 0)
}

fn check_metrics(metrics: &[Node]) -> Result<(), Fail> {
    if metrics.is_empty() {
        return Err(Fail::validation("Metrics must contain at least one query"));
    }
    for (i, m) in metrics.iter().enumerate() {
        let q = In(m);
        let member = format!("metrics.{}.member", i + 1);
        let id = q
            .str("Id")?
            .ok_or_else(|| Fail::null(&format!("{member}.id")))?;
        let id_ok = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !id_ok {
            return Err(Fail::validation(format!(
                "Invalid metrics list: the Id `{id}` must start with a lowercase letter and hold only letters, digits and underscores"
            )));
        }
        let has_stat = q.has("MetricStat");
        let has_expr = q.has("Expression");
        if has_stat == has_expr {
            return Err(Fail::validation(format!(
                "Invalid metrics list: the query `{id}` must have exactly one of MetricStat and Expression"
            )));
        }
        if let Some(stat) = m.get("MetricStat") {
            let s = In(stat);
            if !s.has("Metric") {
                return Err(Fail::null(&format!("{member}.metricStat.metric")));
            }
            let period = s
                .int("Period")?
                .ok_or_else(|| Fail::null(&format!("{member}.metricStat.period")))?;
            if !valid_period(period) {
                return Err(Fail::validation(
                    "The parameter MetricStat.Period must be 10, 20, 30 or a multiple of 60",
                ));
            }
            s.str("Stat")?
                .ok_or_else(|| Fail::null(&format!("{member}.metricStat.stat")))?;
        }
    }
    Ok(())
}

fn put_metric_alarm(ctx: &Ctx, cw: &mut State, input: &In<'_>) -> Result<(), Fail> {
    let name = input.req_str("AlarmName")?;
    check_len(name, "alarmName", 1, 255)?;
    let description = input.str("AlarmDescription")?;
    if let Some(d) = description {
        check_len(d, "alarmDescription", 0, 1024)?;
    }
    let actions_enabled = input.bool("ActionsEnabled")?.unwrap_or(true);
    let ok_actions = actions(input, "OKActions")?;
    let alarm_actions = actions(input, "AlarmActions")?;
    let insufficient = actions(input, "InsufficientDataActions")?;
    let evaluation_periods = input
        .int("EvaluationPeriods")?
        .ok_or_else(|| Fail::null("evaluationPeriods"))?;
    if evaluation_periods < 1 {
        return Err(Fail::constraint(
            &evaluation_periods.to_string(),
            "evaluationPeriods",
            "Member must have value greater than or equal to 1",
        ));
    }
    let datapoints = input.int("DatapointsToAlarm")?;
    if let Some(d) = datapoints
        && (d < 1 || d > evaluation_periods)
    {
        return Err(Fail::validation(format!(
            "DatapointsToAlarm ({d}) must be between 1 and EvaluationPeriods ({evaluation_periods})"
        )));
    }
    let comparison = input.req_str("ComparisonOperator")?;
    check_enum(comparison, "comparisonOperator", COMPARISON_OPERATORS)?;
    let treat = input.str("TreatMissingData")?;
    if let Some(t) = treat {
        check_enum(t, "treatMissingData", TREAT_MISSING_DATA)?;
    }
    let low_sample = input.str("EvaluateLowSampleCountPercentile")?;
    if let Some(l) = low_sample {
        check_enum(
            l,
            "evaluateLowSampleCountPercentile",
            &["evaluate", "ignore"],
        )?;
    }
    let threshold = input.float("Threshold")?;
    let threshold_metric_id = input.str("ThresholdMetricId")?;
    let band = BAND_OPERATORS.contains(&comparison);
    if band && threshold_metric_id.is_none() {
        return Err(Fail::combination(format!(
            "ComparisonOperator {comparison} requires ThresholdMetricId"
        )));
    }
    if !band && threshold.is_none() {
        return Err(Fail::null("threshold"));
    }
    if threshold.is_some_and(|t| !t.is_finite()) {
        return Err(Fail::value("Threshold must be a finite number"));
    }

    let metric_name = input.str("MetricName")?;
    let namespace = input.str("Namespace")?;
    let statistic = input.str("Statistic")?;
    let extended = input.str("ExtendedStatistic")?;
    let period = input.int("Period")?;
    let unit = input.str("Unit")?;
    let dims = dimensions(input)?;
    let metrics = input.list("Metrics")?;
    if let Some(u) = unit {
        check_enum(u, "unit", UNITS)?;
    }
    if let Some(s) = statistic {
        check_enum(s, "statistic", STATISTICS)?;
    }
    match metrics {
        Some(metrics) => {
            if metric_name.is_some()
                || namespace.is_some()
                || statistic.is_some()
                || extended.is_some()
                || period.is_some()
                || !dims.is_empty()
            {
                return Err(Fail::combination(
                    "Metrics cannot be combined with MetricName, Namespace, Statistic, ExtendedStatistic, Period or Dimensions",
                ));
            }
            check_metrics(metrics)?;
        }
        None => {
            let metric = metric_name.ok_or_else(|| Fail::null("metricName"))?;
            check_len(metric, "metricName", 1, 255)?;
            let ns = namespace.ok_or_else(|| Fail::null("namespace"))?;
            check_len(ns, "namespace", 1, 255)?;
            if ns.starts_with(':') {
                return Err(Fail::constraint(
                    ns,
                    "namespace",
                    "Member must satisfy regular expression pattern: [^:].*",
                ));
            }
            if statistic.is_some() == extended.is_some() {
                return Err(Fail::combination(
                    "Exactly one of Statistic and ExtendedStatistic must be specified",
                ));
            }
            let p = period.ok_or_else(|| Fail::null("period"))?;
            if !valid_period(p) {
                return Err(Fail::validation(format!(
                    "The parameter Period must be 10, 20, 30 or a multiple of 60, not {p}"
                )));
            }
        }
    }
    let new_tags = tags(input, "Tags")?.unwrap_or_default();
    if new_tags.len() > MAX_TAGS {
        return Err(Fail::value(format!(
            "An alarm can have at most {MAX_TAGS} tags"
        )));
    }

    let now = now_secs(ctx);
    let previous = cw.alarms.get(name);
    let alarm = Alarm {
        name: name.to_owned(),
        arn: alarm_arn(ctx, name),
        description: description.map(str::to_owned),
        actions_enabled,
        ok_actions,
        alarm_actions,
        insufficient_data_actions: insufficient,
        metric_name: metric_name.map(str::to_owned),
        namespace: namespace.map(str::to_owned),
        statistic: statistic.map(str::to_owned),
        extended_statistic: extended.map(str::to_owned),
        dimensions: dims,
        period,
        unit: unit.map(str::to_owned),
        evaluation_periods,
        datapoints_to_alarm: datapoints,
        threshold,
        comparison_operator: comparison.to_owned(),
        treat_missing_data: treat.map(str::to_owned),
        evaluate_low_sample_count_percentile: low_sample.map(str::to_owned),
        metrics: metrics.map(|m| Node::List(m.to_vec())),
        threshold_metric_id: threshold_metric_id.map(str::to_owned),
        state_value: previous
            .map_or_else(|| "INSUFFICIENT_DATA".to_owned(), |p| p.state_value.clone()),
        state_reason: previous
            .map_or_else(|| INITIAL_REASON.to_owned(), |p| p.state_reason.clone()),
        state_updated: previous.map_or(now, |p| p.state_updated),
        state_transitioned: previous.map_or(now, |p| p.state_transitioned),
        configuration_updated: now,
        // Tags given when updating an existing alarm are ignored.
        tags: previous.map_or(new_tags, |p| p.tags.clone()),
    };
    cw.alarms.insert(name.to_owned(), alarm);
    Ok(())
}

fn alarm_node(a: &Alarm) -> Node {
    let mut n = Node::map();
    n.set("AlarmName", Node::str(&a.name));
    n.set("AlarmArn", Node::str(&a.arn));
    n.set_opt("AlarmDescription", a.description.as_deref().map(Node::str));
    n.set(
        "AlarmConfigurationUpdatedTimestamp",
        Node::Time(a.configuration_updated),
    );
    n.set("ActionsEnabled", Node::Bool(a.actions_enabled));
    n.set("OKActions", Node::strs(&a.ok_actions));
    n.set("AlarmActions", Node::strs(&a.alarm_actions));
    n.set(
        "InsufficientDataActions",
        Node::strs(&a.insufficient_data_actions),
    );
    n.set("StateValue", Node::str(&a.state_value));
    n.set("StateReason", Node::str(&a.state_reason));
    n.set("StateUpdatedTimestamp", Node::Time(a.state_updated));
    n.set_opt("MetricName", a.metric_name.as_deref().map(Node::str));
    n.set_opt("Namespace", a.namespace.as_deref().map(Node::str));
    n.set_opt("Statistic", a.statistic.as_deref().map(Node::str));
    n.set_opt(
        "ExtendedStatistic",
        a.extended_statistic.as_deref().map(Node::str),
    );
    n.set(
        "Dimensions",
        Node::List(
            a.dimensions
                .iter()
                .map(|d| {
                    let mut m = Node::map();
                    m.set("Name", Node::str(&d.name));
                    m.set("Value", Node::str(&d.value));
                    m
                })
                .collect(),
        ),
    );
    n.set_opt("Period", a.period.map(Node::Int));
    n.set_opt("Unit", a.unit.as_deref().map(Node::str));
    n.set("EvaluationPeriods", Node::Int(a.evaluation_periods));
    n.set_opt("DatapointsToAlarm", a.datapoints_to_alarm.map(Node::Int));
    n.set_opt("Threshold", a.threshold.map(Node::Float));
    n.set("ComparisonOperator", Node::str(&a.comparison_operator));
    n.set_opt(
        "TreatMissingData",
        a.treat_missing_data.as_deref().map(Node::str),
    );
    n.set_opt(
        "EvaluateLowSampleCountPercentile",
        a.evaluate_low_sample_count_percentile
            .as_deref()
            .map(Node::str),
    );
    n.set_opt("Metrics", a.metrics.clone());
    n.set_opt(
        "ThresholdMetricId",
        a.threshold_metric_id.as_deref().map(Node::str),
    );
    n.set(
        "StateTransitionedTimestamp",
        Node::Time(a.state_transitioned),
    );
    n
}

fn describe_alarms(cw: &State, input: &In<'_>) -> Result<Node, Fail> {
    let names = input.strings("AlarmNames")?;
    if names.as_ref().is_some_and(|n| n.len() > 100) {
        return Err(Fail::constraint(
            "[…]",
            "alarmNames",
            "Member must have length less than or equal to 100",
        ));
    }
    let prefix = input.str("AlarmNamePrefix")?;
    if names.as_ref().is_some_and(|n| !n.is_empty()) && prefix.is_some() {
        return Err(Fail::combination(
            "AlarmNames and AlarmNamePrefix cannot be specified together",
        ));
    }
    let state = input.str("StateValue")?;
    if let Some(s) = state {
        check_enum(s, "stateValue", STATE_VALUES)?;
    }
    let action_prefix = input.str("ActionPrefix")?;
    let types = input.strings("AlarmTypes")?;
    if let Some(types) = &types {
        for t in types {
            check_enum(t, "alarmTypes", &["CompositeAlarm", "MetricAlarm"])?;
        }
    }
    let want_metric = types
        .as_ref()
        .is_none_or(|t| t.is_empty() || t.iter().any(|t| t == "MetricAlarm"));
    let max = input.int("MaxRecords")?.unwrap_or(50);
    if !(1..=100).contains(&max) {
        return Err(Fail::constraint(
            &max.to_string(),
            "maxRecords",
            "Member must have value between 1 and 100",
        ));
    }
    let max = usize::try_from(max).unwrap_or(50);
    let start = match input.str("NextToken")? {
        None => None,
        Some(t) => Some(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    Fail::new(
                        400,
                        "InvalidNextToken",
                        "The service couldn't process the NextToken.",
                    )
                })?,
        ),
    };
    let matching: Vec<&Alarm> = cw
        .alarms
        .values()
        .filter(|_| want_metric)
        .filter(|a| {
            names
                .as_ref()
                .is_none_or(|n| n.is_empty() || n.contains(&a.name))
        })
        .filter(|a| prefix.is_none_or(|p| a.name.starts_with(p)))
        .filter(|a| state.is_none_or(|s| a.state_value == s))
        .filter(|a| {
            action_prefix.is_none_or(|p| {
                a.ok_actions
                    .iter()
                    .chain(&a.alarm_actions)
                    .chain(&a.insufficient_data_actions)
                    .any(|x| x.starts_with(p))
            })
        })
        .filter(|a| start.as_deref().is_none_or(|s| a.name.as_str() >= s))
        .collect();
    let mut out = Node::map();
    out.set("CompositeAlarms", Node::List(Vec::new()));
    out.set(
        "MetricAlarms",
        Node::List(matching.iter().take(max).map(|a| alarm_node(a)).collect()),
    );
    if let Some(next) = matching.get(max) {
        out.set(
            "NextToken",
            Node::str(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&next.name)),
        );
    }
    Ok(out)
}

fn delete_alarms(cw: &mut State, input: &In<'_>) -> Result<(), Fail> {
    let names = input
        .strings("AlarmNames")?
        .ok_or_else(|| Fail::null("alarmNames"))?;
    if names.len() > 100 {
        return Err(Fail::constraint(
            "[…]",
            "alarmNames",
            "Member must have length less than or equal to 100",
        ));
    }
    for n in &names {
        cw.alarms.remove(n);
    }
    Ok(())
}

/// The alarm an ARN names: malformed ARNs are 400 `InvalidParameterValue`,
/// unknown alarms 404 `ResourceNotFoundException`.
fn alarm_of<'a>(ctx: &Ctx, cw: &'a State, arn: &str) -> Result<&'a Alarm, Fail> {
    let prefix = format!(
        "arn:aws:cloudwatch:{}:{}:alarm:",
        ctx.region, ctx.account_id
    );
    let name = arn.strip_prefix(&prefix).filter(|n| !n.is_empty());
    let Some(name) = name else {
        if arn.starts_with("arn:aws:cloudwatch:") {
            return Err(Fail::new(
                404,
                "ResourceNotFoundException",
                format!("{arn} not found"),
            ));
        }
        return Err(Fail::value(format!("Invalid ARN: {arn}")));
    };
    cw.alarms.get(name).ok_or_else(|| {
        Fail::new(
            404,
            "ResourceNotFoundException",
            format!("Alarm {name} not found"),
        )
    })
}

fn tag_resource(ctx: &Ctx, cw: &mut State, input: &In<'_>) -> Result<(), Fail> {
    let arn = input.req_str("ResourceARN")?;
    let new = tags(input, "Tags")?.ok_or_else(|| Fail::null("tags"))?;
    let alarm = alarm_of(ctx, cw, arn)?;
    let mut merged = alarm.tags.clone();
    for t in new {
        match merged.iter_mut().find(|o| o.key == t.key) {
            Some(o) => o.value = t.value,
            None => merged.push(t),
        }
    }
    if merged.len() > MAX_TAGS {
        return Err(Fail::value(format!(
            "An alarm can have at most {MAX_TAGS} tags"
        )));
    }
    let name = alarm.name.clone();
    if let Some(a) = cw.alarms.get_mut(&name) {
        a.tags = merged;
    }
    Ok(())
}

fn untag_resource(ctx: &Ctx, cw: &mut State, input: &In<'_>) -> Result<(), Fail> {
    let arn = input.req_str("ResourceARN")?;
    let keys = input
        .strings("TagKeys")?
        .ok_or_else(|| Fail::null("tagKeys"))?;
    let name = alarm_of(ctx, cw, arn)?.name.clone();
    if let Some(a) = cw.alarms.get_mut(&name) {
        a.tags.retain(|t| !keys.contains(&t.key));
    }
    Ok(())
}

fn list_tags(ctx: &Ctx, cw: &State, input: &In<'_>) -> Result<Node, Fail> {
    let arn = input.req_str("ResourceARN")?;
    let alarm = alarm_of(ctx, cw, arn)?;
    let mut out = Node::map();
    out.set(
        "Tags",
        Node::List(
            alarm
                .tags
                .iter()
                .map(|t| {
                    let mut m = Node::map();
                    m.set("Key", Node::str(&t.key));
                    m.set("Value", Node::str(&t.value));
                    m
                })
                .collect(),
        ),
    );
    Ok(out)
}
