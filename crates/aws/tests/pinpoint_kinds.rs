//! Segments, push templates and campaigns through the real SDK client
//! against the emulator: what is written reads back as the same spec.

use std::collections::HashMap;

use aws_sdk_pinpoint::Client;
use aws_sdk_pinpoint::config::{BehaviorVersion, Region};
use aws_sdk_pinpoint::types::{CampaignResponse, CreateApplicationRequest, SegmentResponse};
use reconcile_aws::campaigns::{self, CampaignTargets, SegmentVersionContext};
use reconcile_aws::segments;
use reconcile_aws::templates;
use reconcile_emulator::{Config, Emulator};
use reconcile_model::spec::{Campaign, Segment, SegmentVersion, StartTime, Template};
use reconcile_model::{Api, campaign_resource, segment_resource, template_resource};
use serde_json::json;

async fn start() -> (Emulator, Client) {
    let em = Emulator::new(Config::default()).expect("emulator");
    let url = em.clone().spawn().await.expect("spawn");
    let conf = aws_sdk_pinpoint::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "test",
        ))
        .build();
    (em, Client::from_conf(conf))
}

async fn create_app(client: &Client) -> String {
    let out = client
        .create_app()
        .create_application_request(CreateApplicationRequest::builder().name("kinds").build())
        .send()
        .await
        .expect("CreateApp");
    out.application_response()
        .and_then(|a| a.id())
        .expect("app id")
        .to_owned()
}

fn ownership(key: &str) -> Option<HashMap<String, String>> {
    Some(HashMap::from([
        ("reconcile:stack".to_owned(), "demo".to_owned()),
        ("reconcile:key".to_owned(), key.to_owned()),
    ]))
}

fn segment(v: serde_json::Value) -> Segment {
    serde_json::from_value(v).expect("segment spec")
}

fn template(v: serde_json::Value) -> Template {
    serde_json::from_value(v).expect("template spec")
}

fn campaign(v: serde_json::Value) -> Campaign {
    serde_json::from_value(v).expect("campaign spec")
}

fn no_ids(_: &str) -> Option<String> {
    None
}

fn find_segment<'a>(all: &'a [SegmentResponse], id: &str) -> &'a SegmentResponse {
    all.iter()
        .find(|s| s.id() == Some(id))
        .expect("segment listed")
}

fn find_campaign<'a>(all: &'a [CampaignResponse], id: &str) -> &'a CampaignResponse {
    all.iter()
        .find(|c| c.id() == Some(id))
        .expect("campaign listed")
}

fn vip() -> Segment {
    segment(json!({
        "name": "high-value",
        "tags": { "team": "growth" },
        "dimensions": {
            "attributes": {
                "Interests": { "attribute_type": "CONTAINS", "values": ["shoes"] },
                "Signup": { "attribute_type": "BETWEEN",
                            "values": ["2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z"] }
            },
            "behavior": { "recency": { "duration": "DAY_30", "recency_type": "ACTIVE" } },
            "demographic": {
                "app_version": { "values": ["1.2.3"] },
                "channel": { "dimension_type": "INCLUSIVE", "values": ["APNS", "GCM"] },
                "device_type": { "values": ["PHONE"] },
                "make": { "values": ["Apple"] },
                "model": { "values": ["iPhone15"] },
                "platform": { "dimension_type": "INCLUSIVE", "values": ["iOS", "Android"] }
            },
            "location": {
                "country": { "dimension_type": "EXCLUSIVE", "values": ["FR"] },
                "gps_point": {
                    "coordinates": { "latitude": 47.6, "longitude": -122.3 },
                    "range_in_kilometers": 25.5
                }
            },
            "metrics": { "purchases": { "comparison_operator": "GREATER_THAN_OR_EQUAL", "value": 3.0 } },
            "user_attributes": {
                "PurchaseHistory": { "attribute_type": "INCLUSIVE", "values": ["high-value"] }
            }
        }
    }))
}

