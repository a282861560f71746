//! CloudWatch through the real `aws-sdk-cloudwatch` client (Smithy RPC v2
//! CBOR), plus the awsQuery and awsJson1.0 modes on the raw wire.
#![allow(clippy::redundant_closure_for_method_calls)] // `is_some_and(|e| e.is_x())` reads best

mod harness;

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, StateValue, Statistic, Tag};
use axum::body::Body;
use axum::http::StatusCode;
use harness::{code, message};

const APP_ID: &str = "a1b2c3d4e5f6";

/// The recipe's first alarm.
fn recipe_alarm(
    cw: &aws_sdk_cloudwatch::Client,
    name: &str,
) -> aws_sdk_cloudwatch::operation::put_metric_alarm::builders::PutMetricAlarmFluentBuilder {
    cw.put_metric_alarm()
        .alarm_name(name)
        .alarm_description("Alert when push notification failures exceed threshold")
        .metric_name("DirectSendMessagePermanentFailure")
        .namespace("AWS/Pinpoint")
        .statistic(Statistic::Sum)
        .period(300)
        .threshold(5.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .evaluation_periods(2)
        .dimensions(
            Dimension::builder()
                .name("ApplicationId")
                .value(APP_ID)
                .build(),
        )
}

#[tokio::test]
async fn put_describe_delete() {
    let em = harness::start().await;
    let cw = harness::cloudwatch(&em.url);
    recipe_alarm(&cw, "PinpointPushFailures-abc123")
        .tags(Tag::builder().key("team").value("push").build())
        .send()
        .await
        .expect("put");

    let out = cw
        .describe_alarms()
        .alarm_names("PinpointPushFailures-abc123")
        .send()
        .await
        .expect("describe");
    let alarms = out.metric_alarms();
    assert_eq!(alarms.len(), 1);
    let a = &alarms[0];
    assert_eq!(a.alarm_name(), Some("PinpointPushFailures-abc123"));
    assert_eq!(
        a.alarm_arn(),
        Some("arn:aws:cloudwatch:us-east-1:123456789012:alarm:PinpointPushFailures-abc123")
    );
    assert_eq!(a.state_value(), Some(&StateValue::InsufficientData));
    assert_eq!(a.state_reason(), Some("Unchecked: Initial alarm creation"));
    assert_eq!(a.metric_name(), Some("DirectSendMessagePermanentFailure"));
    assert_eq!(a.namespace(), Some("AWS/Pinpoint"));
    assert_eq!(a.statistic(), Some(&Statistic::Sum));
    assert_eq!(a.period(), Some(300));
    assert_eq!(a.threshold(), Some(5.0));
    assert_eq!(a.evaluation_periods(), Some(2));
    assert_eq!(
        a.comparison_operator(),
        Some(&ComparisonOperator::GreaterThanThreshold)
    );
    assert_eq!(a.actions_enabled(), Some(true));
    assert_eq!(a.dimensions().len(), 1);
    assert_eq!(a.dimensions()[0].value(), Some(APP_ID));
    let updated = a
        .alarm_configuration_updated_timestamp()
        .expect("timestamp");
    let age =
        aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs() - updated.secs();
    assert!((0..60).contains(&age), "updated just now: {age}");
    assert!(a.state_updated_timestamp().is_some());

    // An update replaces the configuration, keeps the state, ignores tags.
    harness::advance_clock(&em.emulator, 5000).await;
    recipe_alarm(&cw, "PinpointPushFailures-abc123")
        .threshold(10.0)
        .treat_missing_data("notBreaching")
        .tags(Tag::builder().key("ignored").value("yes").build())
        .send()
        .await
        .expect("update");
    let a = cw
        .describe_alarms()
        .alarm_names("PinpointPushFailures-abc123")
        .send()
        .await
        .expect("describe")
        .metric_alarms()[0]
        .clone();
    assert_eq!(a.threshold(), Some(10.0));
    assert_eq!(a.treat_missing_data(), Some("notBreaching"));
    assert_eq!(a.state_value(), Some(&StateValue::InsufficientData));
    assert!(a.alarm_configuration_updated_timestamp().unwrap().secs() >= updated.secs() + 4);
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(a.alarm_arn().unwrap())
        .send()
        .await
        .expect("tags");
    let keys: Vec<_> = tags.tags().iter().map(Tag::key).collect();
    assert_eq!(keys, vec![Some("team")]);

    // Unknown names are ignored, known ones deleted.
    cw.delete_alarms()
        .alarm_names("PinpointPushFailures-abc123")
        .alarm_names("never-existed")
        .send()
        .await
        .expect("delete");
    let out = cw.describe_alarms().send().await.expect("describe");
    assert!(out.metric_alarms().is_empty());
    cw.delete_alarms()
        .alarm_names("never-existed")
        .send()
        .await
        .expect("deleting nothing succeeds");
}

#[tokio::test]
async fn describe_filters_and_pages() {
    let em = harness::start().await;
    let cw = harness::cloudwatch(&em.url);
    for name in ["PinpointDeliveryRate-x", "PinpointPushFailures-x", "Other"] {
        recipe_alarm(&cw, name).send().await.expect("put");
    }
    let by_prefix = cw
        .describe_alarms()
        .alarm_name_prefix("Pinpoint")
        .send()
        .await
        .expect("prefix");
    let names: Vec<_> = by_prefix
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name())
        .collect();
    assert_eq!(
        names,
        vec!["PinpointDeliveryRate-x", "PinpointPushFailures-x"]
    );
    let by_state = cw
        .describe_alarms()
        .state_value(StateValue::Alarm)
        .send()
        .await
        .expect("state");
    assert!(by_state.metric_alarms().is_empty());
    let by_state = cw
        .describe_alarms()
        .state_value(StateValue::InsufficientData)
        .send()
        .await
        .expect("state");
    assert_eq!(by_state.metric_alarms().len(), 3);

    let first = cw
        .describe_alarms()
        .max_records(2)
        .send()
        .await
        .expect("page 1");
    assert_eq!(first.metric_alarms().len(), 2);
    let token = first.next_token().expect("more").to_owned();
    let second = cw
        .describe_alarms()
        .max_records(2)
        .next_token(token)
        .send()
        .await
        .expect("page 2");
    assert_eq!(second.metric_alarms().len(), 1);
    assert!(second.next_token().is_none());
    let all: usize = cw
        .describe_alarms()
        .max_records(1)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate")
        .iter()
        .map(|p| p.metric_alarms().len())
        .sum();
    assert_eq!(all, 3);

    let err = cw
        .describe_alarms()
        .next_token("%%%")
        .send()
        .await
        .expect_err("bad token");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_next_token())
    );
    let err = cw
        .describe_alarms()
        .alarm_names("Other")
        .alarm_name_prefix("O")
        .send()
        .await
        .expect_err("names and prefix");
    assert_eq!(code(&err).as_deref(), Some("InvalidParameterCombination"));
}

