"""The processor package as a Lambda function in MiniStack: imports, handler path, quiet logs."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import processor
from tests.integration.processor.tables import Resources
from tests.integration.processor.truth import actual_aggregates, expected, partial_items
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

pytestmark = pytest.mark.emulator
PACKAGE = Path(processor.__file__).parent


def package_zip() -> bytes:
    """Only the processor package: MiniStack supplies the venv's packages (Powertools, boto3)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(PACKAGE.rglob("*")):
            if path.suffix in (".py", ".typed", ".txt"):
                archive.write(path, f"processor/{path.relative_to(PACKAGE)}")
    return buffer.getvalue()


def create_function(
    resources: Resources, name: str, variables: dict[str, str], **options: Any
) -> Any:
    """The package as function `name` with `variables`; a Lambda client of the emulator."""
    lam = resources.session.client("lambda", endpoint_url=resources.emulator.endpoint_url)
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Handler="processor.handler.lambda_handler",
        Role="arn:aws:iam::000000000000:role/processor",
        Code={"ZipFile": package_zip()},
        Timeout=60,
        Environment={"Variables": variables},
        **options,
    )
    return lam


@pytest.mark.parametrize("with_daemon", [False, True], ids=["no-daemon", "daemon"])
def test_function_runs_in_the_emulator_lambda_runtime(
    resources: Resources, with_daemon: bool
) -> None:
    # GIVEN the package deployed as a function with the stack's environment and active tracing;
    # with AWS_XRAY_DAEMON_ADDRESS set (as on AWS) the tracer is on, segments go to UDP
    name = f"processor-{uuid.uuid4().hex[:8]}"
    variables = resources.function_env(environment="dev", log_level="INFO")
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # stands in for the X-Ray daemon
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(5)
    if with_daemon:
        variables["AWS_XRAY_DAEMON_ADDRESS"] = f"127.0.0.1:{daemon.getsockname()[1]}"
    lam = create_function(resources, name, variables, TracingConfig={"Mode": "Active"})
    events = mixed_events(20)
    batch = kinesis_event(
        [kinesis_record(e, i) for i, e in enumerate(events)] + [kinesis_record("{x", 50)]
    )
    # WHEN it is invoked twice with the same batch (a redelivery)
    for _ in range(2):
        answer = lam.invoke(FunctionName=name, Payload=json.dumps(batch), LogType="Tail")
        # THEN it answers with a partial batch response, and logs only JSON (no X-Ray noise)
        assert "FunctionError" not in answer, answer["Payload"].read()
        assert json.loads(answer["Payload"].read()) == {"batchItemFailures": []}
        log = base64.b64decode(answer["LogResult"]).decode()
        lines = [line for line in log.splitlines() if line.strip()]
        if len(log) >= 4000:  # LogResult is the last 4 KB: the first line may be cut
            lines = lines[1:]
        assert lines
        assert all(line.startswith("{") for line in lines), lines
    # AND segments reach the daemon exactly when its address is set
    if with_daemon:
        header, _, body = daemon.recv(65536).partition(b"\n")
        assert json.loads(header) == {"format": "json", "version": 1}
        assert json.loads(body)["trace_id"].startswith("1-")
    daemon.close()
    # AND the tables hold each event once
    truth = expected(events)
    assert actual_aggregates(resources.dynamodb, resources.aggregates_table) == truth.aggregates


def test_concurrent_invocations_write_their_own_partial_items(resources: Resources) -> None:
    # GIVEN the package as a fresh function (no warm execution environment yet)
    name = f"processor-{uuid.uuid4().hex[:8]}"
    lam = create_function(
        resources, name, resources.function_env(environment="dev", log_level="INFO")
    )
    # AND two batches of one minute and the same types (on one item per minute they would
    # update the same items, the TransactionConflict of concurrent invocations on DynamoDB)
    events = mixed_events(60)
    batches = [
        kinesis_event([kinesis_record(e, i + n * 30) for i, e in enumerate(events[n * 30 :][:30])])
        for n in (0, 1)
    ]
    start = threading.Barrier(2)

    def invoke(batch: dict[str, Any]) -> str:
        start.wait()
        answer = lam.invoke(FunctionName=name, Payload=json.dumps(batch), LogType="Tail")
        assert "FunctionError" not in answer, answer["Payload"].read()
        assert json.loads(answer["Payload"].read()) == {"batchItemFailures": []}
        log = base64.b64decode(answer["LogResult"]).decode()
        processed = [json.loads(line) for line in log.splitlines() if "batch processed" in line]
        return str(processed[-1]["lane"])

    # WHEN both are invoked at once: the emulator, like Lambda, runs each concurrent
    # invocation in an execution environment of its own (a worker process)
    with ThreadPoolExecutor(max_workers=2) as pool:
        lanes = list(pool.map(invoke, batches))
    # THEN each wrote under its own lane: every item both touched is two partial items
    assert lanes[0] != lanes[1]
    stored = partial_items(resources.dynamodb, resources.aggregates_table)
    assert stored[("loadtime", "2025-01-01T12:00Z")] == sorted(lanes)
    assert {lane for found in stored.values() for lane in found} == set(lanes)
    # AND merged, the aggregates equal the truth of the 60 events
    truth = expected(events)
    assert actual_aggregates(resources.dynamodb, resources.aggregates_table) == truth.aggregates