#[tokio::test]
async fn segments_create_list_update_delete() {
    let (_em, client) = start().await;
    let app = create_app(&client).await;

    let spec = vip();
    let created = segments::create_segment(&client, &app, &spec, ownership("vip"), &no_ids)
        .await
        .expect("CreateSegment");
    let vip_id = created.id().expect("segment id").to_owned();
    assert_eq!(created.version(), Some(1));
    let tags = created.tags().expect("tags");
    assert_eq!(tags["reconcile:stack"], "demo");
    assert_eq!(tags["team"], "growth");

    // A segment built on the first one, by spec key.
    let ids = |key: &str| (key == "vip").then(|| vip_id.clone());
    let keys = |id: &str| (id == vip_id).then(|| "vip".to_owned());
    let combined = segment(json!({
        "name": "vip-on-ios",
        "segment_groups": {
            "include": "ALL",
            "groups": [{
                "source_segments": [{ "segment": "vip", "version": 1 }],
                "source_type": "ANY",
                "type": "ALL",
                "dimensions": [{ "demographic": { "platform": { "values": ["iOS"] } } }]
            }]
        }
    }));
    let combined_id = segments::create_segment(&client, &app, &combined, ownership("ios"), &ids)
        .await
        .expect("CreateSegment with groups")
        .id()
        .expect("id")
        .to_owned();

    let all = segments::list_segments(&client, &app)
        .await
        .expect("GetSegments");
    assert_eq!(all.len(), 2);
    let live = segments::segment_from_sdk(find_segment(&all, &vip_id), &keys);
    assert_eq!(live, spec);
    assert_eq!(
        segment_resource("vip", &live).attrs,
        segment_resource("vip", &spec).attrs
    );
    let live = segments::segment_from_sdk(find_segment(&all, &combined_id), &keys);
    assert_eq!(live, combined);

    // Update: the next version, read back as the new spec; tags untouched.
    let mut changed = spec.clone();
    changed.name = "high-value-2".to_owned();
    if let Some(d) = changed.dimensions.as_mut() {
        d.metrics.clear();
        d.location = None;
    }
    let updated = segments::update_segment(&client, &app, &vip_id, &changed, &ids)
        .await
        .expect("UpdateSegment");
    assert_eq!(updated.version(), Some(2));
    let got = segments::get_segment(&client, &app, &vip_id)
        .await
        .expect("GetSegment")
        .expect("exists");
    assert_eq!(segments::segment_from_sdk(&got, &keys), changed);
    assert_eq!(got.tags().expect("tags")["reconcile:key"], "vip");

    // Delete: gone from the list; a second delete is not an error.
    let gone = segments::delete_segment(&client, &app, &combined_id)
        .await
        .expect("DeleteSegment");
    assert_eq!(
        gone.and_then(|s| s.id().map(ToOwned::to_owned)),
        Some(combined_id.clone())
    );
    let all = segments::list_segments(&client, &app)
        .await
        .expect("GetSegments");
    assert!(all.iter().all(|s| s.id() != Some(combined_id.as_str())));
    assert!(
        segments::delete_segment(&client, &app, &combined_id)
            .await
            .expect("DeleteSegment again")
            .is_none()
    );
    assert!(
        segments::get_segment(&client, &app, &combined_id)
            .await
            .expect("GetSegment")
            .is_none()
    );
}

#[tokio::test]
async fn segment_lists_follow_every_page() {
    let (_em, client) = start().await;
    let app = create_app(&client).await;
    for i in 0..45 {
        let s = segment(json!({ "name": format!("s{i}") }));
        segments::create_segment(&client, &app, &s, None, &no_ids)
            .await
            .expect("CreateSegment");
    }
    let all = segments::list_segments(&client, &app)
        .await
        .expect("GetSegments");
    let mut names: Vec<String> = all
        .iter()
        .map(|s| s.name().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 45, "every page, no duplicate");
    // A segment of everyone reads back as the spec that has no criteria.
    let live = segments::segment_from_sdk(&all[0], &no_ids);
    assert_eq!(live, segment(json!({ "name": "s0" })));
}

