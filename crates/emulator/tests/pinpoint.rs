//! Pinpoint through the real `aws-sdk-pinpoint` client against the emulator
//! on a loopback port, plus a few raw-HTTP checks through the router.

// The SDK's `send_messages` future is 17 kB; boxing it in tests buys nothing.
#![allow(clippy::large_futures)]

use std::collections::HashMap;

use aws_sdk_pinpoint::Client;
use aws_sdk_pinpoint::config::http::HttpResponse;
use aws_sdk_pinpoint::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_pinpoint::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_pinpoint::primitives::DateTime;
use aws_sdk_pinpoint::types::{
    AddressConfiguration, AdmChannelRequest, ApnsChannelRequest, ApnsMessage, AttributeDimension,
    AttributeType, CampaignLimits, CampaignStatus, ChannelType, CreateApplicationRequest,
    DefaultPushNotificationTemplate, DeliveryStatus, DimensionType, DirectMessageConfiguration,
    EndpointBatchItem, EndpointBatchRequest, EndpointDemographic, EndpointLocation,
    EndpointRequest, EndpointSendConfiguration, EndpointUser, GcmChannelRequest, GcmMessage,
    Message, MessageConfiguration, MessageRequest, PushNotificationTemplateRequest, QuietTime,
    Schedule, SegmentDemographics, SegmentDimensions, SetDimension, TagsModel, Template,
    TemplateActiveVersionRequest, TemplateConfiguration, WriteApplicationSettingsRequest,
    WriteCampaignRequest, WriteEventStream, WriteSegmentRequest,
};
use reconcile_emulator::{Config, Emulator, RetiredShape};

async fn setup() -> (Emulator, Client) {
    let em = Emulator::new(Config::default()).expect("emulator");
    let url = em.clone().spawn().await.expect("spawn");
    let conf = aws_sdk_pinpoint::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "test",
        ))
        .build();
    (em, Client::from_conf(conf))
}

/// Status, error code and message of a call that must fail.
fn failure<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, SdkError<E, HttpResponse>>,
) -> (u16, String, String) {
    let e = r.expect_err("the call should fail");
    let status = e.raw_response().map_or(0, |r| r.status().as_u16());
    (
        status,
        e.code().unwrap_or_default().to_owned(),
        e.message().unwrap_or_default().to_owned(),
    )
}

async fn create_app(c: &Client, name: &str) -> String {
    let out = c
        .create_app()
        .create_application_request(CreateApplicationRequest::builder().name(name).build())
        .send()
        .await
        .unwrap();
    out.application_response().unwrap().id().unwrap().to_owned()
}

fn is_pinpoint_date(s: &str) -> bool {
    // 2019-10-08T18:40:16.581Z
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.' && s.as_bytes()[10] == b'T'
}

fn app_arn(app: &str) -> String {
    format!("arn:aws:mobiletargeting:us-east-1:123456789012:apps/{app}")
}

async fn apns_channel(c: &Client, app: &str) {
    c.update_apns_channel()
        .application_id(app)
        .apns_channel_request(
            ApnsChannelRequest::builder()
                .enabled(true)
                .certificate("-----BEGIN CERTIFICATE-----TESTCERT")
                .private_key("-----BEGIN PRIVATE KEY-----TESTKEY")
                .build(),
        )
        .send()
        .await
        .unwrap();
}

fn endpoint(
    channel: ChannelType,
    address: &str,
    platform: &str,
    purchase: &str,
) -> EndpointRequest {
    EndpointRequest::builder()
        .channel_type(channel)
        .address(address)
        .attributes("AppVersion", vec!["1.0.0".to_owned()])
        .demographic(EndpointDemographic::builder().platform(platform).build())
        .location(
            EndpointLocation::builder()
                .country("US")
                .city("Seattle")
                .build(),
        )
        .user(
            EndpointUser::builder()
                .user_id(format!("user-{address}"))
                .user_attributes("PurchaseHistory", vec![purchase.to_owned()])
                .build(),
        )
        .build()
}

async fn put_endpoint(c: &Client, app: &str, id: &str, req: EndpointRequest) {
    let out = c
        .update_endpoint()
        .application_id(app)
        .endpoint_id(id)
        .endpoint_request(req)
        .send()
        .await
        .unwrap();
    assert_eq!(out.message_body().unwrap().message(), Some("Accepted"));
}

