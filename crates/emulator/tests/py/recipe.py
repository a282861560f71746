"""Runs the Pinpoint push recipe's own AWS CLI commands, in order, against the
endpoint in AWS_ENDPOINT_URL, and checks that each returns what the recipe
expects. Then checks, with boto3, that the cleanup left nothing behind.

The commands are the recipe's (shared/seed/000_ca2d0af78519904c.txt),
verbatim, with two kinds of adaptation only:
- the environment: AWS_ENDPOINT_URL, dummy credentials, a config file with the
  region (the recipe reads it with `aws configure get region`);
- placeholders the recipe leaves for the user: the APNs certificate and key
  (step 2) and the FCM server key (step 3) get dummy values.

Steps are run one bash process each; variables carry over through a state
file, as they would in the user's shell. Two harness actions that are not
recipe commands move the emulator's clock (so the stream the recipe creates
is ACTIVE when `aws kinesis wait stream-exists` first looks, and the
IMMEDIATE campaign has run before its activities are read).

Known defects of the recipe itself are data (RECIPE_DEFECTS): the verbatim
command is run and must fail the way AWS fails, then the corrected command
runs.

Usage: python recipe.py  (exit status 0 when every check passes)
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
ACCOUNT = os.environ.get("EXPECTED_ACCOUNT_ID", "123456789012")
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")

# ---------------------------------------------------------------------------
# The recipe, step by step.

PREPARATION = r"""
# Set environment variables
export AWS_REGION=$(aws configure get region)
export AWS_ACCOUNT_ID=$(aws sts get-caller-identity \
    --query Account --output text)

# Generate unique identifiers for resources
RANDOM_SUFFIX=$(aws secretsmanager get-random-password \
    --exclude-punctuation --exclude-uppercase \
    --password-length 6 --require-each-included-type \
    --output text --query RandomPassword)

export APP_NAME="ecommerce-mobile-app-${RANDOM_SUFFIX}"
export SEGMENT_NAME="high-value-customers"
export CAMPAIGN_NAME="flash-sale-notification"

# Create IAM role for Pinpoint service
aws iam create-role \
    --role-name "PinpointServiceRole-${RANDOM_SUFFIX}" \
    --assume-role-policy-document '{
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Service": "pinpoint.amazonaws.com"
                },
                "Action": "sts:AssumeRole"
            }
        ]
    }'

# Attach basic policy to the role
aws iam attach-role-policy \
    --role-name "PinpointServiceRole-${RANDOM_SUFFIX}" \
    --policy-arn "arn:aws:iam::aws:policy/service-role/AmazonPinpointServiceRole"

export PINPOINT_ROLE_ARN="arn:aws:iam::${AWS_ACCOUNT_ID}:role/PinpointServiceRole-${RANDOM_SUFFIX}"

echo "✅ Environment prepared with app name: ${APP_NAME}"
"""

STEP_1 = r"""
# Create the main Pinpoint application
aws pinpoint create-app \
    --create-application-request Name="${APP_NAME}" \
    --region ${AWS_REGION}

# Store the application ID
export PINPOINT_APP_ID=$(aws pinpoint get-apps \
    --query 'ApplicationsResponse.Item[?Name==`'${APP_NAME}'`].Id' \
    --output text --region ${AWS_REGION})

echo "✅ Created Pinpoint application: ${PINPOINT_APP_ID}"
"""

# Placeholder filled: the recipe says "requires APNs certificate ... Replace
# with your actual certificate file path" and sends none.
STEP_2 = r"""
# Enable APNs channel (requires APNs certificate)
# Note: Replace with your actual certificate file path
aws pinpoint update-apns-channel \
    --application-id ${PINPOINT_APP_ID} \
    --apns-channel-request \
    Enabled=true,DefaultAuthenticationMethod=CERTIFICATE,Certificate=DUMMY-APNS-CERTIFICATE,PrivateKey=DUMMY-APNS-PRIVATE-KEY \
    --region ${AWS_REGION}