fn flash_template() -> Template {
    let android = json!({
        "action": "OPEN_APP",
        "body": "Don't miss out! {{User.FirstName}}, flash sale ends in 2 hours!",
        "title": "Flash Sale Alert",
        "sound": "default",
        "image_icon_url": "https://example.com/icon.png",
        "image_url": "https://example.com/image.png",
        "small_image_icon_url": "https://example.com/small.png",
        "url": "https://example.com/sale"
    });
    template(json!({
        "name": "flash-sale-template",
        "description": "Flash sale",
        "tags": { "team": "growth" },
        "default_substitutions": { "User.FirstName": "friend" },
        "apns": {
            "action": "DEEP_LINK",
            "body": "Don't miss out! {{User.FirstName}}",
            "title": "Flash Sale Alert",
            "sound": "default",
            "media_url": "https://example.com/video.mp4",
            "url": "shop://sale"
        },
        "gcm": android,
        "adm": android,
        "baidu": { "body": "baidu", "raw_content": "{\"title\":\"raw\"}" },
        "default": { "action": "OPEN_APP", "body": "Flash sale ends in 2 hours!", "title": "Flash Sale Alert" }
    }))
}

#[tokio::test]
async fn push_templates_create_get_update_activate_delete() {
    let (_em, client) = start().await;
    let spec = flash_template();
    let arn = templates::create_push_template(&client, &spec, ownership("flash"))
        .await
        .expect("CreatePushTemplate");
    assert!(
        arn.as_deref()
            .is_some_and(|a| a.ends_with(":templates/flash-sale-template/PUSH")),
        "{arn:?}"
    );

    let listed = templates::list_push_templates(&client)
        .await
        .expect("ListTemplates");
    assert_eq!(
        listed
            .iter()
            .filter_map(|t| t.template_name())
            .collect::<Vec<_>>(),
        ["flash-sale-template"]
    );

    let got = templates::get_push_template(&client, Api::Classic, &spec.name, None)
        .await
        .expect("GetPushTemplate")
        .expect("exists");
    assert_eq!(got.version(), Some("1"));
    assert_eq!(got.tags().expect("tags")["reconcile:key"], "flash");
    let live = templates::template_from_sdk(&got).expect("readable");
    assert_eq!(live, spec);
    assert_eq!(
        template_resource("flash", &live).attrs,
        template_resource("flash", &spec).attrs
    );

    // Update: a new version, made active; the old one is kept.
    let mut changed = spec.clone();
    changed.description = Some("Flash sale, last hours".to_owned());
    changed.default_substitutions.clear();
    changed.baidu = None;
    if let Some(d) = changed.default.as_mut() {
        d.body = Some("Last hours!".to_owned());
    }
    templates::update_push_template(&client, &changed)
        .await
        .expect("UpdatePushTemplate");
    let active = templates::get_push_template(&client, Api::Classic, &spec.name, None)
        .await
        .expect("GetPushTemplate")
        .expect("exists");
    assert_eq!(active.version(), Some("2"));
    assert_eq!(
        templates::template_from_sdk(&active).expect("readable"),
        changed
    );
    let old = templates::get_push_template(&client, Api::Classic, &spec.name, Some("1"))
        .await
        .expect("GetPushTemplate v1")
        .expect("v1 kept");
    assert_eq!(templates::template_from_sdk(&old).expect("readable"), spec);

    // Rollback: the previous version made active again.
    templates::activate_push_template_version(&client, &spec.name, "1")
        .await
        .expect("UpdateTemplateActiveVersion");
    let active = templates::get_push_template(&client, Api::Classic, &spec.name, None)
        .await
        .expect("GetPushTemplate")
        .expect("exists");
    assert_eq!(
        templates::template_from_sdk(&active).expect("readable"),
        spec
    );

    assert!(
        templates::delete_push_template(&client, &spec.name)
            .await
            .expect("DeletePushTemplate")
    );
    assert!(
        templates::get_push_template(&client, Api::Classic, &spec.name, None)
            .await
            .expect("GetPushTemplate")
            .is_none()
    );
    assert!(
        !templates::delete_push_template(&client, &spec.name)
            .await
            .expect("DeletePushTemplate again")
    );
}

