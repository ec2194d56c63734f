"""MiniStack's own Kinesis poller stops for a mapping with Enabled=False (what deploy relies on),
and it writes a function's logs to CloudWatch Logs for every invocation."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from typing import Any

import pytest

from devtools.deploy.mapping import disable_emulator_poller
from devtools.logs import read_events
from tests.emulator import RunningEmulator

pytestmark = pytest.mark.emulator

HANDLER = """
def handler(event, context):
    for record in event["Records"]:
        print("got", record["kinesis"]["sequenceNumber"])
    return {"batchItemFailures": []}
"""
# MiniStack's poll loop wakes every second while mappings exist
POLL_WAIT_SECONDS = 4.0


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", HANDLER)
    return buffer.getvalue()


def _invocations(logs: Any, group: str) -> list[str]:
    return [e.message for e in read_events(logs, group) if e.message.startswith("got ")]


def _wait_for(condition: Any, seconds: float) -> bool:
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_disabled_mapping_is_not_polled(emulator: RunningEmulator) -> None:
    # GIVEN a function fed by an enabled Kinesis mapping of the emulator itself
    name = f"poller-{uuid.uuid4().hex[:8]}"
    kinesis, lambda_client, logs = (emulator.client(s) for s in ("kinesis", "lambda", "logs"))
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler="index.handler",
        Role="arn:aws:iam::000000000000:role/any",
        Code={"ZipFile": _zip()},
    )
    mapping = lambda_client.create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=stream_arn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
    )
    group = f"/aws/lambda/{name}"
    first = kinesis.put_record(StreamName=name, Data=b"{}", PartitionKey="a")["SequenceNumber"]
    # THEN the emulator's poller invokes it, and the output lands in the function's log group
    assert _wait_for(lambda: f"got {first}" in _invocations(logs, group), 15.0)

    # WHEN the mapping is disabled the way `devtools deploy` does it
    assert disable_emulator_poller(lambda_client, mapping["UUID"]) == "Disabled"
    second = kinesis.put_record(StreamName=name, Data=b"{}", PartitionKey="a")["SequenceNumber"]
    # THEN the new record is never delivered by the emulator
    assert not _wait_for(lambda: f"got {second}" in _invocations(logs, group), POLL_WAIT_SECONDS)
    assert _invocations(logs, group) == [f"got {first}"]
    # AND the mapping's settings stay readable for the driver
    assert lambda_client.get_event_source_mapping(UUID=mapping["UUID"])["BatchSize"] == 10
