"""Record decoding: Kinesis envelope -> RecordRef, payload base64 -> UTF-8 -> JSON object."""

from __future__ import annotations

import binascii
import json
from base64 import b64decode
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from processor.events import RecordRef
from processor.exceptions import MalformedEventError
from processor.reasons import Reason, Rejection

# Events are small JSON documents; 32 KiB keeps every results item far below DynamoDB's 400 KB
# and a 100-event transaction below its 4 MB limit.
MAX_EVENT_BYTES = 32 * 1024
# base64 length of MAX_EVENT_BYTES, to refuse oversize payloads before decoding them.
_MAX_BASE64_CHARS = 4 * ((MAX_EVENT_BYTES + 2) // 3)


def record_ref(record: Mapping[str, Any]) -> RecordRef:
    """Stream position and payload of one event record; raise if it is no Kinesis record."""
    try:
        kinesis = record["kinesis"]
        sequence_number = kinesis["sequenceNumber"]
        data = kinesis["data"]
        arrival = float(kinesis.get("approximateArrivalTimestamp", 0.0))
        partition_key = str(kinesis.get("partitionKey", ""))
        event_id = str(record.get("eventID", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEventError(f"not a Kinesis event record: {exc!r}") from exc
    if not isinstance(sequence_number, str) or not isinstance(data, str):
        raise MalformedEventError("kinesis.sequenceNumber and kinesis.data must be strings")
    # eventID is "<shardId>:<sequenceNumber>" in Lambda's Kinesis events.
    shard_id = event_id.rpartition(":")[0] or "unknown-shard"
    return RecordRef(
        shard_id=shard_id,
        sequence_number=sequence_number,
        partition_key=partition_key,
        arrival=datetime.fromtimestamp(arrival, tz=UTC),
        data_base64=data,
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for all records: json.loads(..., parse_float=...) builds a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


def decode_payload(data_base64: str) -> dict[str, Any] | Rejection:
    """base64 -> UTF-8 -> JSON object (floats as exact Decimals), or the precise rejection."""
    if len(data_base64) > _MAX_BASE64_CHARS:
        return Rejection(
            Reason.OVERSIZE, f"payload is larger than the {MAX_EVENT_BYTES}-byte limit"
        )
    try:
        raw = b64decode(data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        return Rejection(Reason.NOT_BASE64, f"data is not valid base64: {exc}")
    if len(raw) > MAX_EVENT_BYTES:
        return Rejection(
            Reason.OVERSIZE, f"payload is {len(raw)} bytes, the limit is {MAX_EVENT_BYTES}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(Reason.NOT_UTF8, f"payload is not UTF-8: {exc.reason} at byte {exc.start}")
    try:
        document = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        return Rejection(Reason.NOT_JSON, f"payload is not JSON: {_short(exc)}")
    if not isinstance(document, dict):
        return Rejection(
            Reason.NOT_OBJECT, f"payload is a JSON {type(document).__name__}, not an object"
        )
    return document


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