fn scheduled_campaign() -> Campaign {
    campaign(json!({
        "name": "flash-sale",
        "description": "Flash sale notification for high-value customers",
        "tags": { "team": "growth" },
        "segment": "vip",
        "message_configuration": {
            "apns_message": {
                "action": "OPEN_APP",
                "body": "Flash sale ends in 2 hours - Up to 50% off!",
                "title": "Flash Sale Alert",
                "media_url": "https://example.com/video.mp4",
                "silent_push": false,
                "time_to_live": 7200
            },
            "gcm_message": {
                "action": "URL",
                "url": "https://example.com/sale",
                "body": "Flash sale ends in 2 hours - Up to 50% off!",
                "title": "Flash Sale Alert",
                "image_icon_url": "https://example.com/icon.png",
                "image_small_icon_url": "https://example.com/small.png",
                "image_url": "https://example.com/image.png",
                "json_body": "{\"sale\":true}"
            },
            "adm_message": { "body": "adm", "raw_content": "{\"data\":{}}" },
            "baidu_message": { "body": "baidu" },
            "default_message": { "body": "Flash sale ends in 2 hours!" }
        },
        "schedule": {
            "start_time": "2099-01-01T09:00:00Z",
            "end_time": "2099-01-31T09:00:00Z",
            "frequency": "DAILY",
            "is_local_time": true,
            "quiet_time": { "start": "22:00", "end": "08:00" },
            "timezone": "UTC-05"
        },
        "limits": { "daily": 1, "maximum_duration": 600, "messages_per_second": 50, "total": 3, "session": 1 },
        "holdout_percent": 10,
        "is_paused": true,
        "priority": 3,
        "treatment_name": "A",
        "treatment_description": "the message",
        "additional_treatments": [{
            "size_percent": 30,
            "template": "flash",
            "template_version": 1,
            "treatment_name": "B",
            "treatment_description": "the template"
        }],
        "hook": { "lambda_function_name": "filter-fn", "mode": "FILTER" }
    }))
}

#[tokio::test]
async fn campaigns_create_list_update_delete() {
    let (_em, client) = start().await;
    let app = create_app(&client).await;
    let seg = segments::create_segment(&client, &app, &vip(), ownership("vip"), &no_ids)
        .await
        .expect("CreateSegment");
    let seg_id = seg.id().expect("id").to_owned();
    templates::create_push_template(&client, &flash_template(), ownership("flash"))
        .await
        .expect("CreatePushTemplate");
    let keys_seg = |id: &str| (id == seg_id).then(|| "vip".to_owned());
    let names = |key: &str| (key == "flash").then(|| "flash-sale-template".to_owned());
    let keys_tpl = |name: &str| (name == "flash-sale-template").then(|| "flash".to_owned());
    let targets = CampaignTargets {
        segment_id: &seg_id,
        segment_current_version: seg.version(),
        template_name: &names,
    };
    let latest = SegmentVersionContext {
        current: Some(1),
        desired: Some(SegmentVersion::Latest),
    };

    let spec = scheduled_campaign();
    let created = campaigns::create_campaign(&client, &app, &spec, &targets, ownership("flash"))
        .await
        .expect("CreateCampaign");
    let id = created.id().expect("id").to_owned();
    assert_eq!(created.segment_version(), Some(1));
    assert_eq!(created.tags().expect("tags")["reconcile:stack"], "demo");

    let all = campaigns::list_campaigns(&client, &app)
        .await
        .expect("GetCampaigns");
    let live = campaigns::campaign_from_sdk(find_campaign(&all, &id), &keys_seg, &keys_tpl, latest);
    assert_eq!(live, spec);
    assert_eq!(
        campaign_resource("flash", &live).attrs,
        campaign_resource("flash", &spec).attrs
    );

    // Update: fields removed from the spec are removed live too.
    let mut changed = spec.clone();
    changed.description = None;
    changed.limits = None;
    changed.hook = None;
    changed.additional_treatments.clear();
    changed.holdout_percent = 0;
    changed.is_paused = false;
    changed.schedule.quiet_time = None;
    if let Some(m) = changed.message_configuration.as_mut() {
        m.adm_message = None;
        if let Some(d) = m.default_message.as_mut() {
            d.body = Some("Last hours!".to_owned());
        }
    }
    let updated = campaigns::update_campaign(&client, &app, &id, &changed, &targets)
        .await
        .expect("UpdateCampaign");
    assert_eq!(updated.version(), Some(2));
    assert_eq!(
        campaigns::campaign_from_sdk(&updated, &keys_seg, &keys_tpl, latest),
        changed
    );
    let got = campaigns::get_campaign(&client, Api::Classic, &app, &id)
        .await
        .expect("GetCampaign")
        .expect("exists");
    let live = campaigns::campaign_from_sdk(&got, &keys_seg, &keys_tpl, latest);
    assert_eq!(live, changed);
    assert_eq!(got.tags().expect("tags")["team"], "growth", "tags kept");

    // The segment moves on: the campaign on `latest` reads pinned to the
    // old version until it is re-targeted.
    segments::update_segment(&client, &app, &seg_id, &vip(), &no_ids)
        .await
        .expect("UpdateSegment");
    let moved = SegmentVersionContext {
        current: Some(2),
        desired: Some(SegmentVersion::Latest),
    };
    let live = campaigns::campaign_from_sdk(&got, &keys_seg, &keys_tpl, moved);
    assert_eq!(live.segment_version, SegmentVersion::Pinned(1));
    let retarget = CampaignTargets {
        segment_current_version: Some(2),
        ..targets
    };
    let updated = campaigns::update_campaign(&client, &app, &id, &changed, &retarget)
        .await
        .expect("UpdateCampaign");
    assert_eq!(updated.segment_version(), Some(2));
    assert_eq!(
        campaigns::campaign_from_sdk(&updated, &keys_seg, &keys_tpl, moved),
        changed
    );

    let gone = campaigns::delete_campaign(&client, &app, &id)
        .await
        .expect("DeleteCampaign");
    assert!(gone.is_some());
    let all = campaigns::list_campaigns(&client, &app)
        .await
        .expect("GetCampaigns");
    assert!(all.is_empty());
    assert!(
        campaigns::delete_campaign(&client, &app, &id)
            .await
            .expect("DeleteCampaign again")
            .is_none()
    );
}