# Verify APNs channel status
aws pinpoint get-apns-channel \
    --application-id ${PINPOINT_APP_ID} \
    --region ${AWS_REGION} \
    --query 'APNSChannelResponse.{Enabled:Enabled,Platform:Platform}'

echo "✅ APNs channel configured for iOS notifications"
"""

# Placeholder filled: YOUR_FCM_SERVER_KEY.
STEP_3 = r"""
# Enable FCM channel (requires Firebase server key)
# Note: Replace YOUR_FCM_SERVER_KEY with actual key
aws pinpoint update-gcm-channel \
    --application-id ${PINPOINT_APP_ID} \
    --gcm-channel-request \
    Enabled=true,ApiKey="DUMMY-FCM-SERVER-KEY" \
    --region ${AWS_REGION}

# Verify FCM channel status
aws pinpoint get-gcm-channel \
    --application-id ${PINPOINT_APP_ID} \
    --region ${AWS_REGION} \
    --query 'GCMChannelResponse.{Enabled:Enabled,Platform:Platform}'

echo "✅ FCM channel configured for Android notifications"
"""

STEP_4 = r"""
# Create iOS endpoint for a test user
aws pinpoint update-endpoint \
    --application-id ${PINPOINT_APP_ID} \
    --endpoint-id "ios-user-001" \
    --endpoint-request '{
        "ChannelType": "APNS",
        "Address": "device-token-ios-user-001",
        "Attributes": {
            "PlatformType": ["iOS"],
            "AppVersion": ["1.0.0"]
        },
        "Demographic": {
            "Platform": "iOS",
            "PlatformVersion": "15.0"
        },
        "Location": {
            "Country": "US",
            "City": "Seattle"
        },
        "User": {
            "UserId": "user-001",
            "UserAttributes": {
                "PurchaseHistory": ["high-value"],
                "Category": ["electronics"]
            }
        }
    }' \
    --region ${AWS_REGION}

# Create Android endpoint for a test user
aws pinpoint update-endpoint \
    --application-id ${PINPOINT_APP_ID} \
    --endpoint-id "android-user-002" \
    --endpoint-request '{
        "ChannelType": "GCM",
        "Address": "device-token-android-user-002",
        "Attributes": {
            "PlatformType": ["Android"],
            "AppVersion": ["1.0.0"]
        },
        "Demographic": {
            "Platform": "Android",
            "PlatformVersion": "12.0"
        },
        "Location": {
            "Country": "US",
            "City": "San Francisco"
        },
        "User": {
            "UserId": "user-002",
            "UserAttributes": {
                "PurchaseHistory": ["medium-value"],
                "Category": ["clothing"]
            }
        }
    }' \
    --region ${AWS_REGION}

echo "✅ Created user endpoints for iOS and Android"
"""

STEP_5 = r"""
# Create segment for high-value customers
aws pinpoint create-segment \
    --application-id ${PINPOINT_APP_ID} \
    --write-segment-request '{
        "Name": "'${SEGMENT_NAME}'",
        "Dimensions": {
            "UserAttributes": {
                "PurchaseHistory": {
                    "AttributeType": "INCLUSIVE",
                    "Values": ["high-value"]
                }
            },
            "Demographic": {
                "Platform": {
                    "DimensionType": "INCLUSIVE",
                    "Values": ["iOS", "Android"]
                }
            }
        }
    }' \
    --region ${AWS_REGION}

# Store segment ID
export SEGMENT_ID=$(aws pinpoint get-segments \
    --application-id ${PINPOINT_APP_ID} \
    --query 'SegmentsResponse.Item[?Name==`'${SEGMENT_NAME}'`].Id' \
    --output text --region ${AWS_REGION})

