"""A private, deployed pipeline for tests: put events, wait, and read results as plain data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import socket
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devtools.deploy import driver_link
from devtools.deploy.clients import AwsClients
from devtools.deploy.flow import DeployOptions, deploy
from devtools.deploy.outputs import StackOutputs
from devtools.driver import status as driver_status
from devtools.emulator import lifecycle
from devtools.emulator_session import emulator_session
from devtools.errors import UserError
from devtools.logs import read_events
from devtools.paths import StatePaths, project_root
from devtools.producer import OutgoingRecord, encode_event, partition_key_for, put_records
from devtools.query.aggregates import query_aggregates
from devtools.replay import failures as replay_failures
from devtools.replay import quarantine as replay_quarantine
from devtools.replay.results import stored_item
from devtools.replay.run import Clients, ReplayTarget, replay
from devtools.report.model import ReplayReport

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

REGION = "us-east-1"
DEFAULT_WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.1


class PipelineTimeoutError(AssertionError):
    """When `wait()` ran out of time before every record put so far was processed."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Pipeline:
    """The deployed stack on a private emulator; every method returns plain Python data."""

    def __init__(self, paths: StatePaths, endpoint_url: str, outputs: StackOutputs) -> None:
        self.paths = paths
        self.endpoint_url = endpoint_url
        self.outputs = outputs
        session = emulator_session(REGION)
        self._clients = AwsClients(
            lambda service: session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]
        )
        self._last_sequences: dict[str, str] = {}

    # -- lifecycle --------------------------------------------------------------------------
    @classmethod
    def start(cls, workdir: Path, *, root: Path | None = None) -> Pipeline:
        """Start an emulator on a free port with its state under `workdir`, deploy, start driver.

        On failure everything started so far is stopped again before the error propagates.
        """
        paths = StatePaths(workdir / "devtools-state").ensure()
        started = lifecycle.start(paths, port=free_port(), region=REGION)
        endpoint = started.record.endpoint_url
        try:
            session = emulator_session(REGION)
            clients = AwsClients(
                lambda service: session.client(service, endpoint_url=endpoint)  # type: ignore[call-overload]
            )
            options = DeployOptions(
                project_root=root or project_root(),
                endpoint_url=endpoint,
                region=REGION,
                paths=paths,
            )
            result = deploy(options, clients)
        except BaseException:
            cls.stop_all(paths)
            raise
        return cls(paths, endpoint, result.outputs)

    @staticmethod
    def stop_all(paths: StatePaths) -> None:
        """Stop the driver and the emulator of `paths` (only the processes started for them)."""
        driver_link.stop(paths)
        lifecycle.stop(paths)

    def stop(self) -> None:
        self.stop_all(self.paths)

    @property
    def pids(self) -> dict[str, int | None]:
        """The emulator's and the driver's process ids (None when not running)."""
        record = lifecycle.running_record(self.paths)
        return {
            "emulator": record.pid if record else None,
            "driver": driver_link.running_pid(self.paths),
        }

    # -- input ------------------------------------------------------------------------------
    def put(self, events: Iterable[Mapping[str, Any] | bytes | str]) -> list[str]:
        """Put records (dicts as JSON, bytes/str as they are); each record's eventId, in order.

        The eventId is the event's own `eventId` when it has one, else the id the processor
        derives from the record's shard and sequence number.
        """
        records: list[OutgoingRecord] = []
        given: list[str | None] = []
        for event in events:
            if isinstance(event, Mapping):
                records.append(encode_event(dict(event)))
                given.append(_event_id(event))
            else:
                data = event.encode() if isinstance(event, str) else bytes(event)
                parsed = _json_object(data)
                records.append(OutgoingRecord(data, partition_key_for(parsed or {}, data)))
                given.append(_event_id(parsed) if parsed else None)
        if not records:
            return []
        summary = put_records(self._clients.kinesis, self.outputs.stream_name, records)
        for shard, sequence in summary.last_sequence_by_shard().items():
            current = self._last_sequences.get(shard)
            if current is None or int(sequence) > int(current):
                self._last_sequences[shard] = sequence
        from processor.pipeline import derived_event_id  # the processor's own derivation

        return [
            given[result.index] or derived_event_id(result.shard_id, result.sequence_number)
            for result in summary.results
        ]

    def wait(self, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """Until every record put so far was stored, quarantined or sent to the failure queue."""
        deadline = time.monotonic() + timeout
        while not driver_status.is_drained(
            driver_status.load(self.paths.driver_dir), self._last_sequences
        ):
            if time.monotonic() > deadline:
                raise PipelineTimeoutError(
                    f"the mapping driver did not process every record within {timeout:.0f} s; "
                    f"see {self.paths.driver_dir / 'driver.log'}"
                )
            time.sleep(_POLL_SECONDS)

    # -- results ----------------------------------------------------------------------------
    def stored(self, event_id: str) -> dict[str, Any] | None:
        """The results-table item of `event_id` as plain values, or None."""
        return stored_item(self._clients.dynamodb, self._results_table, event_id)

    def quarantined(self, reason: str | None = None) -> list[dict[str, Any]]:
        """Every quarantined record's document (reason, detail, position, original bytes)."""
        s3 = self._clients.s3
        bucket = self.outputs.quarantine_bucket
        return [
            replay_quarantine.read_document(s3, bucket, key.key) or {}
            for key in replay_quarantine.list_keys(s3, bucket, reason)
        ]

    def aggregates(
        self, event_type: str, *, minutes: int = 15, until: dt.datetime | None = None
    ) -> dict[str, Any]:
        """Per-minute aggregates of `event_type` (as `devtools query aggregates --json`)."""
        answer = query_aggregates(
            self._clients.dynamodb,
            self.outputs.get("AggregatesTableName"),
            event_type,
            minutes=minutes,
            until=until or dt.datetime.now(dt.UTC),
        )
        return dataclasses.asdict(answer)

    def failures(self) -> list[dict[str, Any]]:
        """The on-failure destination's invocation records (left in the queue or bucket)."""
        bucket = self.outputs.failure_bucket
        if bucket:
            # One per object (with `payload`, the batch's event), in key order, not deleted.
            return list(replay_failures.bucket_records(self._clients.s3, bucket).values())
        sqs = self._clients.sqs
        seen: dict[str, dict[str, Any]] = {}
        for _ in range(100):
            messages = sqs.receive_message(
                QueueUrl=self.outputs.failure_queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=0,
                WaitTimeSeconds=0,
            ).get("Messages", [])
            fresh = [m for m in messages if m["MessageId"] not in seen]
            if not fresh:
                break
            for message in fresh:
                seen[message["MessageId"]] = json.loads(message.get("Body", "{}"))
        return list(seen.values())

    def logs(self) -> list[str]:
        """The function's log lines (EMF metric lines included), oldest first."""
        events = read_events(self._clients.logs, self.outputs.log_group_name)
        return [event.message for event in events]

    def replay(self, path: str | Path, *, drain_timeout: float | None = None) -> ReplayReport:
        """Replay a scenario file; the report has `.passed` and `.checks` (each expectation)."""
        from devtools.scenarios import ScenarioError, build, new_run_id, validate

        try:
            scenario, _, _ = validate(Path(path))
        except ScenarioError as exc:
            raise UserError("\n".join(str(p) for p in exc.problems)) from exc
        plan = build(scenario, new_run_id(), dt.datetime.now(dt.UTC))
        target = ReplayTarget.from_outputs(self.outputs, self.paths.driver_dir)
        session = emulator_session(REGION)
        clients = Clients.from_factory(
            lambda service: session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]
        )
        return replay(plan, target, clients, drain_timeout=drain_timeout)

    def reset(self) -> None:
        """Empty both tables, the quarantine bucket and the on-failure queue or bucket."""
        for table in (self._results_table, self.outputs.get("AggregatesTableName")):
            self._empty_table(table)
        s3 = self._clients.s3
        bucket = self.outputs.quarantine_bucket
        self._delete_objects(bucket, [key.key for key in replay_quarantine.list_keys(s3, bucket)])
        failure_bucket = self.outputs.failure_bucket
        if failure_bucket:
            self._delete_objects(failure_bucket, replay_failures.bucket_keys(s3, failure_bucket))
            return
        sqs = self._clients.sqs
        while True:
            messages = sqs.receive_message(
                QueueUrl=self.outputs.failure_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                break
            sqs.delete_message_batch(
                QueueUrl=self.outputs.failure_queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )

    # -- helpers ----------------------------------------------------------------------------
    def _delete_objects(self, bucket: str, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            chunk: list[ObjectIdentifierTypeDef] = [{"Key": k} for k in keys[start : start + 1000]]
            self._clients.s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk})

    @property
    def _results_table(self) -> str:
        return self.outputs.get("ResultsTableName")

    def _empty_table(self, table: str) -> None:
        dynamodb = self._clients.dynamodb
        keys = [
            k["AttributeName"]
            for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
        ]
        projection = ", ".join(f"#k{i}" for i in range(len(keys)))
        names = {f"#k{i}": key for i, key in enumerate(keys)}
        for page in dynamodb.get_paginator("scan").paginate(
            TableName=table, ProjectionExpression=projection, ExpressionAttributeNames=names
        ):
            items = page.get("Items", [])
            for start in range(0, len(items), 25):
                dynamodb.batch_write_item(
                    RequestItems={
                        table: [
                            {"DeleteRequest": {"Key": item}} for item in items[start : start + 25]
                        ]
                    }
                )


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _event_id(event: Mapping[str, Any]) -> str | None:
    value = event.get("eventId")
    return value if isinstance(value, str) and value else None
