"""Put a plan's records on the stream: batches paced to the plan's rates, through the producer."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devtools.producer import MAX_BYTES_PER_REQUEST, OutgoingRecord, put_batch
from devtools.report.model import SendSummary
from devtools.scenarios.plan import PlannedRecord

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

MAX_BATCH = 500
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
    """One batch through the producer's PutRecords path; returns (calls made, records retried)."""
    outgoing = [OutgoingRecord(record.data, record.partition_key) for record in batch]
    results, calls, retried = put_batch(
        kinesis, stream_name, outgoing, range(len(outgoing)), sleep=clock.sleep
    )
    now = clock.wall()
    for result in results:
        record = batch[result.index]
        positions[record.index] = Position(result.shard_id, result.sequence_number, now)
    return calls, retried