echo "✅ Created user segment: ${SEGMENT_ID}"
"""

STEP_6 = r"""
# Create a reusable push notification template
aws pinpoint create-push-template \
    --template-name "flash-sale-template" \
    --push-notification-template-request '{
        "ADM": {
            "Action": "OPEN_APP",
            "Body": "Don'\''t miss out! {{User.FirstName}}, exclusive flash sale ends in 2 hours!",
            "Title": "🔥 Flash Sale Alert",
            "Sound": "default"
        },
        "APNS": {
            "Action": "OPEN_APP",
            "Body": "Don'\''t miss out! {{User.FirstName}}, exclusive flash sale ends in 2 hours!",
            "Title": "🔥 Flash Sale Alert",
            "Sound": "default"
        },
        "GCM": {
            "Action": "OPEN_APP",
            "Body": "Don'\''t miss out! {{User.FirstName}}, exclusive flash sale ends in 2 hours!",
            "Title": "🔥 Flash Sale Alert",
            "Sound": "default"
        },
        "Default": {
            "Action": "OPEN_APP",
            "Body": "Don'\''t miss out! Exclusive flash sale ends in 2 hours!",
            "Title": "🔥 Flash Sale Alert"
        }
    }' \
    --region ${AWS_REGION}

echo "✅ Created push notification template"
"""

STEP_7 = r"""
# Create a push notification campaign
aws pinpoint create-campaign \
    --application-id ${PINPOINT_APP_ID} \
    --write-campaign-request '{
        "Name": "'${CAMPAIGN_NAME}'",
        "Description": "Flash sale notification for high-value customers",
        "MessageConfiguration": {
            "APNSMessage": {
                "Action": "OPEN_APP",
                "Body": "Don'\''t miss out! Flash sale ends in 2 hours - Up to 50% off!",
                "Title": "🔥 Flash Sale Alert",
                "Sound": "default"
            },
            "GCMMessage": {
                "Action": "OPEN_APP",
                "Body": "Don'\''t miss out! Flash sale ends in 2 hours - Up to 50% off!",
                "Title": "🔥 Flash Sale Alert",
                "Sound": "default"
            },
            "DefaultMessage": {
                "Body": "Don'\''t miss out! Flash sale ends in 2 hours - Up to 50% off!"
            }
        },
        "Schedule": {
            "IsLocalTime": true,
            "QuietTime": {
                "Start": "22:00",
                "End": "08:00"
            },
            "StartTime": "IMMEDIATE",
            "Timezone": "America/New_York"
        },
        "SegmentId": "'${SEGMENT_ID}'",
        "SegmentVersion": 1
    }' \
    --region ${AWS_REGION}

# Store campaign ID
export CAMPAIGN_ID=$(aws pinpoint get-campaigns \
    --application-id ${PINPOINT_APP_ID} \
    --query 'CampaignsResponse.Item[?Name==`'${CAMPAIGN_NAME}'`].Id' \
    --output text --region ${AWS_REGION})

echo "✅ Created push campaign: ${CAMPAIGN_ID}"
"""

STEP_8 = r"""
# Send a direct test message to a specific endpoint
aws pinpoint send-messages \
    --application-id ${PINPOINT_APP_ID} \
    --message-request '{
        "MessageConfiguration": {
            "APNSMessage": {
                "Action": "OPEN_APP",
                "Body": "Test notification - Your app is working!",
                "Title": "Test Push Notification",
                "Sound": "default"
            },
            "GCMMessage": {
                "Action": "OPEN_APP",
                "Body": "Test notification - Your app is working!",
                "Title": "Test Push Notification",
                "Sound": "default"
            }
        },
        "Endpoints": {
            "ios-user-001": {},
            "android-user-002": {}
        }
    }' \
    --region ${AWS_REGION}

echo "✅ Sent test push notifications to endpoints"
"""

# Step 9, split where the harness moves the clock (between creating the
# stream and waiting for it); the commands are unchanged.
STEP_9A = r"""
# Create Kinesis stream for Pinpoint events
aws kinesis create-stream \
    --stream-name "pinpoint-events-${RANDOM_SUFFIX}" \
    --shard-count 1 \
    --region ${AWS_REGION}
