"""Keys of the results table's byEventType index: the event type spread over write shards."""

from __future__ import annotations

import zlib

# The index's partition key attribute and its shard count. Five event types as bare keys would
# put most writes on one index partition (page views dominate), which throttles at 1,000 write
# units/s and back-pressures the base table; 10 shards per type keep even a single-type stream
# at the stack's ceiling (2,000 records/s) at 200 writes/s per partition. Readers query every
# shard of a type and merge (devtools/replay/results.py): 10 queries per type.
TYPE_SHARD_ATTRIBUTE = "eventTypeShard"
TYPE_SHARDS = 10


def type_shard(event_id: str) -> int:
    """The shard of an event: CRC-32 of its eventId (stable across processes and redeliveries)."""
    return zlib.crc32(event_id.encode("utf-8")) % TYPE_SHARDS


def type_shard_key(event_type: str, event_id: str) -> str:
    """The index partition key of one event, e.g. "page_view#7"."""
    return f"{event_type}#{type_shard(event_id)}"
