"""Sends the same boto3 call sequences to moto_server and to the emulator (in
AWS_ENDPOINT_URL), for what both serve: IAM, Kinesis, CloudWatch, and
Pinpoint apps, settings, tags and the event stream. Compares HTTP status,
error code and the normalised body of every call.

Where moto differs from the emulator and the emulator is the one that follows
AWS, the call is listed in MOTO_DIFFERENCES with the reason; where the
emulator knowingly departs, in EMULATOR_CHOICES; any other difference fails.
The listed differences are printed every run.

Usage: python differential.py  (exit status 0 when nothing unexplained differs)
"""

import datetime
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

EMULATOR = os.environ["AWS_ENDPOINT_URL"]
REGION = "us-east-1"
ACCOUNT = "123456789012"

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "pinpoint.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
})
INLINE = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Action": ["kinesis:PutRecords", "kinesis:DescribeStream"],
        "Resource": "*",
    }],
})
RECIPE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonPinpointServiceRole"
KINESIS_POLICY = "arn:aws:iam::aws:policy/AmazonKinesisFullAccess"

# Calls where moto is not what AWS does, and why. The emulator's answer is
# the one these notes call AWS's.
MOTO_DIFFERENCES = {
    "iam.create_role":
        "moto adds an empty RoleLastUsed to CreateRole's reply; AWS's CreateRole reply "
        "(the AWS CLI's create-role example) has none (GetRole has it)",
    "iam.create_role.bad_name":
        "moto does not check role names against the model's pattern [\\w+=,.@-]+; "
        "AWS answers 400 ValidationError",
    "iam.create_role.malformed_document":
        "moto accepts any string as a trust policy; AWS answers 400 MalformedPolicyDocument "
        "\"This policy contains invalid Json\"",
    "iam.list_roles":
        "follows from iam.create_role.malformed_document: moto created a second role",
    "iam.create_policy":
        "moto leaves out PermissionsBoundaryUsageCount; AWS's CreatePolicy reply carries "
        "\"PermissionsBoundaryUsageCount\": 0 (seen in published create-policy outputs)",
    "iam.get_policy":
        "moto leaves out PermissionsBoundaryUsageCount and sends an empty Tags list; AWS "
        "sends the count and no Tags element when the policy has none",
    "kinesis.describe_stream_summary":
        "moto leaves out ConsumerCount and MaxRecordSizeInKiB, which AWS's "
        "DescribeStreamSummary returns (0 consumers, 1024 KiB by default)",
    "kinesis.describe_stream":
        "moto leaves StreamModeDetails out of DescribeStream; AWS returns the capacity mode "
        "in DescribeStream as in DescribeStreamSummary",
    "kinesis.put_record":
        "moto leaves out EncryptionType; AWS's PutRecord reply has the member (NONE for an "
        "unencrypted stream is our reading: AWS documents the member, not its value here)",
    "cloudwatch.describe_alarms.names":
        "moto starts alarms in OK, sends an empty Metrics list and a StateReasonData, and no "
        "StateTransitionedTimestamp; AWS documents that a new alarm starts in "
        "INSUFFICIENT_DATA, and returns Metrics only for metric-math alarms",
    "cloudwatch.describe_alarms.prefix": "as cloudwatch.describe_alarms.names",
    "cloudwatch.list_tags_for_resource.missing":
        "moto lists no tags for an alarm that does not exist; AWS answers 404 "
        "ResourceNotFoundException, the error the model gives ListTagsForResource",
    "cloudwatch.put_metric_alarm.bad_operator":
        "moto stores an alarm with an operator outside the model's enum; AWS answers 400 "
        "ValidationError",
    "cloudwatch.describe_alarms.empty":
        "follows from cloudwatch.put_metric_alarm.bad_operator: moto still has that alarm",
    "pinpoint.create_app":
        "moto sends CreationDate as an epoch number (the model says string; the Rust SDK "
        "cannot read a number there) and leaves out the app's tags, which AWS returns",
    "pinpoint.get_app": "as pinpoint.create_app",
    "pinpoint.get_apps": "as pinpoint.create_app",
    "pinpoint.delete_app": "as pinpoint.create_app",
    "pinpoint.tag_resource": "moto answers 200; AWS answers 204 No Content",
    "pinpoint.untag_resource": "moto answers 200; AWS answers 204 No Content",
    "pinpoint.put_event_stream":
        "moto leaves out LastUpdatedBy, which AWS returns with the event stream",
    "pinpoint.get_event_stream": "as pinpoint.put_event_stream",
    "pinpoint.delete_event_stream": "as pinpoint.put_event_stream",
}

