"""The one producer: PutRecords batches within AWS limits, one retry rule, one error class."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from devtools.errors import EventInputError, ProducerError
from devtools.json_depth import MAX_DEPTH, too_deep
from devtools.partition_key import problem as partition_key_problem
from processor.retry import is_transient

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

# AWS PutRecords limits
MAX_RECORDS_PER_REQUEST = 500
MAX_BYTES_PER_REQUEST = 5 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024  # data + partition key
MAX_PARTITION_KEY_LENGTH = 256
DEFAULT_MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 2.0


@dataclass(frozen=True)
class OutgoingRecord:
    """One record to put: its bytes and partition key."""

    data: bytes
    partition_key: str

    @property
    def size(self) -> int:
        return len(self.data) + len(self.partition_key.encode())


@dataclass(frozen=True)
class PutResult:
    """Where one record landed; `index` is its position in the input."""

    index: int
    shard_id: str
    sequence_number: str
    attempts: int


@dataclass(frozen=True)
class PutSummary:
    """Every record's result (in input order), and how the batches went."""

    results: tuple[PutResult, ...]
    requests: int
    retried_entries: int
    seconds: float

    def last_sequence_by_shard(self) -> dict[str, str]:
        """Highest sequence number per shard (for waiting until the driver has drained)."""
        last: dict[str, str] = {}
        for result in self.results:
            current = last.get(result.shard_id)
            if current is None or int(result.sequence_number) > int(current):
                last[result.shard_id] = result.sequence_number
        return last


def partition_key_for(event: Mapping[str, Any], data: bytes) -> str:
    """Default key: the user id (keeps a user's events in order on one shard), else a hash."""
    for field in ("userId", "eventId", "sessionId"):
        value = event.get(field)
        if isinstance(value, str) and value:
            return value[:MAX_PARTITION_KEY_LENGTH]
    return hashlib.sha256(data).hexdigest()[:32]


