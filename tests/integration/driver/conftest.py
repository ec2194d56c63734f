"""Fixtures for driver tests on the emulator: a stream, a queue, a test function, a mapping."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devtools.driver import status as driver_status
from devtools.driver.engine import EngineOptions
from devtools.driver.runner import DriverSettings, run
from tests.emulator import RunningEmulator

FUNCTIONS = Path(__file__).parent / "functions"
ROLE_ARN = "arn:aws:iam::000000000000:role/driver-test"


@pytest.fixture(scope="session")
def handlers_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(FUNCTIONS / "handlers.py", "handlers.py")
    return buffer.getvalue()


@dataclass
class Pipeline:
    """One stream -> mapping -> function set-up, with its own names and output file."""

    emulator: RunningEmulator
    name: str
    out_file: Path
    state_dir: Path
    stream_arn: str = ""
    queue_url: str = ""
    queue_arn: str = ""
    mapping_uuid: str = ""
    last_sequences: dict[str, str] = field(default_factory=dict)

    def put(self, items: list[tuple[str, Any]]) -> list[dict[str, str]]:
        """PutRecords (key, data) pairs in order; remembers the last sequence per shard."""
        kinesis = self.emulator.client("kinesis")
        answers: list[dict[str, str]] = []
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            answer = kinesis.put_records(
                StreamARN=self.stream_arn,
                Records=[{"PartitionKey": k, "Data": json.dumps(d).encode()} for k, d in chunk],
            )
            for entry in answer["Records"]:
                answers.append(entry)
                shard, seq = entry["ShardId"], entry["SequenceNumber"]
                if int(seq) > int(self.last_sequences.get(shard, "0")):
                    self.last_sequences[shard] = seq
        return answers

    def invocations(self) -> list[dict[str, Any]]:
        if not self.out_file.exists():
            return []
        return [json.loads(line) for line in self.out_file.read_text().splitlines() if line]

    def delivered_ok(self) -> list[dict[str, Any]]:
        """Records of successful invocations, in invocation order."""
        return [r for inv in self.invocations() if inv["outcome"] == "ok" for r in inv["records"]]

    def wait_drained(self, timeout: float = 20.0) -> driver_status.DriverStatus:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = driver_status.load(self.state_dir)
            if driver_status.is_drained(status, self.last_sequences):
                assert status is not None
                return status
            time.sleep(0.05)
        raise AssertionError(
            f"not drained in {timeout}s: {driver_status.load(self.state_dir)}\n"
            f"{self.last_sequences}"
        )

    def queue_messages(self, expected: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        sqs = self.emulator.client("sqs")
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(messages) < expected and time.monotonic() < deadline:
            answer = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            for message in answer.get("Messages", []):
                messages.append(json.loads(message["Body"]))
            if len(messages) < expected:
                time.sleep(0.1)
        return messages


PipelineFactory = Callable[..., Pipeline]


@pytest.fixture
def pipeline(emulator: RunningEmulator, handlers_zip: bytes, tmp_path: Path) -> PipelineFactory:
    """Create stream + queue + function + (disabled) mapping; returns the Pipeline."""

    def create(
        handler: str,
        *,
        shards: int = 1,
        env: dict[str, str] | None = None,
        **mapping: Any,
    ) -> Pipeline:
        name = f"drv-{uuid.uuid4().hex[:10]}"
        p = Pipeline(emulator, name, tmp_path / f"{name}.jsonl", tmp_path / f"{name}-state")
        kinesis = emulator.client("kinesis")
        kinesis.create_stream(StreamName=name, ShardCount=shards)
        p.stream_arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
            "StreamARN"
        ]
        sqs = emulator.client("sqs")
        p.queue_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        p.queue_arn = sqs.get_queue_attributes(QueueUrl=p.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        lam = emulator.client("lambda")
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE_ARN,
            Handler=f"handlers.{handler}",
            Code={"ZipFile": handlers_zip},
            Timeout=30,
            Environment={"Variables": {"OUT_FILE": str(p.out_file), **(env or {})}},
        )
        mapping.setdefault("StartingPosition", "TRIM_HORIZON")
        mapping.setdefault("BatchSize", 10)
        mapping.setdefault("DestinationConfig", {"OnFailure": {"Destination": p.queue_arn}})
        # Disabled: the emulator's own poller must not touch the stream; the driver does.
        p.mapping_uuid = lam.create_event_source_mapping(
            EventSourceArn=p.stream_arn, FunctionName=name, Enabled=False, **mapping
        )["UUID"]
        return p

    return create


@dataclass
class DriverThread:
    """The driver running in-process on a thread (the process entry is tested separately)."""

    thread: threading.Thread
    stop: threading.Event
    errors: list[BaseException]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=20)
        assert not self.thread.is_alive()
        assert not self.errors, self.errors


@pytest.fixture
def run_driver() -> Iterator[Callable[..., DriverThread]]:
    started: list[DriverThread] = []

    def start(
        p: Pipeline,
        overrides: dict[str, Any] | None = None,
        *,
        shutdown_grace_seconds: float = 10.0,
    ) -> DriverThread:
        settings = DriverSettings(
            state_dir=p.state_dir,
            endpoint_url=p.emulator.endpoint_url,
            region=p.emulator.region,
            mapping_uuid=p.mapping_uuid,
            overrides=overrides,
            mapping_refresh_seconds=0.3,
        )
        stop = threading.Event()
        errors: list[BaseException] = []

        def target() -> None:
            try:
                options = EngineOptions(
                    idle_poll_seconds=0.05,
                    shard_refresh_seconds=0.3,
                    shutdown_grace_seconds=shutdown_grace_seconds,
                )
                run(settings, stop, options)
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        driver = DriverThread(thread, stop, errors)
        started.append(driver)
        return driver

    yield start
    for driver in started:
        driver.stop.set()
        driver.thread.join(timeout=20)