#[tokio::test]
async fn put_metric_alarm_validation() {
    let em = harness::start().await;
    let cw = harness::cloudwatch(&em.url);

    let err = recipe_alarm(&cw, "a")
        .extended_statistic("p99")
        .send()
        .await
        .expect_err("both statistics");
    assert_eq!(code(&err).as_deref(), Some("InvalidParameterCombination"));
    let err = recipe_alarm(&cw, "a")
        .period(45)
        .send()
        .await
        .expect_err("bad period");
    assert_eq!(code(&err).as_deref(), Some("ValidationError"));
    let err = recipe_alarm(&cw, "a")
        .comparison_operator(ComparisonOperator::from("Sideways"))
        .send()
        .await
        .expect_err("bad enum");
    assert_eq!(code(&err).as_deref(), Some("ValidationError"));
    assert!(
        message(&err).contains("comparisonOperator"),
        "{}",
        message(&err)
    );
    let err = recipe_alarm(&cw, "a")
        .treat_missing_data("sometimes")
        .send()
        .await
        .expect_err("bad treat missing data");
    assert_eq!(code(&err).as_deref(), Some("ValidationError"));
    let err = recipe_alarm(&cw, "a")
        .datapoints_to_alarm(3)
        .send()
        .await
        .expect_err("3 of 2");
    assert_eq!(code(&err).as_deref(), Some("ValidationError"));
    let err = cw
        .put_metric_alarm()
        .alarm_name("a")
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .threshold(1.0)
        .send()
        .await
        .expect_err("no evaluation periods");
    assert_eq!(code(&err).as_deref(), Some("ValidationError"));
    assert!(
        message(&err).contains("evaluationPeriods"),
        "{}",
        message(&err)
    );
    let err = recipe_alarm(&cw, "a")
        .alarm_actions("not-an-arn")
        .send()
        .await
        .expect_err("bad action");
    assert_eq!(code(&err).as_deref(), Some("ValidationError"));

    assert!(
        cw.describe_alarms()
            .send()
            .await
            .unwrap()
            .metric_alarms()
            .is_empty(),
        "nothing was created"
    );
}

