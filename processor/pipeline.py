"""The pure path: Kinesis records -> poison rejections and ready-to-store events, no I/O."""

from __future__ import annotations

import binascii
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from processor import model
from processor.aggregates import COUNT, SEPARATOR, SUM, bucket_attribute
from processor.types import (
    FieldValue,
    Item,
    MalformedEventError,
    Reason,
    RecordRef,
    Rejection,
    ValidEvent,
)

# Fixed namespace: the derived eventId of a stream position must never change between releases.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c8a52-3d4e-4f0a-9a7b-2c5d8e1f0b34")
# base64 of MAX_EVENT_BYTES bytes: anything longer cannot decode to an acceptable payload.
_MAX_BASE64_CHARS = 4 * ((model.MAX_EVENT_BYTES + 2) // 3)
_ONE = Decimal(1)
_EVENTS = model.EVENTS_FAMILY.name

AggregateKey = tuple[str, str]  # (metricKey, minute)
Contribution = tuple[AggregateKey, str, Decimal]

# The results table's byEventType index: its partition key attribute and shard count. Five event
# types as bare keys would put most writes on one index partition (page views dominate), which
# throttles at 1,000 write units/s and back-pressures the base table; 10 shards per type keep
# even a single-type stream at the stack's ceiling (2,000 records/s) at 200 writes/s per
# partition. Readers query every shard of a type and merge (devtools/replay/results.py).
TYPE_SHARD_ATTRIBUTE = "eventTypeShard"
TYPE_SHARDS = 10


@dataclass(frozen=True, slots=True)
class Poison:
    """A record that can never be valid: quarantine it, never retry it."""

    ref: RecordRef
    rejection: Rejection


class Prepared(NamedTuple):
    """A valid event with everything needed to store it: item, key, aggregate contributions."""

    ref: RecordRef
    event: ValidEvent
    derived: dict[str, FieldValue]
    item: Item
    contributions: tuple[Contribution, ...]
    # (aggregates item, value) whose per-minute min/max this event may move; None if none.
    extreme: tuple[AggregateKey, Decimal] | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The results table key: what makes two records the same event."""
        return (self.event.event_id, self.event.timestamp)


Outcome = Poison | Prepared


def type_shard(event_id: str) -> int:
    """The index shard of an event: CRC-32 of its eventId (stable across processes and
    redeliveries)."""
    return zlib.crc32(event_id.encode("utf-8")) % TYPE_SHARDS


def type_shard_key(event_type: str, event_id: str) -> str:
    """The byEventType partition key of one event, e.g. "page_view#7"."""
    return f"{event_type}#{type_shard(event_id)}"


def type_shard_keys(event_type: str) -> tuple[str, ...]:
    """Every byEventType partition key of a type: what a query by type reads."""
    return tuple(f"{event_type}#{n}" for n in range(TYPE_SHARDS))


def derived_event_id(shard_id: str, sequence_number: str) -> str:
    """eventId for events without one: UUIDv5 of `<shardId>:<sequenceNumber>`."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{shard_id}:{sequence_number}"))