"""

STEP_9B = r"""
# Wait for stream to be active
aws kinesis wait stream-exists \
    --stream-name "pinpoint-events-${RANDOM_SUFFIX}" \
    --region ${AWS_REGION}

# Configure event streaming
aws pinpoint put-event-stream \
    --application-id ${PINPOINT_APP_ID} \
    --write-event-stream '{
        "DestinationStreamArn": "arn:aws:kinesis:'${AWS_REGION}':'${AWS_ACCOUNT_ID}':stream/pinpoint-events-'${RANDOM_SUFFIX}'",
        "RoleArn": "'${PINPOINT_ROLE_ARN}'"
    }' \
    --region ${AWS_REGION}

echo "✅ Configured event streaming for analytics"
"""

STEP_10 = r"""
# Create CloudWatch alarm for failed push notifications
aws cloudwatch put-metric-alarm \
    --alarm-name "PinpointPushFailures-${RANDOM_SUFFIX}" \
    --alarm-description "Alert when push notification failures exceed threshold" \
    --metric-name "DirectSendMessagePermanentFailure" \
    --namespace "AWS/Pinpoint" \
    --statistic "Sum" \
    --period 300 \
    --threshold 5 \
    --comparison-operator "GreaterThanThreshold" \
    --evaluation-periods 2 \
    --dimensions Name=ApplicationId,Value=${PINPOINT_APP_ID} \
    --region ${AWS_REGION}

# Create alarm for delivery rate
aws cloudwatch put-metric-alarm \
    --alarm-name "PinpointDeliveryRate-${RANDOM_SUFFIX}" \
    --alarm-description "Alert when delivery rate falls below 90%" \
    --metric-name "DirectSendMessageDeliveryRate" \
    --namespace "AWS/Pinpoint" \
    --statistic "Average" \
    --period 300 \
    --threshold 0.9 \
    --comparison-operator "LessThanThreshold" \
    --evaluation-periods 2 \
    --dimensions Name=ApplicationId,Value=${PINPOINT_APP_ID} \
    --region ${AWS_REGION}

echo "✅ Created CloudWatch monitoring alarms"
"""

VALIDATE_1A = r"""
# Check application status
aws pinpoint get-app \
    --application-id ${PINPOINT_APP_ID} \
    --region ${AWS_REGION} \
    --query 'ApplicationResponse.{Name:Name,Id:Id}'
"""

VALIDATE_1B = r"""
# Verify all channels are enabled
aws pinpoint get-channels \
    --application-id ${PINPOINT_APP_ID} \
    --region ${AWS_REGION} \
    --query 'ChannelsResponse.Channels'
"""

VALIDATE_2A = r"""
# Verify endpoints are registered
aws pinpoint get-endpoint \
    --application-id ${PINPOINT_APP_ID} \
    --endpoint-id "ios-user-001" \
    --region ${AWS_REGION} \
    --query 'EndpointResponse.{ChannelType:ChannelType,Address:Address,User:User.UserId}'
"""

VALIDATE_2B = r"""
# Check endpoint count
aws pinpoint get-application-date-range-kpi \
    --application-id ${PINPOINT_APP_ID} \
    --kpi-name "unique-endpoints" \
    --start-time "2024-01-01T00:00:00Z" \
    --end-time "2024-12-31T23:59:59Z" \
    --region ${AWS_REGION}
"""

VALIDATE_3 = r"""
# Check segment size and criteria
aws pinpoint get-segment \
    --application-id ${PINPOINT_APP_ID} \
    --segment-id ${SEGMENT_ID} \
    --region ${AWS_REGION} \
    --query 'SegmentResponse.{Name:Name,ImportDefinition:ImportDefinition,Dimensions:Dimensions}'