#[tokio::test]
async fn tags_on_alarms() {
    let em = harness::start().await;
    let cw = harness::cloudwatch(&em.url);
    recipe_alarm(&cw, "a").send().await.expect("put");
    let arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a";
    cw.tag_resource()
        .resource_arn(arn)
        .tags(Tag::builder().key("k1").value("v1").build())
        .tags(Tag::builder().key("k2").value("v2").build())
        .send()
        .await
        .expect("tag");
    cw.tag_resource()
        .resource_arn(arn)
        .tags(Tag::builder().key("k1").value("new").build())
        .send()
        .await
        .expect("retag");
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("list");
    let pairs: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(
        pairs,
        vec![(Some("k1"), Some("new")), (Some("k2"), Some("v2"))]
    );
    cw.untag_resource()
        .resource_arn(arn)
        .tag_keys("k1")
        .send()
        .await
        .expect("untag");
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("list");
    assert_eq!(tags.tags().len(), 1);

    let err = cw
        .list_tags_for_resource()
        .resource_arn("arn:aws:cloudwatch:us-east-1:123456789012:alarm:missing")
        .send()
        .await
        .expect_err("unknown alarm");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(404));
    let err = cw
        .tag_resource()
        .resource_arn("not-an-arn")
        .tags(Tag::builder().key("k").value("v").build())
        .send()
        .await
        .expect_err("malformed ARN");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_parameter_value_exception())
    );
}

fn query(body: &str) -> axum::http::Request<Body> {
    harness::aws_request("POST", "/", "monitoring")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn query_and_json_modes() {
    let em = harness::start().await;
    let r = harness::raw(
        &em.emulator,
        query(
            "Action=PutMetricAlarm&Version=2010-08-01&AlarmName=q&MetricName=M&Namespace=AWS%2FPinpoint\
             &Statistic=Average&Period=300&Threshold=0.9&ComparisonOperator=LessThanThreshold\
             &EvaluationPeriods=2&Dimensions.member.1.Name=ApplicationId&Dimensions.member.1.Value=app",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().starts_with(r#"<PutMetricAlarmResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ResponseMetadata>"#), "{}", r.text());

    let r = harness::raw(
        &em.emulator,
        query("Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=q"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let xml = r.text();
    assert!(
        xml.contains("<MetricAlarms><member><AlarmName>q</AlarmName>"),
        "{xml}"
    );
    assert!(xml.contains("<Threshold>0.9</Threshold>"), "{xml}");
    assert!(
        xml.contains(
            "<Dimensions><member><Name>ApplicationId</Name><Value>app</Value></member></Dimensions>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<StateValue>INSUFFICIENT_DATA</StateValue>"),
        "{xml}"
    );

    let r = harness::raw(
        &em.emulator,
        query("Action=DescribeAlarms&Version=2010-08-01&StateValue=BROKEN"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("<Code>ValidationError</Code>"),
        "{}",
        r.text()
    );

    let r = harness::raw(
        &em.emulator,
        query("Action=PutDashboard&Version=2010-08-01"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("<Code>InvalidAction</Code>"),
        "{}",
        r.text()
    );

    // awsJson1.0, which the model also lists.
    let json = |op: &str, body: &'static str| {
        harness::aws_request("POST", "/", "monitoring")
            .header(
                "x-amz-target",
                format!("GraniteServiceVersion20100801.{op}"),
            )
            .header("content-type", "application/x-amz-json-1.0")
            .body(Body::from(body))
            .unwrap()
    };
    let r = harness::raw(
        &em.emulator,
        json("DescribeAlarms", r#"{"AlarmNames":["q"]}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["MetricAlarms"][0]["AlarmName"], "q");
    assert!(v["MetricAlarms"][0]["StateUpdatedTimestamp"].is_number());
    let r = harness::raw(&em.emulator, json("DeleteAlarms", r#"{"AlarmNames":"q"}"#)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["__type"],
        "com.amazonaws.cloudwatch#SerializationException"
    );
}

#[tokio::test]
async fn cbor_wire_errors() {
    let em = harness::start().await;
    let cbor = |op: &str, body: Vec<u8>| {
        harness::aws_request(
            "POST",
            &format!("/service/GraniteServiceVersion20100801/operation/{op}"),
            "monitoring",
        )
        .header("smithy-protocol", "rpc-v2-cbor")
        .header("content-type", "application/cbor")
        .body(Body::from(body))
        .unwrap()
    };
    let r = harness::raw(&em.emulator, cbor("DescribeAlarms", vec![0xff, 0x00, 0x13])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.header("smithy-protocol"), Some("rpc-v2-cbor"));
    assert_eq!(
        r.header("x-amzn-query-error"),
        Some("SerializationException;Sender")
    );
    let v: ciborium::Value = ciborium::de::from_reader(&r.body[..]).expect("a CBOR error body");
    let map = v.as_map().expect("map");
    assert!(map.iter().any(|(k, v)| k.as_text() == Some("__type")
        && v.as_text() == Some("com.amazonaws.cloudwatch#SerializationException")));

    let r = harness::raw(&em.emulator, cbor("PutDashboard", vec![0xa0])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.header("x-amzn-query-error"),
        Some("UnknownOperationException;Sender")
    );

    let r = harness::raw(&em.emulator, cbor("DescribeAlarms", Vec::new())).await;
    assert_eq!(r.status, StatusCode::OK, "an empty body is an empty input");
    assert_eq!(r.header("content-type"), Some("application/cbor"));
}
