"""The deployed function works with exactly its grants on MiniStack with IAM enforced."""

from __future__ import annotations

import base64
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stack.bundling import PROJECT_ROOT, build_asset, ensure_dependencies
from tests.emulator import RunningEmulator, start, stop
from tests.stack.conftest import STACK_ID, AppRun, asset_dir

pytestmark = pytest.mark.emulator

BOOTSTRAP_QUALIFIER = "hnb659fds"
DEPLOY_DEADLINE_SECONDS = 60.0


@pytest.fixture(scope="module")
def auth_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """A MiniStack of our own that evaluates IAM policies (the shared one does not)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUTH", "true")
        process, running = start(tmp_path_factory.mktemp("ministack-auth"))
    try:
        yield running
    finally:
        stop(process)


def _deploy(emulator: RunningEmulator, synth: AppRun, workdir: Path) -> dict[str, str]:
    """What `cdk deploy` does, done as the account root: bootstrap bits, asset, stack."""
    # (The CDK CLI itself cannot publish under AUTH=true: MiniStack refuses the bootstrap
    # file-publishing role access to the assets bucket.)
    ssm, s3, cfn = emulator.client("ssm"), emulator.client("s3"), emulator.client("cloudformation")
    ssm.put_parameter(
        Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version", Value="30", Type="String"
    )
    bucket = f"cdk-{BOOTSTRAP_QUALIFIER}-assets-000000000000-{emulator.region}"
    s3.create_bucket(Bucket=bucket)
    folder = asset_dir(synth)
    # The asset as `devtools deploy` builds it for an emulator: same processor, dependencies
    # for the host's Python (the function runs there; Lambda's arm64 wheels would not load).
    host_asset = workdir / "host-asset"
    build_asset(host_asset, ensure_dependencies(platform=()).path)
    archive = shutil.make_archive(str(workdir / "asset"), "zip", host_asset)
    s3.upload_file(archive, bucket, f"{folder.name.removeprefix('asset.')}.zip")
    template = (synth.outdir / f"{STACK_ID}.template.json").read_text()
    cfn.create_stack(StackName=STACK_ID, TemplateBody=template, Capabilities=["CAPABILITY_IAM"])
    deadline = time.monotonic() + DEPLOY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        stack = cfn.describe_stacks(StackName=STACK_ID)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            break
        time.sleep(0.2)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    # The SSL-only bucket policy denies every plain-HTTP request, and the emulator only
    # speaks HTTP; on AWS the SDK uses HTTPS. Drop it so the role's own grant is what's tested
    # (test_resources asserts the policy itself).
    s3.delete_bucket_policy(Bucket=outputs["QuarantineBucketName"])
    return outputs


@pytest.fixture(scope="module")
def deployed(
    auth_emulator: RunningEmulator,
    offline_synth: AppRun,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    if not (PROJECT_ROOT / "processor" / "handler.py").exists():
        pytest.skip("processor/handler.py is not written yet")
    assert offline_synth.returncode == 0, offline_synth.stderr
    return _deploy(auth_emulator, offline_synth, tmp_path_factory.mktemp("deploy"))


def _record(data: bytes, sequence: str, stream_arn: str) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "user_1",
            "sequenceNumber": sequence,
            "data": base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": 1704110400.0,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{sequence}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::000000000000:role/processor",
        "awsRegion": "us-east-1",
        "eventSourceARN": stream_arn,
    }


def _batch(outputs: dict[str, str], *, base: int) -> tuple[dict[str, Any], list[str]]:
    """A page view, a purchase (fresh event ids) and a record that is not JSON."""
    ids = [f"evt-{uuid.uuid4().hex}", f"evt-{uuid.uuid4().hex}"]
    events = [
        {"eventId": ids[0], "eventType": "page_view", "userId": "user_1",
         "timestamp": "2024-01-01T12:00:00Z", "pageUrl": "/home", "loadTime": 1200,
         "deviceType": "desktop"},
        {"eventId": ids[1], "eventType": "purchase", "userId": "user_1",
         "timestamp": "2024-01-01T12:00:01Z", "amount": 9.5, "currency": "USD",
         "itemsCount": 1, "paymentMethod": "credit_card"},
    ]  # fmt: skip
    payloads = [json.dumps(e).encode() for e in events] + [b"{not json"]
    sequences = [str(49590338271490256608559692538361571095921575989136588800 + base + i)
                 for i in range(len(payloads))]  # fmt: skip
    records = [
        _record(p, s, outputs["StreamArn"]) for p, s in zip(payloads, sequences, strict=True)
    ]
    return {"Records": records}, ids


def _invoke(emulator: RunningEmulator, outputs: dict[str, str], event: dict[str, Any]) -> Any:
    response = emulator.client("lambda").invoke(
        FunctionName=outputs["ProcessorFunctionName"], Payload=json.dumps(event).encode()
    )
    assert "FunctionError" not in response, response["Payload"].read()
    return json.loads(response["Payload"].read())


def _stored(emulator: RunningEmulator, outputs: dict[str, str], event_id: str) -> bool:
    items = emulator.client("dynamodb").query(
        TableName=outputs["ResultsTableName"],
        KeyConditionExpression="eventId = :id",
        ExpressionAttributeValues={":id": {"S": event_id}},
    )["Items"]
    return len(items) == 1


def test_function_works_with_exactly_its_grants(
    auth_emulator: RunningEmulator, deployed: dict[str, str]
) -> None:
    # GIVEN the stack deployed where IAM is enforced, and a batch touching both tables and S3
    event, ids = _batch(deployed, base=0)
    # WHEN the processor runs under its execution role
    response = _invoke(auth_emulator, deployed, event)
    # THEN nothing is denied: both events stored, aggregates folded, the poison quarantined
    assert response == {"batchItemFailures": []}
    assert all(_stored(auth_emulator, deployed, i) for i in ids)
    assert auth_emulator.client("dynamodb").scan(TableName=deployed["AggregatesTableName"])["Count"]
    keys = [
        o["Key"]
        for o in auth_emulator.client("s3")
        .list_objects_v2(Bucket=deployed["QuarantineBucketName"], Prefix="quarantine/")
        .get("Contents", [])
    ]
    assert len(keys) == 1
    assert keys[0].startswith("quarantine/not_json/shardId-000000000000/")


@pytest.mark.parametrize(
    ("sid", "failed_records"),
    [("StoreEvents", {0, 1}), ("FoldAggregates", {0, 1}), ("QuarantineRecords", {2})],
)
def test_each_write_grant_is_needed(
    auth_emulator: RunningEmulator, deployed: dict[str, str], sid: str, failed_records: set[int]
) -> None:
    # GIVEN the role's policy without one statement
    iam = auth_emulator.client("iam")
    resources = auth_emulator.client("cloudformation").describe_stack_resources(StackName=STACK_ID)[
        "StackResources"
    ]
    role = next(r["PhysicalResourceId"] for r in resources
                if r["ResourceType"] == "AWS::IAM::Role")  # fmt: skip
    (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    original = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    reduced = {**original, "Statement": [s for s in original["Statement"] if s.get("Sid") != sid]}
    assert len(reduced["Statement"]) == len(original["Statement"]) - 1
    iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(reduced))
    try:
        # WHEN a batch arrives
        event, _ = _batch(deployed, base=100 + 10 * len(sid))
        response = _invoke(auth_emulator, deployed, event)
    finally:
        iam.put_role_policy(
            RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(original)
        )
    # THEN exactly the records needing that grant come back as batch item failures (retried by
    # the mapping, then sent to the on-failure queue), nothing is silently lost
    sequences = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    failed = {sequences.index(f["itemIdentifier"]) for f in response["batchItemFailures"]}
    assert failed == failed_records
