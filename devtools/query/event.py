"""One stored event by id: every attribute of its results-table item, derived fields included."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devtools.query.errors import EventNotFoundError
from devtools.replay.results import plain

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Shown first, in this order; every other attribute follows alphabetically.
LEADING = ("eventId", "timestamp", "eventType", "userId", "sessionId", "deviceType", "minute")


@dataclass(frozen=True)
class StoredEvent:
    """One results-table item as plain values (numbers as int/float, maps as dicts)."""

    event_id: str
    timestamp: str
    event_type: str
    attributes: dict[str, Any] = field(default_factory=dict)


def ordered(attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes with keys and common fields first, then the rest by name."""
    first = {name: attributes[name] for name in LEADING if name in attributes}
    rest = {name: attributes[name] for name in sorted(attributes) if name not in first}
    return {**first, **rest}


MAX_KEY_BYTES = 2048


def find_event(dynamodb: DynamoDBClient, table: str, event_id: str) -> tuple[StoredEvent, ...]:
    """Every item with this eventId (one, unless the same id came with several timestamps).

    Raises EventNotFoundError when there is none.
    """
    # DynamoDB refuses an empty key value, and a partition key past 2048 bytes, with a
    # ValidationException; no stored event can have either (DynamoDB developer guide, limits)
    if not event_id or len(event_id.encode()) > MAX_KEY_BYTES:
        raise EventNotFoundError(
            f"eventId must be 1-{MAX_KEY_BYTES} bytes (got {len(event_id.encode()):,}); "
            "give the eventId of a stored event"
        )
    paginator = dynamodb.get_paginator("query")
    pages = paginator.paginate(
        TableName=table,
        KeyConditionExpression="eventId = :id",
        ExpressionAttributeValues={":id": {"S": event_id}},
        ConsistentRead=True,
    )
    found = []
    for page in pages:
        for item in page.get("Items", []):
            attributes = ordered({name: plain(value) for name, value in item.items()})
            found.append(
                StoredEvent(
                    event_id=str(attributes.get("eventId", event_id)),
                    timestamp=str(attributes.get("timestamp", "")),
                    event_type=str(attributes.get("eventType", "")),
                    attributes=attributes,
                )
            )
    if not found:
        raise EventNotFoundError(f"no stored event has eventId {event_id!r} in table {table}")
    return tuple(found)