"""

VALIDATE_4A = r"""
# Check campaign metrics
aws pinpoint get-campaign-activities \
    --application-id ${PINPOINT_APP_ID} \
    --campaign-id ${CAMPAIGN_ID} \
    --region ${AWS_REGION}
"""

VALIDATE_4B = r"""
# View campaign analytics
aws pinpoint get-campaign-date-range-kpi \
    --application-id ${PINPOINT_APP_ID} \
    --campaign-id ${CAMPAIGN_ID} \
    --kpi-name "delivery-rate" \
    --start-time "2024-01-01T00:00:00Z" \
    --end-time "2024-12-31T23:59:59Z" \
    --region ${AWS_REGION}
"""

CLEANUP_1 = r"""
# Delete campaign
aws pinpoint delete-campaign \
    --application-id ${PINPOINT_APP_ID} \
    --campaign-id ${CAMPAIGN_ID} \
    --region ${AWS_REGION}

# Delete segment
aws pinpoint delete-segment \
    --application-id ${PINPOINT_APP_ID} \
    --segment-id ${SEGMENT_ID} \
    --region ${AWS_REGION}

echo "✅ Deleted campaigns and segments"
"""

CLEANUP_2 = r"""
# Delete push notification template
aws pinpoint delete-push-template \
    --template-name "flash-sale-template" \
    --region ${AWS_REGION}

echo "✅ Deleted push notification template"
"""

CLEANUP_3 = r"""
# Delete CloudWatch alarms
aws cloudwatch delete-alarms \
    --alarm-names "PinpointPushFailures-${RANDOM_SUFFIX}" \
                  "PinpointDeliveryRate-${RANDOM_SUFFIX}" \
    --region ${AWS_REGION}

echo "✅ Deleted CloudWatch alarms"
"""

CLEANUP_4 = r"""
# Delete event stream
aws pinpoint delete-event-stream \
    --application-id ${PINPOINT_APP_ID} \
    --region ${AWS_REGION}

# Delete Kinesis stream
aws kinesis delete-stream \
    --stream-name "pinpoint-events-${RANDOM_SUFFIX}" \
    --region ${AWS_REGION}

echo "✅ Deleted event streaming resources"
"""

CLEANUP_5 = r"""
# Delete the entire Pinpoint application
aws pinpoint delete-app \
    --application-id ${PINPOINT_APP_ID} \
    --region ${AWS_REGION}

echo "✅ Deleted Pinpoint application"
"""

CLEANUP_6 = r"""
# Detach policies and delete IAM role
aws iam detach-role-policy \
    --role-name "PinpointServiceRole-${RANDOM_SUFFIX}" \
    --policy-arn "arn:aws:iam::aws:policy/service-role/AmazonPinpointServiceRole"

aws iam delete-role \
    --role-name "PinpointServiceRole-${RANDOM_SUFFIX}"

# Clean up environment variables
unset PINPOINT_APP_ID SEGMENT_ID CAMPAIGN_ID PINPOINT_ROLE_ARN APP_NAME

