"""SSM Parameter Store and Secrets Manager against the endpoint in
AWS_ENDPOINT_URL: seeds with the AWS CLI as the real-binary tests do, reads
back with boto3, and checks every raw reply against botocore's model (no
member the output shape lacks, each of the JSON type the protocol gives it,
and each error code one the operation documents or AWS's front end sends).

Usage: python secret_stores.py  (exit status 0 when every check passes)
"""

import base64
import json
import os
import subprocess
import sys

import boto3
import botocore.config
import botocore.exceptions

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
ACCOUNT = "123456789012"

# Codes the front end of any awsJson service may answer, whatever the
# operation's documented errors.
FRONT_END_ERRORS = {"ValidationException", "AccessDeniedException", "ThrottlingException",
                    "SerializationException", "UnknownOperationException"}

PROBLEMS = []


def check(cond, what):
    if not cond:
        PROBLEMS.append(what)
        print(f"FAIL {what}")


def check_value(shape, value, path):
    """`value` (decoded JSON) has the wire type of `shape` in awsJson."""
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            return check(False, f"{path}: expected an object, got {value!r}")
        for key, v in value.items():
            if key not in shape.members:
                check(False, f"{path}.{key}: not a member of {shape.name}")
            else:
                check_value(shape.members[key], v, f"{path}.{key}")
    elif t == "list":
        if not isinstance(value, list):
            return check(False, f"{path}: expected a list")
        for i, v in enumerate(value):
            check_value(shape.member, v, f"{path}[{i}]")
    elif t == "map":
        if not isinstance(value, dict):
            return check(False, f"{path}: expected a map")
        for k, v in value.items():
            check_value(shape.value, v, f"{path}[{k}]")
    elif t == "string":
        check(isinstance(value, str), f"{path}: expected a string")
        if isinstance(value, str) and shape.enum:
            check(value in shape.enum, f"{path}: {value!r} not in {shape.enum}")
    elif t in ("integer", "long"):
        check(isinstance(value, int) and not isinstance(value, bool), f"{path}: expected an integer")
    elif t == "boolean":
        check(isinstance(value, bool), f"{path}: expected a boolean")
    elif t == "timestamp":
        check(isinstance(value, (int, float)) and not isinstance(value, bool),
              f"{path}: expected epoch seconds (a number), got {value!r}")
    elif t == "blob":
        try:
            base64.b64decode(value, validate=True)
        except Exception:  # noqa: BLE001 - any failure is the finding
            check(False, f"{path}: expected base64")


def conformance(operation_model, response_dict, **_):
    name = f"{operation_model.service_model.service_name}.{operation_model.name}"
    body = json.loads(response_dict["body"] or b"{}")
    status = response_dict["status_code"]
    if status >= 300:
        code = body.get("__type", "").rsplit("#", 1)[-1]
        documented = {e.name for e in operation_model.error_shapes} | FRONT_END_ERRORS
        check(code in documented, f"{name}: error {code} is not one the operation documents")
        check(set(body) <= {"__type", "message", "Message"}, f"{name}: error body {body}")
    else:
        check_value(operation_model.output_shape, body, name)


def client(service):
    c = boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION,
                     config=botocore.config.Config(retries={"max_attempts": 1}))
    c.meta.events.register("before-parse", conformance)
    return c


def error_code(f):
    try:
        f()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


def aws(*args):
    """The AWS CLI, as a real-binary test seeds a secret."""
    out = subprocess.run(["aws", *args, "--output", "json"], capture_output=True, text=True)
    check(out.returncode == 0, f"aws {' '.join(args)}: {out.stderr}")
    return json.loads(out.stdout or "{}")