fn high_value_segment(name: &str) -> WriteSegmentRequest {
    WriteSegmentRequest::builder()
        .name(name)
        .dimensions(
            SegmentDimensions::builder()
                .user_attributes(
                    "PurchaseHistory",
                    AttributeDimension::builder()
                        .attribute_type(AttributeType::Inclusive)
                        .values("high-value")
                        .build(),
                )
                .demographic(
                    SegmentDemographics::builder()
                        .platform(
                            SetDimension::builder()
                                .dimension_type(DimensionType::Inclusive)
                                .values("iOS")
                                .values("Android")
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .build()
}

async fn create_segment(c: &Client, app: &str) -> String {
    let out = c
        .create_segment()
        .application_id(app)
        .write_segment_request(high_value_segment("high-value-customers"))
        .send()
        .await
        .unwrap();
    out.segment_response().unwrap().id().unwrap().to_owned()
}

fn campaign_request(segment: &str, start: &str, tz: Option<&str>) -> WriteCampaignRequest {
    let mut schedule = Schedule::builder().start_time(start);
    if let Some(tz) = tz {
        schedule = schedule.timezone(tz);
    }
    WriteCampaignRequest::builder()
        .name("flash-sale-notification")
        .segment_id(segment)
        .schedule(schedule.build())
        .message_configuration(
            MessageConfiguration::builder()
                .apns_message(Message::builder().body("Flash sale!").build())
                .gcm_message(Message::builder().body("Flash sale!").build())
                .build(),
        )
        .build()
}

#[tokio::test]
async fn apps_create_get_page_and_delete() {
    let (_em, c) = setup().await;
    let out = c
        .create_app()
        .create_application_request(
            CreateApplicationRequest::builder()
                .name("ecommerce-mobile-app")
                .tags("team", "mobile")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let app = out.application_response().unwrap();
    let id = app.id().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert!(
        id.chars()
            .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
    );
    assert_eq!(app.arn(), Some(app_arn(&id).as_str()));
    assert!(is_pinpoint_date(app.creation_date().unwrap()));
    assert_eq!(
        app.tags().unwrap().get("team").map(String::as_str),
        Some("mobile")
    );

    let got = c.get_app().application_id(&id).send().await.unwrap();
    assert_eq!(
        got.application_response().unwrap().name(),
        Some("ecommerce-mobile-app")
    );

    for i in 0..24 {
        create_app(&c, &format!("app-{i}")).await;
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .get_apps()
            .page_size("10")
            .set_token(token.clone())
            .send()
            .await
            .unwrap();
        let resp = out.applications_response().unwrap();
        assert!(resp.item().len() <= 10);
        seen.extend(resp.item().iter().map(|a| a.id().unwrap().to_owned()));
        pages += 1;
        match resp.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25);
    assert_eq!(seen[0], id, "apps are listed in creation order");

    let deleted = c.delete_app().application_id(&id).send().await.unwrap();
    assert_eq!(
        deleted.application_response().unwrap().id(),
        Some(id.as_str())
    );
    let (status, code, message) = failure(c.get_app().application_id(&id).send().await);
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (404, "NotFoundException", "Application not found")
    );
    let (status, code, _) = failure(c.delete_app().application_id(&id).send().await);
    assert_eq!((status, code.as_str()), (404, "NotFoundException"));

    let (status, code, _) = failure(c.get_apps().page_size("zero").send().await);
    assert_eq!((status, code.as_str()), (400, "BadRequestException"));
}

#[tokio::test]
async fn settings_merge_per_member() {
    let (_em, c) = setup().await;
    let app = create_app(&c, "settings").await;
    let fresh = c
        .get_application_settings()
        .application_id(&app)
        .send()
        .await
        .unwrap();
    let fresh = fresh.application_settings_resource().unwrap();
    assert_eq!(fresh.application_id(), Some(app.as_str()));
    assert!(fresh.limits().is_some());

    c.update_application_settings()
        .application_id(&app)
        .write_application_settings_request(
            WriteApplicationSettingsRequest::builder()
                .limits(
                    CampaignLimits::builder()
                        .daily(5)
                        .messages_per_second(50)
                        .build(),
                )
                .cloud_watch_metrics_enabled(true)
                .event_tagging_enabled(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = c
        .update_application_settings()
        .application_id(&app)
        .write_application_settings_request(
            WriteApplicationSettingsRequest::builder()
                .quiet_time(QuietTime::builder().start("22:00").end("08:00").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let s = out.application_settings_resource().unwrap();
    assert_eq!(
        s.limits().unwrap().daily(),
        Some(5),
        "Limits kept by a QuietTime update"
    );
    assert_eq!(s.quiet_time().unwrap().start(), Some("22:00"));
    assert!(is_pinpoint_date(s.last_modified_date().unwrap()));

    let (status, code, _) = failure(
        c.update_application_settings()
            .application_id(&app)
            .write_application_settings_request(
                WriteApplicationSettingsRequest::builder()
                    .quiet_time(QuietTime::builder().start("10pm").build())
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "BadRequestException"));
    let (status, _, message) = failure(
        c.get_application_settings()
            .application_id("nope")
            .send()
            .await,
    );
    assert_eq!((status, message.as_str()), (404, "Application not found"));
}

#[tokio::test]
async fn tags_on_percent_encoded_arns() {
    let (_em, c) = setup().await;
    let app = create_app(&c, "tags").await;
    let arn = app_arn(&app);
    c.tag_resource()
        .resource_arn(&arn)
        .tags_model(
            TagsModel::builder()
                .tags("a", "1")
                .tags("b", "2")
                .tags("c", "3")
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.tag_resource()
        .resource_arn(&arn)
        .tags_model(TagsModel::builder().tags("a", "one").build())
        .send()
        .await
        .unwrap();
    c.untag_resource()
        .resource_arn(&arn)
        .tag_keys("b")
        .tag_keys("c")
        .send()
        .await
        .unwrap();
    let out = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let tags = out.tags_model().unwrap().tags();
    assert_eq!(tags.unwrap().len(), 1);
    assert_eq!(tags.unwrap().get("a").map(String::as_str), Some("one"));

    let (status, code, _) = failure(
        c.tag_resource()
            .resource_arn(&arn)
            .tags_model(TagsModel::builder().tags("aws:owner", "x").build())
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "BadRequestException"));
    let mut many = TagsModel::builder();
    for i in 0..50 {
        many = many.tags(format!("k{i}"), "v");
    }
    let (status, code, _) = failure(
        c.tag_resource()
            .resource_arn(&arn)
            .tags_model(many.build())
            .send()
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (400, "BadRequestException"),
        "51 tags in all"
    );
    let (status, code, _) = failure(
        c.list_tags_for_resource()
            .resource_arn(app_arn("0123456789abcdef0123456789abcdef"))
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (404, "NotFoundException"));
    let (status, code, _) = failure(
        c.list_tags_for_resource()
            .resource_arn("not-an-arn")
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "BadRequestException"));

    // Segment and template ARNs take tags too.
    let seg = create_segment(&c, &app).await;
    let seg_arn = format!("{arn}/segments/{seg}");
    c.tag_resource()
        .resource_arn(&seg_arn)
        .tags_model(TagsModel::builder().tags("reconcile:stack", "demo").build())
        .send()
        .await
        .unwrap();
    let got = c
        .get_segment()
        .application_id(&app)
        .segment_id(&seg)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.segment_response()
            .unwrap()
            .tags()
            .unwrap()
            .get("reconcile:stack")
            .map(String::as_str),
        Some("demo")
    );
}

#[tokio::test]
async fn channels_keep_credentials_write_only() {
    let (em, c) = setup().await;
    let app = create_app(&c, "channels").await;

    let (status, code, _) = failure(
        c.update_apns_channel()
            .application_id(&app)
            .apns_channel_request(
                ApnsChannelRequest::builder()
                    .enabled(true)
                    .default_authentication_method("CERTIFICATE")
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (400, "BadRequestException"),
        "no certificate"
    );
    let (status, _, _) = failure(c.get_apns_channel().application_id(&app).send().await);
    assert_eq!(status, 404, "a failed update creates nothing");

    apns_channel(&c, &app).await;
    let got = c
        .get_apns_channel()
        .application_id(&app)
        .send()
        .await
        .unwrap();
    let ch = got.apns_channel_response().unwrap();
    assert_eq!(ch.platform(), Some("APNS"));
    assert_eq!(ch.id(), Some("apns"));
    assert_eq!(ch.version(), Some(1));
    assert_eq!(ch.has_credential(), Some(true));
    assert_eq!(ch.has_token_key(), Some(false));
    assert_eq!(ch.default_authentication_method(), Some("CERTIFICATE"));
    assert_eq!(ch.enabled(), Some(true));

    // Only Enabled: the credentials stay, the version moves.
    let out = c
        .update_apns_channel()
        .application_id(&app)
        .apns_channel_request(ApnsChannelRequest::builder().enabled(false).build())
        .send()
        .await
        .unwrap();
    let ch = out.apns_channel_response().unwrap();
    assert_eq!(
        (ch.version(), ch.enabled(), ch.has_credential()),
        (Some(2), Some(false), Some(true))
    );

    let (status, code, _) = failure(
        c.update_apns_sandbox_channel()
            .application_id(&app)
            .apns_sandbox_channel_request(
                aws_sdk_pinpoint::types::ApnsSandboxChannelRequest::builder()
                    .token_key("KEY")
                    .token_key_id("ABC123")
                    .bundle_id("com.example")
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (400, "BadRequestException"),
        "TOKEN without TeamId"
    );
    let out = c
        .update_apns_voip_channel()
        .application_id(&app)
        .apns_voip_channel_request(
            aws_sdk_pinpoint::types::ApnsVoipChannelRequest::builder()
                .token_key("KEY")
                .token_key_id("ABC123")
                .bundle_id("com.example")
                .team_id("TEAM")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let voip = out.apns_voip_channel_response().unwrap();
    assert_eq!(voip.default_authentication_method(), Some("TOKEN"));
    assert_eq!(voip.has_token_key(), Some(true));
    assert_eq!(voip.platform(), Some("APNS_VOIP"));

    let out = c
        .update_gcm_channel()
        .application_id(&app)
        .gcm_channel_request(
            GcmChannelRequest::builder()
                .enabled(true)
                .api_key("FCM-SERVER-KEY")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let gcm = out.gcm_channel_response().unwrap();
    assert_eq!(
        (gcm.platform(), gcm.has_credential()),
        (Some("GCM"), Some(true))
    );
    assert_eq!(gcm.has_fcm_service_credentials(), Some(false));
    assert_eq!(gcm.credential(), None, "the API key is never returned");

    let (status, _, _) = failure(
        c.update_adm_channel()
            .application_id(&app)
            .adm_channel_request(
                AdmChannelRequest::builder()
                    .client_id("id")
                    .client_secret("")
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(status, 400, "ADM needs ClientSecret");

    let all = c.get_channels().application_id(&app).send().await.unwrap();
    let channels = all.channels_response().unwrap().channels().unwrap();
    let mut keys: Vec<&str> = channels.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["APNS", "APNS_VOIP", "GCM", "IN_APP"]);
    assert_eq!(channels["IN_APP"].version(), Some(0));
    assert_eq!(channels["APNS"].enabled(), Some(false));

    let secrets_leaked = em.with_state(|s| {
        let text = serde_json::to_string(s).unwrap();
        text.contains("TESTCERT") || text.contains("TESTKEY") || text.contains("FCM-SERVER-KEY")
    });
    assert!(!secrets_leaked, "credentials must never be stored");

    let deleted = c
        .delete_gcm_channel()
        .application_id(&app)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.gcm_channel_response().unwrap().id(), Some("gcm"));
    let (status, code, _) = failure(c.get_gcm_channel().application_id(&app).send().await);
    assert_eq!((status, code.as_str()), (404, "NotFoundException"));
}

#[tokio::test]
async fn endpoints_are_case_insensitive_and_validated() {
    let (_em, c) = setup().await;
    let app = create_app(&c, "endpoints").await;
    put_endpoint(
        &c,
        &app,
        "ios-user-001",
        endpoint(ChannelType::Apns, "tok-1", "iOS", "high-value"),
    )
    .await;
    let got = c
        .get_endpoint()
        .application_id(&app)
        .endpoint_id("IOS-USER-001")
        .send()
        .await
        .unwrap();
    let e = got.endpoint_response().unwrap();
    assert_eq!(e.id(), Some("ios-user-001"));
    assert_eq!(e.application_id(), Some(app.as_str()));
    assert_eq!(e.endpoint_status(), Some("ACTIVE"));
    assert_eq!(e.opt_out(), Some("NONE"));
    assert!(e.cohort_id().unwrap().parse::<u32>().unwrap() < 100);
    assert!(is_pinpoint_date(e.creation_date().unwrap()));
    assert!(is_pinpoint_date(e.effective_date().unwrap()));
    assert_eq!(e.user().unwrap().user_id(), Some("user-tok-1"));

    // An update merges: only OptOut changes.
    put_endpoint(
        &c,
        &app,
        "Ios-User-001",
        EndpointRequest::builder().opt_out("ALL").build(),
    )
    .await;
    let got = c
        .get_endpoint()
        .application_id(&app)
        .endpoint_id("ios-user-001")
        .send()
        .await
        .unwrap();
    let e = got.endpoint_response().unwrap();
    assert_eq!((e.opt_out(), e.address()), (Some("ALL"), Some("tok-1")));

    let (status, code, _) = failure(
        c.update_endpoint()
            .application_id(&app)
            .endpoint_id("bad$id")
            .endpoint_request(EndpointRequest::builder().build())
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "BadRequestException"));

    let mut batch = EndpointBatchRequest::builder();
    for i in 0..101 {
        batch = batch.item(EndpointBatchItem::builder().id(format!("e{i}")).build());
    }
    let (status, _, _) = failure(
        c.update_endpoints_batch()
            .application_id(&app)
            .endpoint_batch_request(batch.build())
            .send()
            .await,
    );
    assert_eq!(status, 400, "at most 100 items");
    let out = c
        .update_endpoints_batch()
        .application_id(&app)
        .endpoint_batch_request(
            EndpointBatchRequest::builder()
                .item(
                    EndpointBatchItem::builder()
                        .id("a1")
                        .channel_type(ChannelType::Gcm)
                        .address("shared")
                        .build(),
                )
                .item(
                    EndpointBatchItem::builder()
                        .id("a2")
                        .channel_type(ChannelType::Gcm)
                        .address("shared")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.message_body().unwrap().message(), Some("Accepted"));
    let a1 = c
        .get_endpoint()
        .application_id(&app)
        .endpoint_id("a1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        a1.endpoint_response().unwrap().endpoint_status(),
        Some("INACTIVE"),
        "a later endpoint with the same address deactivates it"
    );

    let deleted = c
        .delete_endpoint()
        .application_id(&app)
        .endpoint_id("A2")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.endpoint_response().unwrap().id(), Some("a2"));
    let (status, code, _) = failure(
        c.get_endpoint()
            .application_id(&app)
            .endpoint_id("a2")
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (404, "NotFoundException"));
}

#[tokio::test]
async fn segments_keep_every_version() {
    let (_em, c) = setup().await;
    let app = create_app(&c, "segments").await;
    let out = c
        .create_segment()
        .application_id(&app)
        .write_segment_request(high_value_segment("v1-name"))
        .send()
        .await
        .unwrap();
    let seg = out.segment_response().unwrap();
    let id = seg.id().unwrap().to_owned();
    assert_eq!(seg.version(), Some(1));
    assert_eq!(
        seg.segment_type()
            .map(aws_sdk_pinpoint::types::SegmentType::as_str),
        Some("DIMENSIONAL")
    );
    assert_eq!(
        seg.arn(),
        Some(format!("{}/segments/{id}", app_arn(&app)).as_str())
    );

    let out = c
        .update_segment()
        .application_id(&app)
        .segment_id(&id)
        .write_segment_request(high_value_segment("v2-name"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.segment_response().unwrap().version(), Some(2));
    let versions = c
        .get_segment_versions()
        .application_id(&app)
        .segment_id(&id)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = versions
        .segments_response()
        .unwrap()
        .item()
        .iter()
        .map(|s| (s.version().unwrap(), s.name().unwrap().to_owned()))
        .collect();
    assert_eq!(
        names,
        [(1, "v1-name".to_owned()), (2, "v2-name".to_owned())]
    );
    let v1 = c
        .get_segment_version()
        .application_id(&app)
        .segment_id(&id)
        .version("1")
        .send()
        .await
        .unwrap();
    assert_eq!(v1.segment_response().unwrap().name(), Some("v1-name"));
    let (status, _, _) = failure(
        c.get_segment_version()
            .application_id(&app)
            .segment_id(&id)
            .version("9")
            .send()
            .await,
    );
    assert_eq!(status, 404);

    let list = c.get_segments().application_id(&app).send().await.unwrap();
    assert_eq!(list.segments_response().unwrap().item().len(), 1);

    let (status, _, _) = failure(
        c.create_segment()
            .application_id(&app)
            .write_segment_request(WriteSegmentRequest::builder().build())
            .send()
            .await,
    );
    assert_eq!(status, 400, "a segment needs a name");

    // A campaign on the segment; deleting the segment is allowed and the
    // scheduled campaign becomes DELETED.
    let start = "2099-01-01T00:00:00Z";
    let camp = c
        .create_campaign()
        .application_id(&app)
        .write_campaign_request(campaign_request(&id, start, None))
        .send()
        .await
        .unwrap();
    let camp_id = camp.campaign_response().unwrap().id().unwrap().to_owned();
    let deleted = c
        .delete_segment()
        .application_id(&app)
        .segment_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.segment_response().unwrap().id(), Some(id.as_str()));
    let (status, _, _) = failure(
        c.get_segment()
            .application_id(&app)
            .segment_id(&id)
            .send()
            .await,
    );
    assert_eq!(status, 404);
    let camp = c
        .get_campaign()
        .application_id(&app)
        .campaign_id(&camp_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        camp.campaign_response()
            .unwrap()
            .state()
            .unwrap()
            .campaign_status(),
        Some(&CampaignStatus::Deleted)
    );
}

fn template_request(body: &str) -> PushNotificationTemplateRequest {
    PushNotificationTemplateRequest::builder()
        .default_value(
            DefaultPushNotificationTemplate::builder()
                .body(body)
                .title("Sale")
                .build(),
        )
        .template_description(format!("says {body}"))
        .build()
}

async fn template_body(c: &Client, version: Option<&str>) -> (String, String) {
    let out = c
        .get_push_template()
        .template_name("flash-sale-template")
        .set_version(version.map(str::to_owned))
        .send()
        .await
        .unwrap();
    let t = out.push_notification_template_response().unwrap();
    (
        t.version().unwrap().to_owned(),
        t.default_value().unwrap().body().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn push_template_versioning_rules() {
    let (_em, c) = setup().await;
    let name = "flash-sale-template";
    let out = c
        .create_push_template()
        .template_name(name)
        .push_notification_template_request(template_request("one"))
        .send()
        .await
        .unwrap();
    let created = out.create_template_message_body().unwrap();
    assert_eq!(
        created.arn(),
        Some("arn:aws:mobiletargeting:us-east-1:123456789012:templates/flash-sale-template/PUSH")
    );
    let (status, code, message) = failure(
        c.create_push_template()
            .template_name(name)
            .push_notification_template_request(template_request("dup"))
            .send()
            .await,
    );
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (400, "BadRequestException", "Template already exists")
    );

    // Update without create-new-version overwrites the latest version.
    c.update_push_template()
        .template_name(name)
        .push_notification_template_request(template_request("one-b"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        template_body(&c, None).await,
        ("1".to_owned(), "one-b".to_owned())
    );

    // A new version is not activated.
    c.update_push_template()
        .template_name(name)
        .create_new_version(true)
        .push_notification_template_request(template_request("two"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        template_body(&c, None).await,
        ("1".to_owned(), "one-b".to_owned())
    );
    assert_eq!(
        template_body(&c, Some("2")).await,
        ("2".to_owned(), "two".to_owned())
    );

    // `version` must be the latest; never together with create-new-version.
    let (status, _, _) = failure(
        c.update_push_template()
            .template_name(name)
            .version("1")
            .push_notification_template_request(template_request("x"))
            .send()
            .await,
    );
    assert_eq!(status, 400);
    let (status, _, _) = failure(
        c.update_push_template()
            .template_name(name)
            .version("2")
            .create_new_version(true)
            .push_notification_template_request(template_request("x"))
            .send()
            .await,
    );
    assert_eq!(status, 400);
    c.update_push_template()
        .template_name(name)
        .version("2")
        .create_new_version(false)
        .push_notification_template_request(template_request("two-b"))
        .send()
        .await
        .unwrap();

    let versions = c
        .list_template_versions()
        .template_name(name)
        .template_type("PUSH")
        .send()
        .await
        .unwrap();
    let listed: Vec<_> = versions
        .template_versions_response()
        .unwrap()
        .item()
        .iter()
        .map(|v| v.version().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ["1", "2"]);

    c.update_template_active_version()
        .template_name(name)
        .template_type("PUSH")
        .template_active_version_request(
            TemplateActiveVersionRequest::builder()
                .version("latest")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        template_body(&c, None).await,
        ("2".to_owned(), "two-b".to_owned())
    );
    let (status, _, _) = failure(
        c.update_template_active_version()
            .template_name(name)
            .template_type("PUSH")
            .template_active_version_request(
                TemplateActiveVersionRequest::builder().version("7").build(),
            )
            .send()
            .await,
    );
    assert_eq!(status, 404);

    let (status, _, _) = failure(
        c.delete_push_template()
            .template_name(name)
            .version("2")
            .send()
            .await,
    );
    assert_eq!(
        status, 400,
        "the active version can't be deleted while others exist"
    );
    c.delete_push_template()
        .template_name(name)
        .version("1")
        .send()
        .await
        .unwrap();
    let (status, _, _) = failure(
        c.get_push_template()
            .template_name(name)
            .version("1")
            .send()
            .await,
    );
    assert_eq!(status, 404);

    // ListTemplates: prefix, type and paging.
    c.create_push_template()
        .template_name("other")
        .push_notification_template_request(template_request("o"))
        .send()
        .await
        .unwrap();
    let page = c.list_templates().page_size("1").send().await.unwrap();
    let page = page.templates_response().unwrap();
    assert_eq!(page.item().len(), 1);
    let next = page.next_token().unwrap().to_owned();
    let page2 = c
        .list_templates()
        .page_size("1")
        .next_token(next)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page2.templates_response().unwrap().item()[0].template_name(),
        Some("other")
    );
    let flash = c
        .list_templates()
        .prefix("flash")
        .template_type("PUSH")
        .send()
        .await
        .unwrap();
    let items = flash.templates_response().unwrap().item();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].version(), Some("2"));

    // Delete without version deletes the template.
    c.delete_push_template()
        .template_name(name)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure(c.get_push_template().template_name(name).send().await);
    assert_eq!((status, code.as_str()), (404, "NotFoundException"));
    let (status, _, _) = failure(
        c.create_push_template()
            .template_name("-bad name")
            .push_notification_template_request(template_request("x"))
            .send()
            .await,
    );
    assert_eq!(status, 400);
}

#[tokio::test]
async fn campaign_validation_and_defaults() {
    let (_em, c) = setup().await;
    let app = create_app(&c, "campaigns").await;
    let seg = create_segment(&c, &app).await;

    for tz in ["Mars/Olympus Mons", "UTC+14", "EST"] {
        let (status, code, _) = failure(
            c.create_campaign()
                .application_id(&app)
                .write_campaign_request(campaign_request(&seg, "IMMEDIATE", Some(tz)))
                .send()
                .await,
        );
        assert_eq!(
            (status, code.as_str()),
            (400, "BadRequestException"),
            "{tz}"
        );
    }
    let (status, _, message) = failure(
        c.create_campaign()
            .application_id(&app)
            .write_campaign_request(campaign_request(&seg, "2020-01-01T00:00:00Z", None))
            .send()
            .await,
    );
    assert_eq!(
        (status, message.as_str()),
        (400, "StartTime must be at least current time.")
    );
    let (status, code, _) = failure(
        c.create_campaign()
            .application_id(&app)
            .write_campaign_request(campaign_request(
                "0123456789abcdef0123456789abcdef",
                "IMMEDIATE",
                None,
            ))
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (404, "NotFoundException"));
    let (status, _, _) = failure(
        c.create_campaign()
            .application_id(&app)
            .write_campaign_request(
                WriteCampaignRequest::builder()
                    .name("no-template")
                    .segment_id(&seg)
                    .schedule(Schedule::builder().start_time("IMMEDIATE").build())
                    .template_configuration(
                        TemplateConfiguration::builder()
                            .push_template(Template::builder().name("missing").build())
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(status, 400, "the named template must exist");

    let out = c
        .create_campaign()
        .application_id(&app)
        .write_campaign_request(campaign_request(
            &seg,
            "2099-06-01T10:00:00.000Z",
            Some("utc+01"),
        ))
        .send()
        .await
        .unwrap();
    let camp = out.campaign_response().unwrap();
    let id = camp.id().unwrap().to_owned();
    assert_eq!(
        camp.schedule().unwrap().timezone(),
        Some("utc+01"),
        "echoed verbatim"
    );
    assert_eq!(camp.description(), Some(" "));
    assert!(camp.limits().is_some());
    assert!(camp.template_configuration().is_some());
    assert!(camp.additional_treatments().is_empty());
    assert_eq!(camp.holdout_percent(), Some(0));
    assert_eq!(camp.is_paused(), Some(false));
    assert_eq!(camp.version(), Some(1));
    assert_eq!(
        camp.segment_version(),
        Some(1),
        "defaults to the segment's current version"
    );
    assert_eq!(
        camp.state().unwrap().campaign_status(),
        Some(&CampaignStatus::Scheduled)
    );
    assert_eq!(
        camp.arn(),
        Some(format!("{}/campaigns/{id}", app_arn(&app)).as_str())
    );
    assert!(camp.tags().unwrap().is_empty());

    let out = c
        .update_campaign()
        .application_id(&app)
        .campaign_id(&id)
        .write_campaign_request(
            WriteCampaignRequest::builder()
                .name("renamed")
                .is_paused(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let camp = out.campaign_response().unwrap();
    assert_eq!(camp.version(), Some(2));
    assert_eq!(camp.name(), Some("renamed"));
    assert_eq!(
        camp.state().unwrap().campaign_status(),
        Some(&CampaignStatus::Paused)
    );
    assert_eq!(
        camp.schedule().unwrap().timezone(),
        Some("utc+01"),
        "omitted members are kept"
    );

    let versions = c
        .get_campaign_versions()
        .application_id(&app)
        .campaign_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.campaigns_response().unwrap().item().len(), 2);
    let v1 = c
        .get_campaign_version()
        .application_id(&app)
        .campaign_id(&id)
        .version("1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        v1.campaign_response().unwrap().name(),
        Some("flash-sale-notification")
    );
    let list = c.get_campaigns().application_id(&app).send().await.unwrap();
    assert_eq!(list.campaigns_response().unwrap().item().len(), 1);

    let deleted = c
        .delete_campaign()
        .application_id(&app)
        .campaign_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.campaign_response().unwrap().id(), Some(id.as_str()));
    let (status, _, _) = failure(
        c.get_campaign()
            .application_id(&app)
            .campaign_id(&id)
            .send()
            .await,
    );
    assert_eq!(status, 404);
}

/// The recipe's flow: channels, two endpoints, the high-value segment, an
/// IMMEDIATE campaign that completes once the clock moves, and its KPIs.
#[tokio::test]
async fn immediate_campaign_completes_on_the_clock() {
    let (em, c) = setup().await;
    let app = create_app(&c, "recipe").await;
    apns_channel(&c, &app).await;
    c.update_gcm_channel()
        .application_id(&app)
        .gcm_channel_request(
            GcmChannelRequest::builder()
                .enabled(true)
                .api_key("k")
                .build(),
        )
        .send()
        .await
        .unwrap();
    put_endpoint(
        &c,
        &app,
        "ios-user-001",
        endpoint(ChannelType::Apns, "tok-ios", "iOS", "high-value"),
    )
    .await;
    put_endpoint(
        &c,
        &app,
        "android-user-002",
        endpoint(ChannelType::Gcm, "tok-and", "Android", "medium-value"),
    )
    .await;
    put_endpoint(
        &c,
        &app,
        "android-user-003",
        endpoint(ChannelType::Gcm, "tok-and-3", "Android", "high-value"),
    )
    .await;
    let seg = create_segment(&c, &app).await;

    let out = c
        .create_campaign()
        .application_id(&app)
        .write_campaign_request(campaign_request(&seg, "IMMEDIATE", Some("UTC")))
        .send()
        .await
        .unwrap();
    let camp = out.campaign_response().unwrap();
    let id = camp.id().unwrap().to_owned();
    assert_eq!(
        camp.state().unwrap().campaign_status(),
        Some(&CampaignStatus::Scheduled)
    );
    let acts = c
        .get_campaign_activities()
        .application_id(&app)
        .campaign_id(&id)
        .send()
        .await
        .unwrap();
    assert!(acts.activities_response().unwrap().item().is_empty());

    em.with_state(|s| s.clock_offset_ms += 5_000);
    let got = c
        .get_campaign()
        .application_id(&app)
        .campaign_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.campaign_response()
            .unwrap()
            .state()
            .unwrap()
            .campaign_status(),
        Some(&CampaignStatus::Completed)
    );
    let acts = c
        .get_campaign_activities()
        .application_id(&app)
        .campaign_id(&id)
        .send()
        .await
        .unwrap();
    let items = acts.activities_response().unwrap().item();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].total_endpoint_count(),
        Some(2),
        "the two high-value endpoints"
    );
    assert_eq!(items[0].successful_endpoint_count(), Some(2));
    assert_eq!(items[0].state(), Some("COMPLETED"));

    let (status, _, _) = failure(
        c.update_campaign()
            .application_id(&app)
            .campaign_id(&id)
            .write_campaign_request(WriteCampaignRequest::builder().name("late").build())
            .send()
            .await,
    );
    assert_eq!(status, 400, "a completed campaign can't be updated");

    let start = DateTime::from_secs(0);
    let end = DateTime::from_secs(4_102_444_800); // 2100-01-01
    let kpi = c
        .get_campaign_date_range_kpi()
        .application_id(&app)
        .campaign_id(&id)
        .kpi_name("unique-deliveries")
        .start_time(start)
        .end_time(end)
        .send()
        .await
        .unwrap();
    let resp = kpi.campaign_date_range_kpi_response().unwrap();
    assert_eq!(resp.campaign_id(), Some(id.as_str()));
    assert_eq!(resp.start_time(), Some(&start));
    let rows = resp.kpi_result().unwrap().rows();
    assert_eq!(rows[0].values()[0].key(), Some("UniqueDeliveries"));
    assert_eq!(rows[0].values()[0].value(), Some("2.0"));
    let rate = c
        .get_campaign_date_range_kpi()
        .application_id(&app)
        .campaign_id(&id)
        .kpi_name("delivery-rate")
        .start_time(start)
        .end_time(end)
        .send()
        .await
        .unwrap();
    let rows = rate
        .campaign_date_range_kpi_response()
        .unwrap()
        .kpi_result()
        .unwrap()
        .rows()
        .to_vec();
    assert_eq!(rows[0].values()[0].value(), Some("1.0"));
    let endpoints = c
        .get_application_date_range_kpi()
        .application_id(&app)
        .kpi_name("unique-endpoints")
        .start_time(start)
        .end_time(end)
        .send()
        .await
        .unwrap();
    let rows = endpoints
        .application_date_range_kpi_response()
        .unwrap()
        .kpi_result()
        .unwrap()
        .rows()
        .to_vec();
    assert_eq!(rows[0].values()[0].value(), Some("3.0"));
    let (status, code, _) = failure(
        c.get_application_date_range_kpi()
            .application_id(&app)
            .kpi_name("made-up-kpi")
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "BadRequestException"));
}

#[tokio::test]
async fn send_messages_reports_per_endpoint_and_address() {
    let (_em, c) = setup().await;
    let app = create_app(&c, "send").await;
    apns_channel(&c, &app).await;
    c.update_gcm_channel()
        .application_id(&app)
        .gcm_channel_request(
            GcmChannelRequest::builder()
                .enabled(false)
                .api_key("k")
                .build(),
        )
        .send()
        .await
        .unwrap();
    put_endpoint(
        &c,
        &app,
        "ios",
        endpoint(ChannelType::Apns, "tok-ios", "iOS", "x"),
    )
    .await;
    put_endpoint(
        &c,
        &app,
        "android",
        endpoint(ChannelType::Gcm, "tok-and", "Android", "x"),
    )
    .await;
    put_endpoint(
        &c,
        &app,
        "quiet",
        endpoint(ChannelType::Apns, "tok-q", "iOS", "x"),
    )
    .await;
    put_endpoint(
        &c,
        &app,
        "quiet",
        EndpointRequest::builder().opt_out("ALL").build(),
    )
    .await;

    let request = MessageRequest::builder()
        .message_configuration(
            DirectMessageConfiguration::builder()
                .apns_message(ApnsMessage::builder().body("Test").build())
                .gcm_message(GcmMessage::builder().body("Test").build())
                .build(),
        )
        .endpoints("ios", EndpointSendConfiguration::builder().build())
        .endpoints("android", EndpointSendConfiguration::builder().build())
        .endpoints("quiet", EndpointSendConfiguration::builder().build())
        .endpoints("ghost", EndpointSendConfiguration::builder().build())
        .addresses(
            "raw-baidu-token",
            AddressConfiguration::builder()
                .channel_type(ChannelType::Baidu)
                .build(),
        )
        .build();
    let out = c
        .send_messages()
        .application_id(&app)
        .message_request(request)
        .send()
        .await
        .unwrap();
    let resp = out.message_response().unwrap();
    assert_eq!(resp.application_id(), Some(app.as_str()));
    let by_endpoint: HashMap<_, _> = resp
        .endpoint_result()
        .unwrap()
        .clone()
        .into_iter()
        .collect();
    let ios = &by_endpoint["ios"];
    assert_eq!(ios.delivery_status(), Some(&DeliveryStatus::Successful));
    assert_eq!(ios.status_code(), Some(200));
    assert_eq!(ios.address(), Some("tok-ios"));
    assert!(ios.message_id().is_some());
    let android = &by_endpoint["android"];
    assert_eq!(
        android.delivery_status(),
        Some(&DeliveryStatus::PermanentFailure)
    );
    assert!(android.status_message().unwrap().contains("disabled"));
    assert_eq!(
        by_endpoint["quiet"].delivery_status(),
        Some(&DeliveryStatus::OptOut)
    );
    assert_eq!(
        by_endpoint["ghost"].delivery_status(),
        Some(&DeliveryStatus::PermanentFailure)
    );
    assert_eq!(by_endpoint["ghost"].status_code(), Some(404));
    let by_address = resp.result().unwrap();
    let baidu = &by_address["raw-baidu-token"];
    assert_eq!(
        baidu.delivery_status(),
        Some(&DeliveryStatus::PermanentFailure)
    );
    assert!(baidu.status_message().unwrap().contains("not configured"));

    let kpi = c
        .get_application_date_range_kpi()
        .application_id(&app)
        .kpi_name("successful-delivery-rate")
        .send()
        .await
        .unwrap();
    let rows = kpi
        .application_date_range_kpi_response()
        .unwrap()
        .kpi_result()
        .unwrap()
        .rows()
        .to_vec();
    // Attempts: ios (ok), android (disabled), raw address (no channel).
    let value: f64 = rows[0].values()[0].value().unwrap().parse().unwrap();
    assert!((value - 1.0 / 3.0).abs() < 1e-9, "{value}");

    let (status, _, _) = failure(
        c.send_messages()
            .application_id(&app)
            .message_request(
                MessageRequest::builder()
                    .message_configuration(DirectMessageConfiguration::builder().build())
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(status, 400, "no Addresses and no Endpoints");
}

/// Reads every record of a one-shard stream as JSON.
async fn stream_events(k: &aws_sdk_kinesis::Client, stream: &str) -> Vec<serde_json::Value> {
    let shards = k.list_shards().stream_name(stream).send().await.unwrap();
    let shard = shards.shards()[0].shard_id().to_owned();
    let it = k
        .get_shard_iterator()
        .stream_name(stream)
        .shard_id(shard)
        .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap();
    let records = k
        .get_records()
        .shard_iterator(it.shard_iterator().unwrap())
        .send()
        .await
        .unwrap();
    records
        .records()
        .iter()
        .map(|r| serde_json::from_slice(r.data().as_ref()).unwrap())
        .collect()
}

#[tokio::test]
async fn event_stream_needs_the_role_and_the_stream_and_receives_events() {
    let (em, c) = setup().await;
    let url = em.clone().spawn().await.unwrap();
    let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
    let iam = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&url)
            .credentials_provider(creds.clone())
            .build(),
    );
    let kinesis = aws_sdk_kinesis::Client::from_conf(
        aws_sdk_kinesis::Config::builder()
            .behavior_version(aws_sdk_kinesis::config::BehaviorVersion::latest())
            .region(aws_sdk_kinesis::config::Region::new("us-east-1"))
            .endpoint_url(&url)
            .credentials_provider(creds)
            .build(),
    );
    let app = create_app(&c, "events").await;
    let role_arn = "arn:aws:iam::123456789012:role/PinpointServiceRole-abc123";
    let stream_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/pinpoint-events-abc123";
    let put = |stream: &str, role: &str| {
        c.put_event_stream()
            .application_id(&app)
            .write_event_stream(
                WriteEventStream::builder()
                    .destination_stream_arn(stream)
                    .role_arn(role)
                    .build(),
            )
    };

    let (status, _, _) = failure(c.get_event_stream().application_id(&app).send().await);
    assert_eq!(status, 404, "no event stream yet");
    let (status, code, message) = failure(put(stream_arn, role_arn).send().await);
    assert_eq!((status, code.as_str()), (400, "BadRequestException"));
    assert!(
        message.contains("make sure the IAM Role is configured correctly"),
        "{message}"
    );

    iam.create_role()
        .role_name("PinpointServiceRole-abc123")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pinpoint.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let (status, _, message) = failure(put(stream_arn, role_arn).send().await);
    assert_eq!(status, 400, "the stream does not exist yet: {message}");
    let (status, _, _) = failure(
        put(
            "arn:aws:firehose:us-east-1:123456789012:deliverystream/x",
            role_arn,
        )
        .send()
        .await,
    );
    assert_eq!(status, 400, "Firehose is not emulated");

    kinesis
        .create_stream()
        .stream_name("pinpoint-events-abc123")
        .shard_count(1)
        .send()
        .await
        .unwrap();
    em.with_state(|s| s.clock_offset_ms += 60_000);
    let out = put(stream_arn, role_arn).send().await.unwrap();
    let es = out.event_stream().unwrap();
    assert_eq!(es.application_id(), Some(app.as_str()));
    assert_eq!(es.destination_stream_arn(), Some(stream_arn));
    assert_eq!(es.role_arn(), Some(role_arn));
    assert!(is_pinpoint_date(es.last_modified_date().unwrap()));
    let got = c
        .get_event_stream()
        .application_id(&app)
        .send()
        .await
        .unwrap();
    assert_eq!(got.event_stream().unwrap().role_arn(), Some(role_arn));

    // A direct send and a campaign run both land in the stream.
    apns_channel(&c, &app).await;
    put_endpoint(
        &c,
        &app,
        "ios-user-001",
        endpoint(ChannelType::Apns, "tok-ios", "iOS", "high-value"),
    )
    .await;
    c.send_messages()
        .application_id(&app)
        .message_request(
            MessageRequest::builder()
                .message_configuration(
                    DirectMessageConfiguration::builder()
                        .apns_message(ApnsMessage::builder().body("Test").build())
                        .build(),
                )
                .endpoints("ios-user-001", EndpointSendConfiguration::builder().build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let seg = create_segment(&c, &app).await;
    let camp = c
        .create_campaign()
        .application_id(&app)
        .write_campaign_request(campaign_request(&seg, "IMMEDIATE", None))
        .send()
        .await
        .unwrap();
    let camp_id = camp.campaign_response().unwrap().id().unwrap().to_owned();
    em.with_state(|s| s.clock_offset_ms += 5_000);
    c.get_campaign()
        .application_id(&app)
        .campaign_id(&camp_id)
        .send()
        .await
        .unwrap();

    let events = stream_events(&kinesis, "pinpoint-events-abc123").await;
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["_direct.send", "_campaign.send"]);
    for e in &events {
        assert_eq!(e["application"]["app_id"], app.as_str());
        assert_eq!(e["attributes"]["delivery_type"], "APNS");
        assert!(e["arrival_timestamp"].is_i64());
    }
    assert_eq!(events[1]["attributes"]["campaign_id"], camp_id.as_str());
    assert_eq!(events[1]["attributes"]["campaign_send_status"], "SUCCESS");

    let deleted = c
        .delete_event_stream()
        .application_id(&app)
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.event_stream().unwrap().destination_stream_arn(),
        Some(stream_arn)
    );
    let (status, code, _) = failure(c.get_event_stream().application_id(&app).send().await);
    assert_eq!((status, code.as_str()), (404, "NotFoundException"));
}

#[tokio::test]
async fn end_of_support_refuses_in_the_shape_asked_for() {
    let (em, c) = setup().await;
    let app = create_app(&c, "shapes").await;
    for (shape, want) in [
        (RetiredShape::Forbidden, (403, "ForbiddenException")),
        (RetiredShape::NotFound, (404, "NotFoundException")),
        (RetiredShape::BadRequest, (400, "BadRequestException")),
        (
            RetiredShape::UnknownOperation,
            (404, "UnknownOperationException"),
        ),
    ] {
        em.with_state(|s| {
            s.end_of_support = true;
            s.retired_shape = shape;
        });
        let (status, code, _) = failure(c.get_segments().application_id(&app).send().await);
        assert_eq!((status, code.as_str()), want, "{shape:?}");
        let (status, code, _) = failure(c.list_templates().send().await);
        assert_eq!((status, code.as_str()), want, "{shape:?}");
        // Apps live on, whatever the shape.
        c.get_app().application_id(&app).send().await.unwrap();
    }
    // Mixed: four shapes across the families.
    em.with_state(|s| s.retired_shape = RetiredShape::Mixed);
    let mut seen = std::collections::BTreeSet::new();
    let (status, code, _) = failure(c.get_segments().application_id(&app).send().await);
    seen.insert((status, code));
    let (status, code, _) = failure(
        c.get_endpoint()
            .application_id(&app)
            .endpoint_id("x")
            .send()
            .await,
    );
    seen.insert((status, code));
    let (status, code, _) = failure(c.get_campaigns().application_id(&app).send().await);
    seen.insert((status, code));
    let (status, code, _) = failure(c.get_event_stream().application_id(&app).send().await);
    seen.insert((status, code));
    assert_eq!(seen.len(), 4, "{seen:?}");
}

#[tokio::test]
async fn end_of_support_refuses_engagement_features() {
    let (em, c) = setup().await;
    let app = create_app(&c, "eos").await;
    apns_channel(&c, &app).await;
    put_endpoint(
        &c,
        &app,
        "ios",
        endpoint(ChannelType::Apns, "tok", "iOS", "x"),
    )
    .await;
    em.with_state(|s| s.end_of_support = true);

    let (status, code, message) = failure(c.get_segments().application_id(&app).send().await);
    assert_eq!((status, code.as_str()), (403, "ForbiddenException"));
    assert!(message.contains("end of support"), "{message}");
    let (status, _, _) = failure(
        c.get_endpoint()
            .application_id(&app)
            .endpoint_id("ios")
            .send()
            .await,
    );
    assert_eq!(status, 403);
    let (status, _, _) = failure(c.get_campaigns().application_id(&app).send().await);
    assert_eq!(status, 403);
    let (status, _, _) = failure(c.get_event_stream().application_id(&app).send().await);
    assert_eq!(status, 403);
    let (status, _, _) = failure(
        c.get_application_date_range_kpi()
            .application_id(&app)
            .kpi_name("unique-deliveries")
            .send()
            .await,
    );
    assert_eq!(status, 403);

    // Templates and app settings went with the engagement features.
    let (status, _, _) = failure(c.list_templates().send().await);
    assert_eq!(status, 403);
    let (status, _, _) = failure(
        c.get_application_settings()
            .application_id(&app)
            .send()
            .await,
    );
    assert_eq!(status, 403);

    c.get_app().application_id(&app).send().await.unwrap();
    c.get_apns_channel()
        .application_id(&app)
        .send()
        .await
        .unwrap();
    c.list_tags_for_resource()
        .resource_arn(app_arn(&app))
        .send()
        .await
        .unwrap();
    let config = DirectMessageConfiguration::builder()
        .apns_message(ApnsMessage::builder().body("still here").build())
        .build();
    let out = c
        .send_messages()
        .application_id(&app)
        .message_request(
            MessageRequest::builder()
                .message_configuration(config.clone())
                .addresses(
                    "tok",
                    AddressConfiguration::builder()
                        .channel_type(ChannelType::Apns)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.message_response().unwrap().result().unwrap()["tok"].delivery_status(),
        Some(&DeliveryStatus::Successful)
    );
    let (status, _, _) = failure(
        c.send_messages()
            .application_id(&app)
            .message_request(
                MessageRequest::builder()
                    .message_configuration(config)
                    .endpoints("ios", EndpointSendConfiguration::builder().build())
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(status, 403, "sends to endpoints need the endpoint feature");
}

mod raw {
    //! Requests no SDK would send, through the router with `oneshot`.

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use reconcile_emulator::{Config, Emulator};
    use tower::ServiceExt;

    async fn call(
        em: &Emulator,
        method: &str,
        path: &str,
        body: &str,
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/mobiletargeting/aws4_request")
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        let resp = em.router().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let json = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, headers, json)
    }

    fn snapshot(em: &Emulator) -> String {
        em.with_state(|s| serde_json::to_string(&s.pinpoint).unwrap())
    }

    #[tokio::test]
    async fn malformed_json_is_a_400_and_changes_nothing() {
        let em = Emulator::new(Config::default()).unwrap();
        let (status, _, app) = call(&em, "POST", "/v1/apps", r#"{"Name":"raw"}"#).await;
        assert_eq!(status, StatusCode::CREATED);
        let id = app["Id"].as_str().unwrap().to_owned();
        let before = snapshot(&em);
        for (method, path, body) in [
            ("POST", "/v1/apps".to_owned(), "{\"Name\": "),
            ("PUT", format!("/v1/apps/{id}/settings"), "[1,2]"),
            (
                "PUT",
                format!("/v1/apps/{id}/channels/gcm"),
                r#"{"Enabled":"yes","ApiKey":"k"}"#,
            ),
            (
                "POST",
                format!("/v1/apps/{id}/segments"),
                r#"{"Name":"s","Dimensions":{"Demographic":{"Platform":{"DimensionType":"SOMETIMES","Values":[]}}}}"#,
            ),
        ] {
            let (status, headers, body) = call(&em, method, &path, body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}");
            assert_eq!(headers["x-amzn-errortype"], "BadRequestException");
            assert!(headers.contains_key("x-amzn-requestid"));
            assert!(body["Message"].is_string());
            assert_eq!(
                body["RequestID"].as_str(),
                headers["x-amzn-requestid"].to_str().ok()
            );
        }
        assert_eq!(snapshot(&em), before, "the state is untouched");
    }

    #[tokio::test]
    async fn unknown_paths_and_methods() {
        let em = Emulator::new(Config::default()).unwrap();
        let (status, headers, _) = call(&em, "GET", "/v1/nowhere", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(headers["x-amzn-errortype"], "NotFoundException");
        let (status, headers, _) = call(&em, "PATCH", "/v1/apps", "").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers["x-amzn-errortype"], "MethodNotAllowedException");
    }

    #[tokio::test]
    async fn write_only_settings_and_wire_types() {
        let em = Emulator::new(Config::default()).unwrap();
        let (_, _, app) = call(&em, "POST", "/v1/apps", r#"{"Name":"raw"}"#).await;
        assert_eq!(
            app["tags"],
            serde_json::json!({}),
            "tags is lowercase and always there"
        );
        let id = app["Id"].as_str().unwrap().to_owned();
        let (status, _, settings) = call(
            &em,
            "PUT",
            &format!("/v1/apps/{id}/settings"),
            r#"{"CloudWatchMetricsEnabled":true,"EventTaggingEnabled":true,"Limits":{"Daily":3}}"#,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(settings.get("CloudWatchMetricsEnabled").is_none());
        assert!(settings.get("EventTaggingEnabled").is_none());
        assert_eq!(settings["Limits"]["Daily"], 3);

        let (status, _, created) = call(
            &em,
            "POST",
            "/v1/templates/t1/push",
            r#"{"Default":{"Body":"b"}}"#,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(created["Message"], "Created");
        let (_, _, t) = call(&em, "GET", "/v1/templates/t1/push", "").await;
        assert_eq!(t["Version"], "1", "template versions are strings");
        let (status, headers, body) = call(
            &em,
            "POST",
            &format!(
                "/v1/tags/arn%3Aaws%3Amobiletargeting%3Aus-east-1%3A123456789012%3Aapps%2F{id}"
            ),
            r#"{"tags":{"k":"v"}}"#,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(headers.contains_key("x-amzn-requestid"));
        assert_eq!(body, serde_json::Value::Null);
    }
}

#[tokio::test]
async fn email_sms_and_baidu_channels() {
    let (_em, c) = setup().await;
    let app = create_app(&c, "more-channels").await;
    let (status, _, _) = failure(
        c.update_email_channel()
            .application_id(&app)
            .email_channel_request(
                aws_sdk_pinpoint::types::EmailChannelRequest::builder()
                    .from_address("noreply@example.com")
                    .identity("")
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(status, 400, "Identity is required");
    let out = c
        .update_email_channel()
        .application_id(&app)
        .email_channel_request(
            aws_sdk_pinpoint::types::EmailChannelRequest::builder()
                .from_address("noreply@example.com")
                .identity("arn:aws:ses:us-east-1:123456789012:identity/example.com")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let email = out.email_channel_response().unwrap();
    assert_eq!(email.from_address(), Some("noreply@example.com"));
    assert_eq!(
        (email.platform(), email.messages_per_second()),
        (Some("EMAIL"), Some(1))
    );

    let out = c
        .update_sms_channel()
        .application_id(&app)
        .sms_channel_request(
            aws_sdk_pinpoint::types::SmsChannelRequest::builder()
                .sender_id("SHOP")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let sms = out.sms_channel_response().unwrap();
    assert_eq!(sms.sender_id(), Some("SHOP"));
    assert_eq!(sms.transactional_messages_per_second(), Some(20));
    assert_eq!(sms.enabled(), Some(true), "a new channel is enabled");

    let out = c
        .update_baidu_channel()
        .application_id(&app)
        .baidu_channel_request(
            aws_sdk_pinpoint::types::BaiduChannelRequest::builder()
                .api_key("api")
                .secret_key("secret")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let baidu = out.baidu_channel_response().unwrap();
    assert_eq!(
        (baidu.platform(), baidu.has_credential()),
        (Some("BAIDU"), Some(true))
    );
    assert_eq!(
        baidu.credential(),
        Some(""),
        "never returned; the SDK fills the required member"
    );
}

#[tokio::test]
async fn recurring_campaigns_run_until_their_end() {
    let (em, c) = setup().await;
    let app = create_app(&c, "recurring").await;
    let seg = create_segment(&c, &app).await;
    let now = time::OffsetDateTime::now_utc();
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let start = fmt(now + time::Duration::minutes(10));
    let end = fmt(now + time::Duration::minutes(10) + time::Duration::hours(36));
    let daily = |end: Option<&str>| {
        let mut s = Schedule::builder()
            .start_time(start.clone())
            .frequency(aws_sdk_pinpoint::types::Frequency::Daily);
        if let Some(e) = end {
            s = s.end_time(e);
        }
        WriteCampaignRequest::builder()
            .name("daily")
            .segment_id(&seg)
            .schedule(s.build())
            .message_configuration(
                MessageConfiguration::builder()
                    .default_message(Message::builder().body("hi").build())
                    .build(),
            )
            .build()
    };
    let (status, _, _) = failure(
        c.create_campaign()
            .application_id(&app)
            .write_campaign_request(daily(None))
            .send()
            .await,
    );
    assert_eq!(status, 400, "a recurring campaign needs an EndTime");
    let out = c
        .create_campaign()
        .application_id(&app)
        .write_campaign_request(daily(Some(&end)))
        .send()
        .await
        .unwrap();
    let id = out.campaign_response().unwrap().id().unwrap().to_owned();
    let status_now = || async {
        let got = c
            .get_campaign()
            .application_id(&app)
            .campaign_id(&id)
            .send()
            .await
            .unwrap();
        got.campaign_response()
            .unwrap()
            .state()
            .unwrap()
            .campaign_status()
            .cloned()
    };
    assert_eq!(status_now().await, Some(CampaignStatus::Scheduled));
    em.with_state(|s| s.clock_offset_ms += 11 * 60 * 1000);
    assert_eq!(status_now().await, Some(CampaignStatus::PendingNextRun));
    em.with_state(|s| s.clock_offset_ms += 24 * 3600 * 1000);
    assert_eq!(status_now().await, Some(CampaignStatus::Completed));
    let acts = c
        .get_campaign_activities()
        .application_id(&app)
        .campaign_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(acts.activities_response().unwrap().item().len(), 2);

    let (status, _, _) = failure(
        c.create_campaign()
            .application_id(&app)
            .write_campaign_request(
                WriteCampaignRequest::builder()
                    .name("paused-now")
                    .segment_id(&seg)
                    .is_paused(true)
                    .schedule(Schedule::builder().start_time("IMMEDIATE").build())
                    .message_configuration(
                        MessageConfiguration::builder()
                            .default_message(Message::builder().body("hi").build())
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(status, 400, "an IMMEDIATE campaign can't be paused");
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        state_file: Some(dir.path().join("state.json")),
        ..Config::default()
    };
    let app = {
        let em = Emulator::new(config.clone()).unwrap();
        let url = em.clone().spawn().await.unwrap();
        let c = Client::from_conf(
            aws_sdk_pinpoint::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .endpoint_url(url)
                .credentials_provider(Credentials::new(
                    "AKIDEXAMPLE",
                    "secret",
                    None,
                    None,
                    "test",
                ))
                .build(),
        );
        let app = create_app(&c, "persisted").await;
        apns_channel(&c, &app).await;
        c.create_push_template()
            .template_name("kept")
            .push_notification_template_request(template_request("k"))
            .send()
            .await
            .unwrap();
        app
    };
    let again = Emulator::new(config).unwrap();
    let (apps, channel, templates) = again.with_state(|s| {
        (
            s.pinpoint.apps.contains_key(&app),
            s.pinpoint.apps[&app].channels.contains_key("apns"),
            s.pinpoint.templates.len(),
        )
    });
    assert!(apps && channel);
    assert_eq!(templates, 1);
}