echo "✅ Cleaned up all resources"
"""

# Defects of the recipe itself. For each step, the corrections in order: what
# is wrong, the error it gives (code and a text the error must mention), and
# the fix. The step is run verbatim, then after each correction; every run but
# the last must fail with the listed error, the last must succeed.
# (The campaign's `"Timezone": "America/New_York"` is not listed: Pinpoint
# documents UTC offsets, but the emulator accepts IANA names because AWS's
# answer to them is undocumented; see the Pinpoint module's choices.)
STEP_7_NO_SOUND = re.sub(r',\n\s*"Sound": "default"', "", STEP_7)
RECIPE_DEFECTS = {
    "step 7": [
        (
            "the campaign's APNSMessage and GCMMessage (shape Message) have no "
            "`Sound` member; the CLI's own parameter validation refuses the request "
            "before sending it (AWS CLI v2 validates the same model)",
            "Parameter validation failed",
            'Unknown parameter in WriteCampaignRequest.MessageConfiguration.APNSMessage: "Sound"',
            STEP_7_NO_SOUND,
        ),
    ],
}

# ---------------------------------------------------------------------------
# Running.

STATE = None  # the file that carries the shell's variables between steps
FAILURES = []


def run(name, script, expect_failure=False):
    """Runs one step in bash with the variables of the steps before it."""
    wrapper = (
        "set -euo pipefail\n"
        f"source {STATE.name}\n"
        f"{script}\n"
        f"{{ export -p; declare -p RANDOM_SUFFIX 2>/dev/null || true; }} > {STATE.name}.next\n"
    )
    started = time.monotonic()
    proc = subprocess.run(
        ["bash", "-c", wrapper], capture_output=True, text=True, timeout=120
    )
    took = time.monotonic() - started
    print(f"--- {name} (exit {proc.returncode}, {took:.1f}s)")
    print(proc.stdout.rstrip())
    if proc.stderr.strip():
        print("stderr:", proc.stderr.rstrip())
    if proc.returncode == 0:
        os.replace(STATE.name + ".next", STATE.name)
    elif not expect_failure:
        fail(name, f"exited {proc.returncode}")
    return proc


def fail(name, why):
    FAILURES.append(f"{name}: {why}")
    print(f"FAIL {name}: {why}")


def check(name, cond, why):
    if not cond:
        fail(name, why)


def var(name):
    """A variable as the recipe's shell holds it after the last step."""
    out = subprocess.run(
        ["bash", "-c", f"source {STATE.name}; printf %s \"${{{name}:-}}\""],
        capture_output=True,
        text=True,
    )
    return out.stdout


def json_docs(text):
    """The JSON documents the CLI printed, one after the other."""
    docs, dec, i = [], json.JSONDecoder(), 0
    text = text.strip()
    while i < len(text):
        if text[i] in "{[":
            try:
                doc, end = dec.raw_decode(text, i)
                docs.append(doc)
                i = end
                continue
            except json.JSONDecodeError:
                pass
        i += 1
    return docs