def encode_event(event: Any, partition_key: str | None = None) -> OutgoingRecord:
    """JSON-encode one event (compact, UTF-8) with its partition key."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    key = (
        partition_key
        if partition_key is not None  # an explicit empty key is an error, not the default
        else partition_key_for(event if isinstance(event, dict) else {}, data)
    )
    record = OutgoingRecord(data, key)
    bad_key = partition_key_problem(key)
    if bad_key is not None:
        raise EventInputError(bad_key)
    if record.size > MAX_RECORD_BYTES:
        raise EventInputError(f"event of {record.size} bytes exceeds Kinesis' 1 MiB record limit")
    return record


def batches(records: Sequence[OutgoingRecord]) -> Iterator[list[int]]:
    """Indexes of `records` grouped into requests of <= 500 records and <= 5 MiB."""
    current: list[int] = []
    size = 0
    for index, record in enumerate(records):
        if current and (
            len(current) == MAX_RECORDS_PER_REQUEST or size + record.size > MAX_BYTES_PER_REQUEST
        ):
            yield current
            current, size = [], 0
        current.append(index)
        size += record.size
    if current:
        yield current


def backoff_seconds(attempt: int) -> float:
    """Delay before retry `attempt + 1`: exponential like the AWS SDKs, capped."""
    return float(min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** (attempt - 1)))


def split_response(
    pending: Sequence[int], entries: Sequence[Mapping[str, Any]], attempt: int
) -> tuple[list[PutResult], list[int], list[str]]:
    """PutRecords answers entry by entry in request order: the successes, failed indexes, errors.

    A failed entry carries ErrorCode (ProvisionedThroughputExceededException, InternalFailure,
    KMS*) instead of ShardId/SequenceNumber; only those entries are sent again.
    """
    if len(entries) != len(pending):
        raise ProducerError(
            f"PutRecords answered {len(entries)} entries for {len(pending)} records"
        )
    succeeded: list[PutResult] = []
    failed: list[int] = []
    errors: list[str] = []
    for index, entry in zip(pending, entries, strict=True):
        if entry.get("ErrorCode"):
            failed.append(index)
            errors.append(f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage', '')}")
        else:
            succeeded.append(
                PutResult(index, str(entry["ShardId"]), str(entry["SequenceNumber"]), attempt)
            )
    return succeeded, failed, errors


def put_batch(
    kinesis: KinesisClient,
    stream_name: str,
    records: Sequence[OutgoingRecord],
    indexes: Sequence[int],
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[PutResult], int, int]:
    """The one PutRecords path: put `records[i]` for each index (one request's worth), and
    again, with backoff, the entries PutRecords refused and requests that failed transiently.

    Returns (results, requests made, entries retried). Raises ProducerError when the stream is
    missing, a request is refused for good, or entries still fail after `max_attempts`.
    Order inside a shard is only guaranteed for records that succeed on the first attempt, as
    with any Kinesis producer that retries.
    """
    pending = list(indexes)
    results: list[PutResult] = []
    requests = 0
    retried = 0
    for attempt in range(1, max_attempts + 1):
        entries: list[PutRecordsRequestEntryTypeDef] = [
            {"Data": records[i].data, "PartitionKey": records[i].partition_key} for i in pending
        ]
        try:
            response = kinesis.put_records(StreamName=stream_name, Records=entries)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise ProducerError(
                    f"stream {stream_name!r} does not exist; run `devtools deploy` first"
                ) from exc
            if not is_transient(exc) or attempt == max_attempts:
                raise ProducerError(f"PutRecords failed after {attempt} attempts: {exc}") from exc
            sleep(backoff_seconds(attempt))
            continue
        requests += 1
        succeeded, failed, errors = split_response(pending, response["Records"], attempt)
        results += succeeded
        if not failed:
            return results, requests, retried
        if attempt == max_attempts:
            raise ProducerError(
                f"{len(failed)} of {len(records)} records still failed after {attempt} "
                f"attempts (last error {errors[-1]})"
            )
        retried += len(failed)
        sleep(backoff_seconds(attempt))
        pending = failed
    return results, requests, retried


def put_records(
    kinesis: KinesisClient,
    stream_name: str,
    records: Sequence[OutgoingRecord],
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> PutSummary:
    """Put every record in requests within the API's limits (see put_batch for retries)."""
    began = time.monotonic()
    results: dict[int, PutResult] = {}
    requests = 0
    retried = 0
    for batch in batches(records):
        done, made, again = put_batch(
            kinesis, stream_name, records, batch, max_attempts=max_attempts, sleep=sleep
        )
        results.update((result.index, result) for result in done)
        requests += made
        retried += again
    return PutSummary(
        results=tuple(results[i] for i in range(len(records))),
        requests=requests,
        retried_entries=retried,
        seconds=time.monotonic() - began,
    )


def parse_events(text: str, *, source: str) -> list[Any]:
    """Events from a JSON array, a single JSON object, or JSON Lines; errors name the line."""
    stripped = text.strip()
    if not stripped:
        raise EventInputError(f"{source}: no events")
    deep_at = too_deep(text)
    if deep_at is not None:
        raise EventInputError(f"{source}:{deep_at}: JSON nested deeper than {MAX_DEPTH} levels")
    if stripped.startswith("["):
        try:
            events = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise EventInputError(f"{source}:{exc.lineno}: invalid JSON array: {exc.msg}") from exc
        if not isinstance(events, list):
            raise EventInputError(f"{source}: expected a JSON array of events")
        return events
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if number == 1 and stripped.startswith("{"):
                # maybe one pretty-printed object spanning lines
                try:
                    return [json.loads(stripped)]
                except json.JSONDecodeError:
                    pass
            raise EventInputError(f"{source}:{number}: invalid JSON: {exc.msg}") from exc
    return events


def encode_events(events: Iterable[Any], partition_key: str | None = None) -> list[OutgoingRecord]:
    return [encode_event(event, partition_key) for event in events]
