"""Which events share a transaction, and which transactions may be written at the same time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from processor.folding import AggregateKey
from processor.pipeline import Prepared

# DynamoDB: at most 100 actions and 4 MB per transaction. Events are capped at 32 KiB each, so
# the byte budget only binds for unusually large events.
MAX_ACTIONS = 100
MAX_CHUNK_BYTES = 3_000_000
_ITEM_OVERHEAD_BYTES = 512

Chunk = list[Prepared]  # one TransactWriteItems: a put per event + an update per aggregates item
Lane = list[Chunk]  # chunks written one after another


def chunk_bytes(prepared: Prepared) -> int:
    """What one event adds to a transaction's size, with room for its keys and updates."""
    return len(prepared.ref.data_base64) + _ITEM_OVERHEAD_BYTES


def _affinity(prepared: Prepared) -> tuple[AggregateKey, ...]:
    return tuple(sorted(prepared.aggregate_keys))


def plan_chunks(events: Sequence[Prepared]) -> list[Chunk]:
    """Greedy chunks with puts + distinct aggregate updates <= 100 actions.

    Events that touch the same aggregates items are packed together (stream order among them):
    fewer Update actions per transaction, so fewer write units and less work per request.
    Exactly-once does not depend on the order; after a failure the mapping redelivers from the
    lowest failed record and anything already stored is recognised as a duplicate.
    """
    chunks: list[Chunk] = []
    current: Chunk = []
    keys: set[AggregateKey] = set()
    size = 0
    for prepared in sorted(events, key=_affinity):
        new_keys = prepared.aggregate_keys - keys
        actions = len(current) + 1 + len(keys) + len(new_keys)
        if current and (actions > MAX_ACTIONS or size + chunk_bytes(prepared) > MAX_CHUNK_BYTES):
            chunks.append(current)
            current, keys, size = [], set(), 0
            new_keys = prepared.aggregate_keys
        current.append(prepared)
        keys |= new_keys
        size += chunk_bytes(prepared)
    if current:
        chunks.append(current)
    return chunks


@dataclass
class _Group:
    """Events linked by shared aggregates items (directly or through each other)."""

    events: list[Prepared] = field(default_factory=list)
    keys: set[AggregateKey] = field(default_factory=set)
    size: int = 0

    @property
    def actions(self) -> int:
        return len(self.events) + len(self.keys)

    def take(self, other: _Group) -> None:
        self.events += other.events
        self.keys |= other.keys
        self.size += other.size

    def fits(self, other: _Group) -> bool:
        return (
            self.actions + other.actions <= MAX_ACTIONS
            and self.size + other.size <= MAX_CHUNK_BYTES
        )


def _connected_groups(events: Sequence[Prepared]) -> list[_Group]:
    """Union-find over aggregates items: two events sharing one are in the same group."""
    parent = list(range(len(events)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[AggregateKey, int] = {}
    keys_of = [prepared.aggregate_keys for prepared in events]
    for index, keys in enumerate(keys_of):
        for key in keys:
            first = owner.setdefault(key, index)
            a, b = root(index), root(first)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the earliest event stays the root
    groups: dict[int, _Group] = {}
    for index, prepared in enumerate(events):
        group = groups.setdefault(root(index), _Group())
        group.events.append(prepared)
        group.keys |= keys_of[index]
        group.size += chunk_bytes(prepared)
    return list(groups.values())


def plan_lanes(events: Sequence[Prepared]) -> list[Lane]:
    """Chunks of at most 100 actions, grouped in lanes that share no aggregates item.

    Transactions that update the same item at the same time cancel each other in DynamoDB
    (TransactionConflict), so only transactions touching disjoint items may be in flight
    together. Events linked by shared items form a group; groups that fit in one transaction
    are packed into as few chunks as the action count allows, each its own lane, balanced so
    that the second request is ready by the time the first is done. A group too big for one
    transaction gets a lane of its own, chunked by plan_chunks and written in order.

    Lanes come smallest first: the first request reaches the table sooner, and its processing
    covers the building of the others. Each event is in exactly one chunk, in stream order
    within its chunk, and each aggregates item is updated by exactly one lane.
    """
    position = {id(prepared): index for index, prepared in enumerate(events)}
    lanes: list[Lane] = []
    packable: list[_Group] = []
    for group in _connected_groups(events):
        if group.actions > MAX_ACTIONS or group.size > MAX_CHUNK_BYTES:
            lanes.append(plan_chunks(group.events))
        else:
            packable.append(group)
    total_actions = sum(group.actions for group in packable)
    bins = [_Group() for _ in range(-(-total_actions // MAX_ACTIONS))]
    for group in sorted(packable, key=lambda g: g.actions, reverse=True):
        roomy = [candidate for candidate in bins if candidate.fits(group)]
        if roomy:
            min(roomy, key=lambda candidate: candidate.actions).take(group)
        else:
            bins.append(group)
    for packed in bins:
        if packed.events:
            lanes.append([sorted(packed.events, key=lambda p: position[id(p)])])
    return sorted(lanes, key=lambda lane: sum(len(chunk) for chunk in lane))