def advance_clock(ms):
    req = urllib.request.Request(
        ENDPOINT + "/_emulator/clock",
        data=json.dumps({"advance_ms": ms}).encode(),
        method="POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200
    print(f"--- harness: emulator clock +{ms} ms")


def step(name, script, verify):
    label = name
    for i, (reason, code, mention, corrected) in enumerate(RECIPE_DEFECTS.get(name, [])):
        proc = run(label, script, expect_failure=True)
        check(label, proc.returncode != 0, "the recipe's defect was accepted: " + reason)
        err = proc.stderr
        check(label, code in err and mention in err, f"expected {code} naming {mention}, got: {err!r}")
        print(f"    known recipe defect: {reason}")
        script = corrected
        label = f"{name} (correction {i + 1})"
    proc = run(label, script)
    if proc.returncode == 0:
        try:
            verify(proc.stdout, json_docs(proc.stdout))
        except Exception as e:  # a check that cannot even look is a failure
            fail(label, f"check raised {e!r}")


def main():
    global STATE
    STATE = tempfile.NamedTemporaryFile("w", suffix=".env", delete=False)
    STATE.close()
    suffix_re = re.compile(r"^[a-z0-9]{6}$")

    def prep(out, docs):
        check("preparation", var("AWS_REGION") == REGION, f"AWS_REGION is {var('AWS_REGION')!r}")
        check("preparation", var("AWS_ACCOUNT_ID") == ACCOUNT, f"AWS_ACCOUNT_ID is {var('AWS_ACCOUNT_ID')!r}")
        suffix = var("RANDOM_SUFFIX")
        check("preparation", bool(suffix_re.match(suffix)), f"RANDOM_SUFFIX is {suffix!r}")
        check("preparation", any(c.isdigit() for c in suffix) and any(c.isalpha() for c in suffix),
              f"RANDOM_SUFFIX {suffix!r} has each included type")
        role = docs[0]["Role"]
        check("preparation", role["RoleName"] == f"PinpointServiceRole-{suffix}", f"role {role}")
        check("preparation", role["Arn"] == var("PINPOINT_ROLE_ARN"), f"role ARN {role['Arn']}")
        check("preparation", role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
              == "pinpoint.amazonaws.com", "trust policy decoded by the CLI")
        check("preparation", "✅ Environment prepared" in out, "echo")

    def step1(out, docs):
        app = docs[0]["ApplicationResponse"]
        check("step 1", app["Name"] == var("APP_NAME"), f"app {app}")
        check("step 1", var("PINPOINT_APP_ID") == app["Id"], f"PINPOINT_APP_ID {var('PINPOINT_APP_ID')!r}")

    def channel(platform):
        def verify(out, docs):
            check(f"channel {platform}", docs[-1] == {"Enabled": True, "Platform": platform}, f"{docs[-1]}")
            written = docs[0]
            check(f"channel {platform}", "Certificate" not in json.dumps(written) and "ApiKey" not in json.dumps(written),
                  "write-only credentials are not returned")
        return verify

    def step4(out, docs):
        check("step 4", len(docs) == 2, f"two replies: {docs}")
        for d in docs:
            check("step 4", d.get("MessageBody", {}).get("Message") == "Accepted", f"{d}")

    def step5(out, docs):
        seg = docs[0]["SegmentResponse"]
        check("step 5", seg["Name"] == "high-value-customers" and seg["Version"] == 1, f"{seg}")
        check("step 5", var("SEGMENT_ID") == seg["Id"], f"SEGMENT_ID {var('SEGMENT_ID')!r}")

    def step6(out, docs):
        body = docs[0]["CreateTemplateMessageBody"]
        check("step 6", "flash-sale-template" in body.get("Arn", ""), f"{body}")

    def step7(out, docs):
        c = docs[0]["CampaignResponse"]
        check("step 7", c["Name"] == "flash-sale-notification", f"{c}")
        check("step 7", c["State"]["CampaignStatus"] == "SCHEDULED", f"{c['State']}")
        check("step 7", var("CAMPAIGN_ID") == c["Id"], f"CAMPAIGN_ID {var('CAMPAIGN_ID')!r}")

    def step8(out, docs):
        result = docs[0]["MessageResponse"]["EndpointResult"]
        for ep in ("ios-user-001", "android-user-002"):
            check("step 8", result[ep]["DeliveryStatus"] == "SUCCESSFUL", f"{ep}: {result.get(ep)}")

    def step9a(out, docs):
        check("step 9", out.strip() == "", f"create-stream prints nothing: {out!r}")

    def step9b(out, docs):
        es = docs[0]["EventStream"]
        suffix = var("RANDOM_SUFFIX")
        check("step 9", es["DestinationStreamArn"]
              == f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/pinpoint-events-{suffix}", f"{es}")
        check("step 9", es["RoleArn"] == var("PINPOINT_ROLE_ARN"), f"{es}")

    def step10(out, docs):
        check("step 10", "✅ Created CloudWatch monitoring alarms" in out, "echo")
        cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT)
        alarms = cw.describe_alarms(AlarmNamePrefix="Pinpoint")["MetricAlarms"]
        check("step 10", len(alarms) == 2, f"{alarms}")
        for a in alarms:
            check("step 10", a["StateValue"] == "INSUFFICIENT_DATA", f"{a['StateValue']}")
            check("step 10", a["Dimensions"] == [{"Name": "ApplicationId", "Value": var("PINPOINT_APP_ID")}], f"{a}")

    def v1a(out, docs):
        check("validation 1", docs[0] == {"Name": var("APP_NAME"), "Id": var("PINPOINT_APP_ID")}, f"{docs}")

    def v1b(out, docs):
        channels = docs[0]
        for kind in ("APNS", "GCM"):
            check("validation 1", channels.get(kind, {}).get("Enabled") is True, f"{kind}: {channels.get(kind)}")

    def v2a(out, docs):
        check("validation 2", docs[0] == {"ChannelType": "APNS", "Address": "device-token-ios-user-001", "User": "user-001"},
              f"{docs}")

    def v2b(out, docs):
        kpi = docs[0]["ApplicationDateRangeKpiResponse"]
        check("validation 2", kpi["KpiName"] == "unique-endpoints", f"{kpi}")

    def v3(out, docs):
        seg = docs[0]
        check("validation 3", seg["Name"] == "high-value-customers", f"{seg}")
        check("validation 3", seg["Dimensions"]["UserAttributes"]["PurchaseHistory"]["Values"] == ["high-value"], f"{seg}")

    def v4a(out, docs):
        items = docs[0]["ActivitiesResponse"]["Item"]
        check("validation 4", len(items) >= 1, f"the IMMEDIATE campaign ran: {items}")

    def v4b(out, docs):
        kpi = docs[0]["CampaignDateRangeKpiResponse"]
        check("validation 4", kpi["KpiName"] == "delivery-rate", f"{kpi}")

    def quiet(name):
        def verify(out, docs):
            check(name, "✅" in out, "echo")
        return verify

    step("preparation", PREPARATION, prep)
    step("step 1", STEP_1, step1)
    step("step 2", STEP_2, channel("APNS"))
    step("step 3", STEP_3, channel("GCM"))
    step("step 4", STEP_4, step4)
    step("step 5", STEP_5, step5)
    step("step 6", STEP_6, step6)
    step("step 7", STEP_7, step7)
    step("step 8", STEP_8, step8)
    step("step 9 (create stream)", STEP_9A, step9a)
    advance_clock(1500)
    step("step 9 (wait, event stream)", STEP_9B, step9b)
    step("step 10", STEP_10, step10)
    step("validation 1 (app)", VALIDATE_1A, v1a)
    step("validation 1 (channels)", VALIDATE_1B, v1b)
    step("validation 2 (endpoint)", VALIDATE_2A, v2a)
    step("validation 2 (kpi)", VALIDATE_2B, v2b)
    step("validation 3", VALIDATE_3, v3)
    step("validation 4 (activities)", VALIDATE_4A, v4a)
    step("validation 4 (kpi)", VALIDATE_4B, v4b)
    step("cleanup 1", CLEANUP_1, quiet("cleanup 1"))
    step("cleanup 2", CLEANUP_2, quiet("cleanup 2"))
    step("cleanup 3", CLEANUP_3, quiet("cleanup 3"))
    step("cleanup 4", CLEANUP_4, quiet("cleanup 4"))
    step("cleanup 5", CLEANUP_5, quiet("cleanup 5"))
    step("cleanup 6", CLEANUP_6, quiet("cleanup 6"))

    # Nothing is left.
    iam = boto3.client("iam", endpoint_url=ENDPOINT)
    kinesis = boto3.client("kinesis", endpoint_url=ENDPOINT)
    cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT)
    pinpoint = boto3.client("pinpoint", endpoint_url=ENDPOINT)
    check("after cleanup", iam.list_roles()["Roles"] == [], "roles remain")
    check("after cleanup", kinesis.list_streams()["StreamNames"] == [], "streams remain")
    check("after cleanup", cw.describe_alarms()["MetricAlarms"] == [], "alarms remain")
    check("after cleanup", pinpoint.get_apps()["ApplicationsResponse"].get("Item", []) == [], "apps remain")
    check("after cleanup", pinpoint.list_templates()["TemplatesResponse"].get("Item", []) == [], "templates remain")

    os.unlink(STATE.name)
    if FAILURES:
        print("\n".join(["", "FAILED:"] + FAILURES))
        return 1
    print("\nall recipe steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