#[tokio::test]
async fn a_completed_immediate_campaign_reads_back_unchanged() {
    let (em, client) = start().await;
    let app = create_app(&client).await;
    let seg = segments::create_segment(&client, &app, &vip(), ownership("vip"), &no_ids)
        .await
        .expect("CreateSegment");
    let seg_id = seg.id().expect("id").to_owned();
    templates::create_push_template(&client, &flash_template(), ownership("flash"))
        .await
        .expect("CreatePushTemplate");
    let keys_seg = |id: &str| (id == seg_id).then(|| "vip".to_owned());
    let names = |key: &str| (key == "flash").then(|| "flash-sale-template".to_owned());
    let keys_tpl = |name: &str| (name == "flash-sale-template").then(|| "flash".to_owned());
    let spec = campaign(json!({
        "name": "now",
        "segment": "vip",
        "template": "flash",
        "schedule": { "start_time": "immediate" }
    }));
    let targets = CampaignTargets {
        segment_id: &seg_id,
        segment_current_version: seg.version(),
        template_name: &names,
    };
    let created = campaigns::create_campaign(&client, &app, &spec, &targets, ownership("now"))
        .await
        .expect("CreateCampaign");
    let id = created.id().expect("id").to_owned();

    // Let it run on the emulator's clock, then move the segment on.
    em.with_state(|s| s.clock_offset_ms += 5_000);
    segments::update_segment(&client, &app, &seg_id, &vip(), &no_ids)
        .await
        .expect("UpdateSegment");
    let all = campaigns::list_campaigns(&client, &app)
        .await
        .expect("GetCampaigns");
    let resp = find_campaign(&all, &id);
    assert!(campaigns::campaign_is_completed(resp), "{:?}", resp.state());
    let live = campaigns::campaign_from_sdk(
        resp,
        &keys_seg,
        &keys_tpl,
        SegmentVersionContext {
            current: Some(2),
            desired: Some(SegmentVersion::Latest),
        },
    );
    assert_eq!(live.schedule.start_time, StartTime::Immediate);
    assert_eq!(
        live, spec,
        "a no-op plan: nothing to update, nothing to re-create"
    );
    assert_eq!(
        campaign_resource("now", &live).attrs,
        campaign_resource("now", &spec).attrs
    );
}
