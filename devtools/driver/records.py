"""Stream records as the driver holds them, and the Lambda event built from them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from devtools.driver.types import KinesisEvent, KinesisEventRecord

# Lambda's synchronous invocation payload limit (the mapping's 6 MB batch limit).
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
# The JSON envelope around an event record apart from data and the variable strings.
_RECORD_OVERHEAD_BYTES = 420


@dataclass(frozen=True)
class StreamRecord:
    """One record read from a shard."""

    shard_id: str
    sequence_number: str
    partition_key: str
    data_base64: str
    arrival: float  # ApproximateArrivalTimestamp, epoch seconds

    @property
    def sequence(self) -> int:
        """The sequence number as an integer: they are compared numerically, never as text."""
        return int(self.sequence_number)

    @property
    def payload_bytes(self) -> int:
        """Approximate size of this record inside the invocation payload."""
        return (
            _RECORD_OVERHEAD_BYTES
            + len(self.data_base64)
            + len(self.partition_key)
            + 2 * len(self.sequence_number)
            + len(self.shard_id)
        )

    def lane(self, lanes: int) -> int:
        """Which of the shard's `lanes` concurrent batch streams this record belongs to.

        A stable hash of the partition key, so one key always maps to one lane and its
        records stay in order under ParallelizationFactor > 1.
        """
        if lanes <= 1:
            return 0
        digest = hashlib.md5(self.partition_key.encode("utf-8"), usedforsecurity=False).digest()
        return int.from_bytes(digest[:8], "big") % lanes


@dataclass(frozen=True)
class EventContext:
    """The mapping-wide fields repeated in every event record."""

    stream_arn: str
    region: str
    invoke_identity_arn: str


def event_record(record: StreamRecord, context: EventContext) -> KinesisEventRecord:
    """One record in AWS's Kinesis event shape."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "data": record.data_base64,
            # AWS's events carry the arrival time in seconds with millisecond precision.
            "approximateArrivalTimestamp": round(record.arrival, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{record.shard_id}:{record.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": context.invoke_identity_arn,
        "awsRegion": context.region,
        "eventSourceARN": context.stream_arn,
    }


def build_event(records: Sequence[StreamRecord], context: EventContext) -> KinesisEvent:
    """The invocation payload for a batch."""
    return {"Records": [event_record(record, context) for record in records]}


def encode_event(
    records: Sequence[StreamRecord],
    context: EventContext,
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    """The payload bytes sent to Invoke; `extra` adds top-level fields (tumbling windows)."""
    event: dict[str, Any] = dict(build_event(records, context))
    if extra:
        event.update(extra)
    return json.dumps(event, separators=(",", ":")).encode("utf-8")
