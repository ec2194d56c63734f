"""Results table items in DynamoDB's low-level attribute-value format."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from processor.events import FieldValue, ValidEvent
from processor.index_keys import TYPE_SHARD_ATTRIBUTE, type_shard_key
from processor.types import AttributeValue, Item


def attribute(value: FieldValue) -> AttributeValue:
    """One field value as a DynamoDB attribute value."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int:
        return {"N": str(value)}
    if isinstance(value, Decimal):
        return {"N": format(value, "f")}
    raise TypeError(f"not a validated field value: {value!r}")


def expires_at(arrival: datetime, ttl_days: int) -> int:
    """TTL epoch seconds: `ttl_days` after the record reached the stream (stable on redelivery)."""
    return int(arrival.timestamp()) + ttl_days * 86_400


def result_item(
    event: ValidEvent,
    derived: Mapping[str, FieldValue],
    *,
    arrival: datetime,
    ttl_days: int,
    shard_id: str,
    sequence_number: str,
) -> Item:
    """The results item: keys, common fields, stream position, type and derived fields, TTL.

    Derived fields win over raw fields of the same name (none overlap today).
    """
    item: Item = {
        "eventId": {"S": event.event_id},
        "timestamp": {"S": event.timestamp},
        "eventType": {"S": event.event_type},
        # The byEventType index's write-sharded partition key (processor/index_keys.py).
        TYPE_SHARD_ATTRIBUTE: {"S": type_shard_key(event.event_type, event.event_id)},
        "userId": {"S": event.user_id},
        "deviceType": {"S": event.device_type},
        "minute": {"S": event.minute},
        "expiresAt": {"N": str(expires_at(arrival, ttl_days))},
        # Where the event was read: lets tools find the stream record behind an item.
        "shardId": {"S": shard_id},
        "sequenceNumber": {"S": sequence_number},
    }
    if event.session_id is not None:
        item["sessionId"] = {"S": event.session_id}
    for name, value in event.fields.items():
        item[name] = attribute(value)
    for name, value in derived.items():
        item[name] = attribute(value)
    return item