# Calls where the emulator knowingly differs from moto and probably from AWS.
EMULATOR_CHOICES = {
    "iam.attach_role_policy.recipe_policy":
        "the emulator accepts arn:aws:iam::aws:policy/service-role/AmazonPinpointServiceRole "
        "because the recipe attaches it (project decision); moto's list of AWS managed "
        "policies, imported from a real account, has no Pinpoint policy at all, so AWS "
        "most likely answers 404 NoSuchEntity as moto does",
    "iam.list_attached_role_policies":
        "follows from iam.attach_role_policy.recipe_policy",
}

MOTO_PORT = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    global MOTO_PORT
    MOTO_PORT = free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "moto_server")
    # moto knows AWS's managed policies only when asked to load them.
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(MOTO_PORT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", MOTO_PORT), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto_server did not start")


def clients(endpoint):
    cfg = botocore.config.Config(retries={"max_attempts": 1})
    return {
        name: boto3.client(name, endpoint_url=endpoint, region_name=REGION, config=cfg)
        for name in ("iam", "kinesis", "cloudwatch", "pinpoint")
    }


# ---------------------------------------------------------------------------
# The call sequence: (label, function(clients, ctx) -> response).

def seq():
    calls = []

    def call(label):
        def deco(f):
            calls.append((label, f))
            return f
        return deco

    # IAM
    @call("iam.create_role")
    def _(c, ctx):
        return c["iam"].create_role(
            RoleName="diff-role", AssumeRolePolicyDocument=TRUST, Description="d",
            Tags=[{"Key": "team", "Value": "push"}])

    call("iam.get_role")(lambda c, ctx: c["iam"].get_role(RoleName="diff-role"))
    call("iam.get_role.missing")(lambda c, ctx: c["iam"].get_role(RoleName="missing"))
    call("iam.create_role.duplicate")(lambda c, ctx: c["iam"].create_role(
        RoleName="diff-role", AssumeRolePolicyDocument=TRUST))
    call("iam.create_role.bad_name")(lambda c, ctx: c["iam"].create_role(
        RoleName="bad name!", AssumeRolePolicyDocument=TRUST))
    call("iam.create_role.malformed_document")(lambda c, ctx: c["iam"].create_role(
        RoleName="other", AssumeRolePolicyDocument="{not json"))
    call("iam.tag_role")(lambda c, ctx: c["iam"].tag_role(
        RoleName="diff-role", Tags=[{"Key": "env", "Value": "dev"}]))
    call("iam.list_role_tags")(lambda c, ctx: c["iam"].list_role_tags(RoleName="diff-role"))
    call("iam.untag_role")(lambda c, ctx: c["iam"].untag_role(RoleName="diff-role", TagKeys=["env"]))
    call("iam.update_assume_role_policy")(lambda c, ctx: c["iam"].update_assume_role_policy(
        RoleName="diff-role", PolicyDocument=TRUST))
    call("iam.update_role")(lambda c, ctx: c["iam"].update_role(RoleName="diff-role", Description="e"))
    call("iam.attach_role_policy.kinesis_policy")(lambda c, ctx: c["iam"].attach_role_policy(
        RoleName="diff-role", PolicyArn=KINESIS_POLICY))
    call("iam.attach_role_policy.recipe_policy")(lambda c, ctx: c["iam"].attach_role_policy(
        RoleName="diff-role", PolicyArn=RECIPE_POLICY))
    call("iam.list_attached_role_policies")(lambda c, ctx: c["iam"].list_attached_role_policies(
        RoleName="diff-role"))
    call("iam.put_role_policy")(lambda c, ctx: c["iam"].put_role_policy(
        RoleName="diff-role", PolicyName="events", PolicyDocument=INLINE))
    call("iam.get_role_policy")(lambda c, ctx: c["iam"].get_role_policy(
        RoleName="diff-role", PolicyName="events"))
    call("iam.list_role_policies")(lambda c, ctx: c["iam"].list_role_policies(RoleName="diff-role"))
    call("iam.get_role_policy.missing")(lambda c, ctx: c["iam"].get_role_policy(
        RoleName="diff-role", PolicyName="nope"))
    call("iam.list_roles")(lambda c, ctx: c["iam"].list_roles())

    @call("iam.create_policy")
    def _(c, ctx):
        r = c["iam"].create_policy(PolicyName="diff-policy", PolicyDocument=INLINE)
        ctx["policy_arn"] = r["Policy"]["Arn"]
        return r

    call("iam.get_policy")(lambda c, ctx: c["iam"].get_policy(PolicyArn=ctx["policy_arn"]))
    call("iam.delete_policy")(lambda c, ctx: c["iam"].delete_policy(PolicyArn=ctx["policy_arn"]))
    call("iam.get_policy.missing")(lambda c, ctx: c["iam"].get_policy(PolicyArn=ctx["policy_arn"]))

    # Kinesis
    @call("kinesis.create_stream")
    def _(c, ctx):
        r = c["kinesis"].create_stream(StreamName="diff-stream", ShardCount=1)
        if ctx["side"] == "emulator":
            advance_clock(1000)
        return r

    call("kinesis.describe_stream_summary")(lambda c, ctx: c["kinesis"].describe_stream_summary(
        StreamName="diff-stream"))
    call("kinesis.describe_stream")(lambda c, ctx: c["kinesis"].describe_stream(StreamName="diff-stream"))
    call("kinesis.list_streams")(lambda c, ctx: c["kinesis"].list_streams())
    call("kinesis.add_tags_to_stream")(lambda c, ctx: c["kinesis"].add_tags_to_stream(
        StreamName="diff-stream", Tags={"team": "push", "env": "dev"}))
    call("kinesis.list_tags_for_stream")(lambda c, ctx: c["kinesis"].list_tags_for_stream(
        StreamName="diff-stream"))
    call("kinesis.remove_tags_from_stream")(lambda c, ctx: c["kinesis"].remove_tags_from_stream(
        StreamName="diff-stream", TagKeys=["env"]))
    call("kinesis.increase_stream_retention_period")(
        lambda c, ctx: c["kinesis"].increase_stream_retention_period(
            StreamName="diff-stream", RetentionPeriodHours=48))
    call("kinesis.decrease_stream_retention_period")(
        lambda c, ctx: c["kinesis"].decrease_stream_retention_period(
            StreamName="diff-stream", RetentionPeriodHours=24))
    call("kinesis.put_record")(lambda c, ctx: c["kinesis"].put_record(
        StreamName="diff-stream", Data=b"hello", PartitionKey="p"))

    @call("kinesis.get_shard_iterator")
    def _(c, ctx):
        r = c["kinesis"].get_shard_iterator(
            StreamName="diff-stream", ShardId="shardId-000000000000",
            ShardIteratorType="TRIM_HORIZON")
        ctx["iterator"] = r["ShardIterator"]
        return r

    call("kinesis.get_records")(lambda c, ctx: c["kinesis"].get_records(ShardIterator=ctx["iterator"]))
    call("kinesis.describe_stream.missing")(lambda c, ctx: c["kinesis"].describe_stream(StreamName="nope"))
    call("kinesis.create_stream.duplicate")(lambda c, ctx: c["kinesis"].create_stream(
        StreamName="diff-stream", ShardCount=1))

    # CloudWatch
    def alarm(c, name):
        return c["cloudwatch"].put_metric_alarm(
            AlarmName=name, AlarmDescription="Alert when push notification failures exceed threshold",
            MetricName="DirectSendMessagePermanentFailure", Namespace="AWS/Pinpoint",
            Statistic="Sum", Period=300, Threshold=5.0, ComparisonOperator="GreaterThanThreshold",
            EvaluationPeriods=2, Dimensions=[{"Name": "ApplicationId", "Value": "app"}],
            Tags=[{"Key": "team", "Value": "push"}])

    call("cloudwatch.put_metric_alarm")(lambda c, ctx: alarm(c, "PinpointPushFailures-diff"))
    call("cloudwatch.describe_alarms.names")(lambda c, ctx: c["cloudwatch"].describe_alarms(
        AlarmNames=["PinpointPushFailures-diff"]))
    call("cloudwatch.describe_alarms.prefix")(lambda c, ctx: c["cloudwatch"].describe_alarms(
        AlarmNamePrefix="Pinpoint"))
    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:PinpointPushFailures-diff"
    call("cloudwatch.list_tags_for_resource")(lambda c, ctx: c["cloudwatch"].list_tags_for_resource(
        ResourceARN=arn))
    call("cloudwatch.tag_resource")(lambda c, ctx: c["cloudwatch"].tag_resource(
        ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}]))
    call("cloudwatch.untag_resource")(lambda c, ctx: c["cloudwatch"].untag_resource(
        ResourceARN=arn, TagKeys=["team"]))
    call("cloudwatch.list_tags_for_resource.after")(
        lambda c, ctx: c["cloudwatch"].list_tags_for_resource(ResourceARN=arn))
    call("cloudwatch.list_tags_for_resource.missing")(
        lambda c, ctx: c["cloudwatch"].list_tags_for_resource(
            ResourceARN=f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:missing"))
    call("cloudwatch.put_metric_alarm.bad_operator")(lambda c, ctx: c["cloudwatch"].put_metric_alarm(
        AlarmName="bad", MetricName="M", Namespace="AWS/Pinpoint", Statistic="Sum", Period=300,
        Threshold=1.0, ComparisonOperator="Sideways", EvaluationPeriods=1))
    call("cloudwatch.delete_alarms.unknown")(lambda c, ctx: c["cloudwatch"].delete_alarms(
        AlarmNames=["never-existed"]))
    call("cloudwatch.delete_alarms")(lambda c, ctx: c["cloudwatch"].delete_alarms(
        AlarmNames=["PinpointPushFailures-diff"]))
    call("cloudwatch.describe_alarms.empty")(lambda c, ctx: c["cloudwatch"].describe_alarms())

    # Pinpoint
    @call("pinpoint.create_app")
    def _(c, ctx):
        r = c["pinpoint"].create_app(CreateApplicationRequest={"Name": "diff-app", "tags": {"team": "push"}})
        ctx["app"] = r["ApplicationResponse"]["Id"]
        ctx["app_arn"] = r["ApplicationResponse"]["Arn"]
        return r

    call("pinpoint.get_app")(lambda c, ctx: c["pinpoint"].get_app(ApplicationId=ctx["app"]))
    call("pinpoint.get_apps")(lambda c, ctx: c["pinpoint"].get_apps())
    call("pinpoint.get_app.missing")(lambda c, ctx: c["pinpoint"].get_app(ApplicationId="0" * 32))
    call("pinpoint.update_application_settings")(
        lambda c, ctx: c["pinpoint"].update_application_settings(
            ApplicationId=ctx["app"],
            WriteApplicationSettingsRequest={"QuietTime": {"Start": "22:00", "End": "08:00"}}))
    call("pinpoint.get_application_settings")(lambda c, ctx: c["pinpoint"].get_application_settings(
        ApplicationId=ctx["app"]))
    call("pinpoint.tag_resource")(lambda c, ctx: c["pinpoint"].tag_resource(
        ResourceArn=ctx["app_arn"], TagsModel={"tags": {"env": "dev"}}))
    call("pinpoint.list_tags_for_resource")(lambda c, ctx: c["pinpoint"].list_tags_for_resource(
        ResourceArn=ctx["app_arn"]))
    call("pinpoint.untag_resource")(lambda c, ctx: c["pinpoint"].untag_resource(
        ResourceArn=ctx["app_arn"], TagKeys=["team"]))
    call("pinpoint.list_tags_for_resource.after")(lambda c, ctx: c["pinpoint"].list_tags_for_resource(
        ResourceArn=ctx["app_arn"]))
    call("pinpoint.put_event_stream")(lambda c, ctx: c["pinpoint"].put_event_stream(
        ApplicationId=ctx["app"],
        WriteEventStream={
            "DestinationStreamArn": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/diff-stream",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/diff-role",
        }))
    call("pinpoint.get_event_stream")(lambda c, ctx: c["pinpoint"].get_event_stream(ApplicationId=ctx["app"]))
    call("pinpoint.delete_event_stream")(lambda c, ctx: c["pinpoint"].delete_event_stream(
        ApplicationId=ctx["app"]))
    call("pinpoint.delete_app")(lambda c, ctx: c["pinpoint"].delete_app(ApplicationId=ctx["app"]))
    call("pinpoint.get_app.deleted")(lambda c, ctx: c["pinpoint"].get_app(ApplicationId=ctx["app"]))

    # Tear-down, in dependency order.
    call("iam.delete_role.conflict")(lambda c, ctx: c["iam"].delete_role(RoleName="diff-role"))
    call("iam.detach_role_policy")(lambda c, ctx: c["iam"].detach_role_policy(
        RoleName="diff-role", PolicyArn=KINESIS_POLICY))
    call("iam.detach_role_policy.not_attached")(lambda c, ctx: c["iam"].detach_role_policy(
        RoleName="diff-role", PolicyArn=KINESIS_POLICY))
    call("kinesis.delete_stream")(lambda c, ctx: c["kinesis"].delete_stream(StreamName="diff-stream"))
    call("kinesis.describe_stream.deleted")(lambda c, ctx: c["kinesis"].describe_stream(
        StreamName="diff-stream"))
    return calls


def advance_clock(ms):
    req = urllib.request.Request(
        EMULATOR + "/_emulator/clock", data=json.dumps({"advance_ms": ms}).encode(),
        method="POST", headers={"content-type": "application/json"})
    urllib.request.urlopen(req).close()


# ---------------------------------------------------------------------------
# Normalising.

VOLATILE_KEYS = {
    "RequestId", "RequestID", "RoleId", "PolicyId", "ShardIterator", "NextShardIterator",
    "SequenceNumber", "StartingSequenceNumber", "EndingSequenceNumber", "MillisBehindLatest",
    "StreamId", "LastModifiedBy", "LastUpdatedBy",
}


def normalise(value, ctx):
    if isinstance(value, dict):
        return {k: ("<volatile>" if k in VOLATILE_KEYS else normalise(v, ctx))
                for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [normalise(v, ctx) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return "<date>"
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        for key in ("app",):
            if ctx.get(key):
                value = value.replace(ctx[key], f"<{key}>")
        if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?", value):
            return "<date>"
        return value
    return value


def outcome(c, ctx, f):
    try:
        r = f(c, ctx)
        status = r.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return {"status": status, "code": None, "body": normalise(r, ctx)}
    except botocore.exceptions.ClientError as e:
        return {
            "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
            "code": e.response.get("Error", {}).get("Code"),
            "body": None,
        }
    except KeyError as e:
        # A call that needs a value an earlier call on this side did not give.
        return {"status": None, "code": f"skipped: no {e}", "body": None}


def main():
    moto = start_moto()
    try:
        sides = {
            "emulator": (clients(EMULATOR), {"side": "emulator"}),
            "moto": (clients(f"http://127.0.0.1:{MOTO_PORT}"), {"side": "moto"}),
        }
        unexplained, explained, stale = [], [], []
        for label, f in seq():
            got = {side: outcome(c, ctx, f) for side, (c, ctx) in sides.items()}
            same = got["emulator"] == got["moto"]
            if same and (label in MOTO_DIFFERENCES or label in EMULATOR_CHOICES):
                stale.append(label)
            if same:
                print(f"same      {label}: {got['emulator']['status']} {got['emulator']['code'] or ''}")
                continue
            detail = json.dumps(got, indent=1, sort_keys=True, default=str)
            if label in MOTO_DIFFERENCES:
                explained.append(label)
                print(f"moto's    {label}: {MOTO_DIFFERENCES[label]}\n{detail}")
            elif label in EMULATOR_CHOICES:
                explained.append(label)
                print(f"emulator's {label}: {EMULATOR_CHOICES[label]}\n{detail}")
            else:
                unexplained.append(label)
                print(f"DIFFERS   {label}\n{detail}")
        for label in stale:
            print(f"note: {label} is listed as a moto difference but now agrees")
        print(f"\n{len(explained)} known differences, {len(unexplained)} unexplained")
        return 1 if unexplained else 0
    finally:
        moto.terminate()
        try:
            moto.wait(timeout=10)
        except subprocess.TimeoutExpired:
            moto.kill()


if __name__ == "__main__":
    sys.exit(main())
