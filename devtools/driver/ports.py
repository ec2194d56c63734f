"""The engine's ports: what it reads from, invokes, writes to, and the clock it runs on."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from devtools.driver.records import StreamRecord
from devtools.driver.response import InvokeResult

if TYPE_CHECKING:
    from devtools.driver.status import DriverStatus


@dataclass(frozen=True)
class ShardInfo:
    """A shard as ListShards shows it."""

    shard_id: str
    parent_ids: tuple[str, ...] = ()
    starting_sequence: str = ""


@dataclass(frozen=True)
class StartPosition:
    """Where a shard iterator starts (GetShardIterator's ShardIteratorType and its argument)."""

    kind: str  # TRIM_HORIZON | LATEST | AT_TIMESTAMP | AFTER_SEQUENCE_NUMBER
    sequence: str | None = None
    timestamp: float | None = None

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "sequence": self.sequence, "timestamp": self.timestamp}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> StartPosition:
        sequence = data.get("sequence")
        timestamp = data.get("timestamp")
        return cls(
            kind=str(data["kind"]),
            sequence=sequence if isinstance(sequence, str) else None,
            timestamp=float(timestamp) if isinstance(timestamp, int | float) else None,
        )


@dataclass(frozen=True)
class ReadResult:
    """One GetRecords answer; `next_iterator` None means the shard is closed and fully read."""

    records: list[StreamRecord]
    next_iterator: str | None
    millis_behind_latest: int = 0


class RecordSource(Protocol):
    """Kinesis reads: ListShards, GetShardIterator, GetRecords."""

    def list_shards(self) -> list[ShardInfo]: ...

    def shard_iterator(self, shard_id: str, position: StartPosition) -> str: ...

    def get_records(self, shard_id: str, iterator: str, limit: int) -> ReadResult:
        """Raises ShardGoneError or IteratorExpiredError."""
        ...


class Invoker(Protocol):
    """A synchronous (RequestResponse) invocation of the mapped function."""

    def invoke(self, payload: bytes) -> InvokeResult:
        """Raises InvokeError when the call itself fails (not on function errors)."""
        ...


class FailureDestination(Protocol):
    """Where discarded batches' invocation records go (SQS queue, SNS topic or S3 bucket)."""

    def send(self, destination_arn: str, message: str, object_key: str) -> None:
        """Raises DestinationError; `object_key` names the object in an S3 bucket."""
        ...


class StatusSink(Protocol):
    """Receives status snapshots (the file sink writes status.json)."""

    def write(self, status: DriverStatus) -> None: ...


class Clock(Protocol):
    """Monotonic time for windows and backoff; wall time for record ages and timestamps."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class SystemClock:
    """The real clocks."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()
