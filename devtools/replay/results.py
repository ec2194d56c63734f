"""Read back this run's items from the results table (GSI byEventType, filtered to our ids)."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devtools.report.model import StoredRow
from processor import model
from processor.pipeline import TYPE_SHARD_ATTRIBUTE, type_shard_keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BY_TYPE_INDEX = "byEventType"
_COMMON_SAMPLE = ("userId", "deviceType")


def sample_attributes() -> tuple[str, ...]:
    """Attributes shown in sample rows: user, device, and each type's required fields."""
    names = dict.fromkeys(_COMMON_SAMPLE)
    for declared in model.all_types():
        names.update(dict.fromkeys(f.name for f in declared.fields if f.required))
    return tuple(names)


@dataclass(frozen=True)
class StoredEvents:
    """Counts by type, a few sample rows, and the stream positions the items came from."""

    by_type: dict[str, int] = field(default_factory=dict)
    rows: tuple[StoredRow, ...] = ()
    positions: frozenset[tuple[str, str]] = frozenset()


def plain(value: Mapping[str, Any]) -> Any:
    """A low-level attribute value ({"S": ..}, {"N": ..}, ...) as a plain Python value."""
    if "S" in value:
        return value["S"]
    if "N" in value:
        number = float(value["N"])
        return int(number) if number.is_integer() else number
    if "BOOL" in value:
        return value["BOOL"]
    if "NULL" in value:
        return None
    if "M" in value:
        return {k: plain(v) for k, v in value["M"].items()}
    if "L" in value:
        return [plain(v) for v in value["L"]]
    return str(value)


def stored_item(dynamodb: DynamoDBClient, table: str, event_id: str) -> dict[str, Any] | None:
    """The results-table item of one eventId as plain values, or None."""
    answer = dynamodb.query(
        TableName=table,
        KeyConditionExpression="eventId = :id",
        ExpressionAttributeValues={":id": {"S": event_id}},
        ConsistentRead=True,
    )
    items = answer.get("Items", [])
    return {name: plain(value) for name, value in items[0].items()} if items else None


def stored_events(
    dynamodb: DynamoDBClient,
    table: str,
    *,
    event_ids: set[str],
    window: tuple[str, str],
    outliers: Iterable[str] = (),
    sample_size: int = 8,
) -> StoredEvents:
    """Items whose eventId is one of `event_ids`, found by type within the timestamp `window`.

    `outliers` are eventIds whose timestamp lies outside the window (explicit events with a
    fixed date): they are read by key instead.
    """
    items: dict[str, dict[str, Any]] = {}
    for event_type in model.event_types():
        for item in _query_type(dynamodb, table, event_type, window):
            event_id = item["eventId"]["S"]
            if event_id in event_ids:
                items[event_id] = item
    for event_id in outliers:
        if event_id in items:
            continue
        answer = dynamodb.query(
            TableName=table,
            KeyConditionExpression="eventId = :id",
            ExpressionAttributeValues={":id": {"S": event_id}},
        )
        for item in answer.get("Items", []):
            items[event_id] = dict(item)
    counts = Counter(item["eventType"]["S"] for item in items.values())
    ordered = sorted(items.values(), key=lambda i: (i["timestamp"]["S"], i["eventId"]["S"]))
    step = max(1, len(ordered) // sample_size) if ordered else 1
    rows = tuple(_row(item) for item in ordered[::step][:sample_size])
    positions = frozenset(
        (item["shardId"]["S"], item["sequenceNumber"]["S"])
        for item in items.values()
        if "shardId" in item and "sequenceNumber" in item
    )
    return StoredEvents(dict(sorted(counts.items())), rows, positions)


def _query_type(
    dynamodb: DynamoDBClient, table: str, event_type: str, window: tuple[str, str]
) -> Iterable[dict[str, Any]]:
    """Items of one type in the window, in (timestamp, eventId) order, from every index shard."""
    shards = [_query_shard(dynamodb, table, key, window) for key in type_shard_keys(event_type)]
    # Each shard's query returns its items in timestamp order; merging keeps that order.
    return heapq.merge(*shards, key=lambda item: (item["timestamp"]["S"], item["eventId"]["S"]))


def _query_shard(
    dynamodb: DynamoDBClient, table: str, shard_key: str, window: tuple[str, str]
) -> Iterator[dict[str, Any]]:
    paginator = dynamodb.get_paginator("query")
    pages = paginator.paginate(
        TableName=table,
        IndexName=BY_TYPE_INDEX,
        KeyConditionExpression="#shard = :k AND #ts BETWEEN :a AND :b",
        ExpressionAttributeNames={"#shard": TYPE_SHARD_ATTRIBUTE, "#ts": "timestamp"},
        ExpressionAttributeValues={
            ":k": {"S": shard_key},
            ":a": {"S": window[0]},
            ":b": {"S": window[1]},
        },
    )
    for page in pages:
        for item in page.get("Items", []):
            yield dict(item)


def _row(item: Mapping[str, Mapping[str, Any]]) -> StoredRow:
    return StoredRow(
        event_id=str(item["eventId"]["S"]),
        event_type=str(item["eventType"]["S"]),
        timestamp=str(item["timestamp"]["S"]),
        attributes={name: plain(item[name]) for name in sample_attributes() if name in item},
    )
