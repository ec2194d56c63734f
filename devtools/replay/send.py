"""Put a plan's records on the stream: PutRecords batches, rate control, retries, progress."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from devtools.producer import MAX_BYTES_PER_REQUEST
from devtools.replay.errors import SendError
from devtools.report.model import SendSummary
from devtools.scenarios.plan import PlannedRecord

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

MAX_BATCH = 500
MAX_ATTEMPTS = 8
# Batches per second when a rate is set: small batches keep the pace smooth, not bursty.
BATCHES_PER_SECOND = 5

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Position:
    """Where one record landed and when PutRecords acknowledged it (wall-clock seconds)."""

    shard_id: str
    sequence_number: str
    sent_at: float


@dataclass(frozen=True)
class SendResult:
    """Positions by plan index, the highest sequence number per shard, and a summary."""

    positions: dict[int, Position]
    last_sequences: dict[str, str]
    summary: SendSummary = field(default_factory=SendSummary)


@dataclass
class Clock:
    """Time and sleep, injectable so pacing is testable without waiting."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


def batches(records: Sequence[PlannedRecord], batch_size: int) -> list[list[PlannedRecord]]:
    """Split into PutRecords calls: at most `batch_size` records and 5 MiB (the API's limit),
    never across a rate change or pause."""
    result: list[list[PlannedRecord]] = []
    current: list[PlannedRecord] = []
    size = 0
    for record in records:
        limit = min(batch_size, MAX_BATCH)
        if record.rate != float("inf"):
            limit = min(limit, max(1, int(record.rate / BATCHES_PER_SECOND)))
        record_size = len(record.data) + len(record.partition_key.encode())
        if current and (
            len(current) >= limit
            or size + record_size > MAX_BYTES_PER_REQUEST
            or record.rate != current[0].rate
            or record.pause_before > 0
        ):
            result.append(current)
            current, size = [], 0
        current.append(record)
        size += record_size
    if current:
        result.append(current)
    return result


def send(
    kinesis: KinesisClient,
    stream_name: str,
    records: Sequence[PlannedRecord],
    *,
    batch_size: int = MAX_BATCH,
    progress: Progress | None = None,
    clock: Clock | None = None,
    positions: dict[int, Position] | None = None,
) -> SendResult:
    """Send every record in order; each batch waits for its rate's pace and retries failures.

    `positions`, when given, is filled as batches are acknowledged (a progress callback can
    read it); the same dict is returned in the result.
    """
    clock = clock or Clock()
    positions = {} if positions is None else positions
    per_shard: dict[str, int] = {}
    last: dict[str, str] = {}
    calls = 0
    retried = 0
    started = clock.monotonic()
    next_allowed = started
    for batch in batches(records, batch_size):
        if batch[0].pause_before:
            clock.sleep(batch[0].pause_before)
            next_allowed = clock.monotonic()
        wait = next_allowed - clock.monotonic()
        if wait > 0:
            clock.sleep(wait)
        rate = batch[0].rate
        next_allowed = max(next_allowed, clock.monotonic()) + (
            len(batch) / rate if rate != float("inf") else 0.0
        )
        made, again = _put_with_retries(kinesis, stream_name, batch, clock, positions)
        calls += made
        retried += again
        for record in batch:
            position = positions[record.index]
            per_shard[position.shard_id] = per_shard.get(position.shard_id, 0) + 1
            known = last.get(position.shard_id)
            if known is None or int(position.sequence_number) > int(known):
                last[position.shard_id] = position.sequence_number
        if progress is not None:
            progress(len(positions), len(records))
    summary = SendSummary(
        records=len(positions),
        batches=calls,
        seconds=clock.monotonic() - started,
        retried=retried,
        per_shard=dict(sorted(per_shard.items())),
    )
    return SendResult(positions=positions, last_sequences=last, summary=summary)


def _put_with_retries(
    kinesis: KinesisClient,
    stream_name: str,
    batch: list[PlannedRecord],
    clock: Clock,
    positions: dict[int, Position],
) -> tuple[int, int]:
    """PutRecords, then again for the entries it refused (throttling), with backoff.

    Returns (calls made, records retried). Order inside a shard is only guaranteed for records
    that succeed on the first attempt, as with any Kinesis producer that retries.
    """
    pending = list(batch)
    calls = 0
    retried = 0
    for attempt in range(MAX_ATTEMPTS):
        entries: list[PutRecordsRequestEntryTypeDef] = [
            {"Data": r.data, "PartitionKey": r.partition_key} for r in pending
        ]
        try:
            answer = kinesis.put_records(StreamName=stream_name, Records=entries)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ResourceNotFoundException":
                raise SendError(
                    f"stream {stream_name!r} does not exist; run `devtools deploy` first"
                ) from exc
            if attempt == MAX_ATTEMPTS - 1:
                raise SendError(f"PutRecords failed {MAX_ATTEMPTS} times: {exc}") from exc
            clock.sleep(0.05 * 2**attempt)
            continue
        calls += 1
        now = clock.wall()
        failed: list[PlannedRecord] = []
        for record, result in zip(pending, answer["Records"], strict=True):
            if "SequenceNumber" in result and "ShardId" in result:
                positions[record.index] = Position(result["ShardId"], result["SequenceNumber"], now)
            else:
                failed.append(record)
        if not failed:
            return calls, retried
        retried += len(failed)
        pending = failed
        clock.sleep(0.05 * 2**attempt)
    raise SendError(
        f"{len(pending)} records were still refused after {MAX_ATTEMPTS} PutRecords attempts"
    )