def ssm_checks():
    aws("ssm", "put-parameter", "--name", "/py/fcm", "--type", "SecureString",
        "--value", "cli-seeded")
    ssm = client("ssm")
    p = ssm.get_parameter(Name="/py/fcm", WithDecryption=True)["Parameter"]
    check(p["Value"] == "cli-seeded", "the CLI-seeded value reads back")
    sealed = ssm.get_parameter(Name="/py/fcm")["Parameter"]["Value"]
    check(sealed != "cli-seeded", "without decryption the value is sealed")
    r = ssm.put_parameter(Name="/py/fcm", Value="second", Overwrite=True)
    check(r["Version"] == 2 and r["Tier"] == "Standard", f"overwrite: {r}")
    p = ssm.get_parameter(Name=f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/py/fcm:1",
                          WithDecryption=True)["Parameter"]
    check(p["Value"] == "cli-seeded" and p["Selector"] == ":1", f"ARN with a selector: {p}")
    r = ssm.get_parameters(Names=["/py/fcm", "/py/none"], WithDecryption=True)
    check(r["InvalidParameters"] == ["/py/none"], f"get_parameters: {r}")
    check(error_code(lambda: ssm.get_parameter(Name="/py/none")) == "ParameterNotFound",
          "missing is ParameterNotFound")
    check(error_code(lambda: ssm.put_parameter(Name="/py/fcm", Value="x", Type="String"))
          == "ParameterAlreadyExists", "no overwrite")
    check(error_code(lambda: ssm.put_parameter(Name="py/bad", Value="x", Type="String"))
          == "ValidationException", "a path without its leading slash")
    check(error_code(lambda: ssm.put_parameter(Name="/" + "/".join("l" * 16), Value="x",
                                               Type="String"))
          == "HierarchyLevelLimitExceededException", "16 levels")
    ssm.delete_parameter(Name="/py/fcm")
    check(error_code(lambda: ssm.delete_parameter(Name="/py/fcm")) == "ParameterNotFound",
          "deleted")


def secretsmanager_checks():
    created = aws("secretsmanager", "create-secret", "--name", "py/apns",
                  "--secret-string", '{"key":"v1"}')
    sm = client("secretsmanager")
    arn = created["ARN"]
    check(arn.startswith(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:py/apns-"), arn)
    r = sm.get_secret_value(SecretId=f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:py/apns")
    check(json.loads(r["SecretString"])["key"] == "v1", "partial ARN reads the value")
    sm.put_secret_value(SecretId=arn, SecretString='{"key":"v2"}')
    r = sm.get_secret_value(SecretId="py/apns", VersionStage="AWSPREVIOUS")
    check(json.loads(r["SecretString"])["key"] == "v1", "AWSPREVIOUS holds the old value")
    d = sm.describe_secret(SecretId="py/apns")
    check(sorted(s for v in d["VersionIdsToStages"].values() for s in v)
          == ["AWSCURRENT", "AWSPREVIOUS"], f"describe: {d}")
    sm.create_secret(Name="py/bin", SecretBinary=b"\x00\xff")
    check(sm.get_secret_value(SecretId="py/bin")["SecretBinary"] == b"\x00\xff", "binary")
    r = sm.delete_secret(SecretId="py/apns", RecoveryWindowInDays=7)
    check("DeletionDate" in r, f"delete: {r}")
    check(error_code(lambda: sm.get_secret_value(SecretId="py/apns"))
          == "InvalidRequestException", "marked for deletion")
    sm.restore_secret(SecretId="py/apns")
    sm.delete_secret(SecretId="py/apns", ForceDeleteWithoutRecovery=True)
    check(error_code(lambda: sm.get_secret_value(SecretId="py/apns"))
          == "ResourceNotFoundException", "forced deletion is immediate")
    check(error_code(lambda: sm.create_secret(Name="py/bin", SecretString="x"))
          == "ResourceExistsException", "exists")
    check(len(sm.get_random_password()["RandomPassword"]) == 32, "GetRandomPassword")


def main():
    ssm_checks()
    secretsmanager_checks()
    print(f"{len(PROBLEMS)} problems")
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