def record_ref(record: Mapping[str, Any]) -> RecordRef:
    """The stream position and payload of one Kinesis event record (raises if malformed)."""
    try:
        kinesis = record["kinesis"]
        sequence_number = kinesis["sequenceNumber"]
        data = kinesis["data"]
        partition_key = str(kinesis.get("partitionKey", ""))
        arrival = float(kinesis.get("approximateArrivalTimestamp", 0.0))
        event_id = str(record.get("eventID", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEventError(f"not a Kinesis event record: {exc!r}") from exc
    if not isinstance(sequence_number, str) or not isinstance(data, str):
        raise MalformedEventError("kinesis.sequenceNumber and kinesis.data must be strings")
    # eventID is "<shardId>:<sequenceNumber>" in Lambda's Kinesis events.
    shard_id = event_id.rpartition(":")[0] or "unknown-shard"
    return RecordRef(shard_id, sequence_number, partition_key, arrival, data)


def decode_base64(data_base64: str) -> bytes | Rejection:
    """The record's bytes, or why they are not a payload at all."""
    if len(data_base64) > _MAX_BASE64_CHARS:
        return Rejection(
            Reason.OVERSIZE, f"payload is larger than the {model.MAX_EVENT_BYTES}-byte limit"
        )
    try:
        # strict_mode: only the base64 alphabet with correct padding, checked in C (b64decode's
        # validate=True runs a regex first).
        return binascii.a2b_base64(data_base64, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        return Rejection(Reason.NOT_BASE64, f"data is not valid base64: {exc}")


def result_item(
    event: ValidEvent, derived: Mapping[str, FieldValue], *, ref: RecordRef, ttl_days: int
) -> Item:
    """The results item: keys, common fields, stream position, type and derived fields, TTL."""
    event_id, event_type = event.event_id, event.event_type
    item: Item = {
        "eventId": {"S": event_id},
        "timestamp": {"S": event.timestamp},
        "eventType": {"S": event_type},
        # The byEventType index's write-sharded partition key.
        TYPE_SHARD_ATTRIBUTE: {"S": type_shard_key(event_type, event_id)},
        "userId": {"S": event.user_id},
        "deviceType": {"S": event.device_type},
        "minute": {"S": event.minute},
        # TTL: `ttl_days` after the record reached the stream (stable on redelivery).
        "expiresAt": {"N": str(int(ref.arrival) + ttl_days * 86_400)},
        # Where the event was read: lets tools find the stream record behind an item.
        "shardId": {"S": ref.shard_id},
        "sequenceNumber": {"S": ref.sequence_number},
    }
    if event.session_id is not None:
        item["sessionId"] = {"S": event.session_id}
    for values in (event.fields, derived):
        for name, value in values.items():
            kind = value.__class__
            if kind is str:
                item[name] = {"S": value}
            elif kind is int:
                item[name] = {"N": str(value)}
            elif kind is bool:
                item[name] = {"BOOL": value}
            elif kind is Decimal:
                item[name] = {"N": format(value, "f")}  # plain notation, never an exponent
            else:
                raise TypeError(f"{name}: not a validated field value: {value!r}")
    return item


def contributions(
    event: ValidEvent, derived: Mapping[str, FieldValue], family: model.Family | None
) -> tuple[tuple[Contribution, ...], tuple[AggregateKey, Decimal] | None]:
    """Every (item, attribute, amount) one event adds, as its type's family declares, and the
    (item, value) whose min/max it may move."""
    minute = event.minute
    count = ((f"{_EVENTS}#{event.event_type}#{event.device_type}", minute), COUNT, _ONE)
    if family is None:
        return (count,), None
    fields = event.fields
    dimensions = [str(fields[d] if d in fields else derived[d]) for d in family.dimensions]
    key = (SEPARATOR.join([family.name, *dimensions]), minute)  # aggregates.py's key format
    adds = [count, (key, COUNT, _ONE)]
    if family.sums is not None:
        summed = family.sums
        adds.append((key, SUM, _decimal(fields[summed] if summed in fields else derived[summed])))
    if family.histogram is None:
        return tuple(adds), None
    kept = family.histogram
    measured = _decimal(fields[kept] if kept in fields else derived[kept])
    adds.append((key, bucket_attribute(measured), _ONE))
    return tuple(adds), (key, measured)


def _decimal(value: FieldValue) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def prepare_record(ref: RecordRef, *, ttl_days: int) -> Outcome:
    """Decode, validate and analyse one record; never raises for any payload."""
    data = decode_base64(ref.data_base64)
    if isinstance(data, Rejection):
        return Poison(ref, data)
    event = model.validate_record(data, arrival=ref.arrival)
    if isinstance(event, Rejection):
        return Poison(ref, event)
    declared = model.get(event.event_type)
    if declared is None:  # unregistered since validation: not storable now
        return Poison(
            ref, Rejection(Reason.UNKNOWN_TYPE, f"unknown eventType {event.event_type!r}")
        )
    if not event.event_id:
        # The UUIDv5 costs more than the rest of validation: derive it only when needed.
        event = event._replace(event_id=derived_event_id(ref.shard_id, ref.sequence_number))
    derived = declared.derive(event.fields)
    adds, extreme = contributions(event, derived, declared.family)
    item = result_item(event, derived, ref=ref, ttl_days=ttl_days)
    return Prepared(ref, event, derived, item, adds, extreme)


def prepare_records(records: Iterable[Mapping[str, Any]], *, ttl_days: int) -> list[Outcome]:
    """The pure path for a batch, in stream order. A malformed envelope raises
    MalformedEventError (a wiring bug, not a poison record)."""
    return [prepare_record(record_ref(record), ttl_days=ttl_days) for record in records]
