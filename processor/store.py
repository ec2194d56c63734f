"""Exactly-once storage: chunks of events, one TransactWriteItems each, lanes written at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, wait
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from processor import aggregates as agg
from processor.known_extrema import KnownExtrema, batch_extrema
from processor.pipeline import AggregateKey, Prepared
from processor.retry import TRANSIENT_CANCELLATION_CODES, RetryPolicy, error_code, is_transient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger(__name__)

# DynamoDB: at most 100 actions and 4 MB per transaction. Events are capped at 32 KiB each, so
# the byte budget only binds for unusually large events.
MAX_ACTIONS = 100
MAX_CHUNK_BYTES = 3_000_000
_ITEM_OVERHEAD_BYTES = 512  # room for an event's keys and its share of the updates

Chunk = list[Prepared]  # one TransactWriteItems: a put per event + an update per aggregates item
Lane = list[Chunk]  # chunks written one after another


@dataclass(slots=True)
class _Group:
    """Events in one transaction, or linked by shared aggregates items, with what they cost."""

    events: list[Prepared] = field(default_factory=list)
    keys: set[AggregateKey] = field(default_factory=set)
    size: int = 0

    @classmethod
    def of(cls, prepared: Prepared) -> _Group:
        size = len(prepared.ref.data_base64) + _ITEM_OVERHEAD_BYTES
        return cls([prepared], {key for key, _, _ in prepared.contributions}, size)

    @property
    def actions(self) -> int:
        return len(self.events) + len(self.keys)

    def fits(self, other: _Group) -> bool:
        """Whether one transaction can hold both: a put per event, one update per item."""
        actions = self.actions + len(other.events) + len(other.keys - self.keys)
        return actions <= MAX_ACTIONS and self.size + other.size <= MAX_CHUNK_BYTES

    def take(self, other: _Group) -> None:
        self.events += other.events
        self.keys |= other.keys
        self.size += other.size


def plan_chunks(events: Sequence[Prepared]) -> list[Chunk]:
    """Greedy chunks within the transaction limits, for a group too big for one.

    Events that touch the same aggregates items are packed together (stream order among them):
    fewer Update actions per transaction, so fewer write units and less work per request.
    Exactly-once does not depend on the order; after a failure the mapping redelivers from the
    lowest failed record and anything already stored is recognised as a duplicate.
    """
    chunks = [_Group()]
    for event in sorted(map(_Group.of, events), key=lambda single: sorted(single.keys)):
        if chunks[-1].events and not chunks[-1].fits(event):
            chunks.append(_Group())
        chunks[-1].take(event)
    return [chunk.events for chunk in chunks if chunk.events]


def _connected_groups(events: Sequence[Prepared]) -> list[_Group]:
    """Union-find over aggregates items: two events sharing one are in the same group.

    Groups come in the order of their first event, their events in stream order.
    """
    parent = list(range(len(events)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    singles = [_Group.of(prepared) for prepared in events]
    owner: dict[AggregateKey, int] = {}
    for index, single in enumerate(singles):
        for key in single.keys:
            a, b = root(index), root(owner.setdefault(key, index))
            if a != b:
                parent[max(a, b)] = min(a, b)  # the earliest event stays the root
    for index, single in enumerate(singles):
        earliest = root(index)
        if earliest != index:
            singles[earliest].take(single)
    return [single for index, single in enumerate(singles) if parent[index] == index]


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
    lanes += [[sorted(b.events, key=lambda p: position[id(p)])] for b in bins if b.events]
    return sorted(lanes, key=lambda lane: sum(len(chunk) for chunk in lane))


@dataclass(frozen=True)
class StoreTarget:
    """The two tables the processor writes."""

    results_table: str
    aggregates_table: str


@dataclass
class StoreResult:
    """What happened to each prepared event (by identity), and how many requests it took.

    `stored`: written now (counted in the aggregates by this call). `duplicates`: the same event
    was already stored (redelivery, producer duplicate, concurrent invocation or an earlier
    record of this batch). `failed`: transient faults outlasted the retry budget, or the table
    refused the request for a reason retrying in this invocation cannot fix; redeliver them.
    `unstorable`: DynamoDB refused the item itself; quarantine it.
    """

    stored: list[Prepared] = field(default_factory=list)
    duplicates: list[Prepared] = field(default_factory=list)
    failed: list[Prepared] = field(default_factory=list)
    unstorable: list[tuple[Prepared, str]] = field(default_factory=list)
    requests: int = 0
    retries: int = 0

    def absorb(self, other: StoreResult) -> None:
        """Add another lane's fates and counts to this one (every field adds up)."""
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def coalesce(events: Sequence[Prepared]) -> dict[AggregateKey, dict[str, Decimal]]:
    """Sum the aggregate contributions of `events` per item and attribute."""
    deltas: dict[AggregateKey, dict[str, Decimal]] = {}
    for prepared in events:
        for key, attribute, amount in prepared.contributions:
            values = deltas.setdefault(key, {})
            values[attribute] = values.get(attribute, Decimal(0)) + amount
    return deltas


def transaction_items(
    events: Sequence[Prepared], target: StoreTarget, lane_id: str
) -> list[dict[str, Any]]:
    """Conditional puts of `events` first (reasons are indexed by position), then one ADD
    update per aggregates item, on the partial items of the invocation's lane `lane_id`."""
    actions: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": target.results_table,
                "Item": prepared.item,
                "ConditionExpression": "attribute_not_exists(eventId)",
            }
        }
        for prepared in events
    ]
    for (metric_key, minute), values in sorted(coalesce(events).items()):
        names = sorted(values)
        actions.append(
            {
                "Update": {
                    "TableName": target.aggregates_table,
                    "Key": _item_key(metric_key, agg.partial_minute(minute, lane_id)),
                    "UpdateExpression": "ADD "
                    + ", ".join(f"#a{i} :v{i}" for i in range(len(names))),
                    "ExpressionAttributeNames": {f"#a{i}": name for i, name in enumerate(names)},
                    "ExpressionAttributeValues": {
                        f":v{i}": {"N": format(values[name], "f")} for i, name in enumerate(names)
                    },
                }
            }
        )
    return actions


def _item_key(metric_key: str, sort_key: str) -> dict[str, Any]:
    return {"metricKey": {"S": metric_key}, "minute": {"S": sort_key}}


def dedupe(events: Sequence[Prepared]) -> dict[tuple[str, str], Prepared]:
    """The first occurrence of each results key, in stream order: later copies are the same
    event, and share its fate."""
    firsts: dict[tuple[str, str], Prepared] = {}
    for prepared in events:
        firsts.setdefault(prepared.key, prepared)
    return firsts


def store_events(
    client: DynamoDBClient,
    events: Sequence[Prepared],
    target: StoreTarget,
    policy: RetryPolicy,
    known: KnownExtrema | None = None,
    workers: Executor | None = None,
    *,
    lane_id: str,
) -> StoreResult:
    """Store each event once and add it to the aggregates once, whatever was stored before.

    The aggregates go to the partial items of `lane_id`, the invocation's lane (a lease of
    processor/invocation_lane.py): no concurrent invocation writes those items.

    `known` (kept across a warm container's invocations) lets the load-time min/max update be
    skipped for minutes whose stored extremes this batch cannot improve. `workers` writes the
    lanes of chunks (which share no aggregates item) at the same time; without it, one after
    another.
    """
    writer = _Writer(client, target, policy, lane_id, known or KnownExtrema())
    firsts = dedupe(events)
    lanes = plan_lanes(list(firsts.values()))
    if workers is None or len(lanes) < 2:
        parts = [writer.write_lane(lane) for lane in lanes]
    else:
        # Lanes share no aggregates item, so their transactions never conflict: the table works
        # on all of them at once, and a batch costs about one round trip per lane length
        # instead of one per chunk.
        futures = [workers.submit(writer.write_lane, lane) for lane in lanes]
        wait(futures)  # all of them, even if one raised: no write outlives the invocation
        parts = [future.result() for future in futures]
    result = StoreResult()
    for part in parts:
        result.absorb(part)
    _settle_copies(events, firsts, result)
    writer.write_extrema(result)
    return result


def _settle_copies(
    events: Sequence[Prepared], firsts: Mapping[tuple[str, str], Prepared], result: StoreResult
) -> None:
    """A later copy of an event in the same batch shares the fate of its first occurrence."""
    failed = {id(p) for p in result.failed}
    unstorable = {id(p): detail for p, detail in result.unstorable}
    for prepared in events:
        first = firsts[prepared.key]
        if first is prepared:
            continue
        if id(first) in failed:
            result.failed.append(prepared)
        elif id(first) in unstorable:
            result.unstorable.append((prepared, unstorable[id(first)]))
        else:
            result.duplicates.append(prepared)


@dataclass(frozen=True)
class _Writer:
    """One store_events call's writes: where, to which lane's partial items, on which budget."""

    client: DynamoDBClient
    target: StoreTarget
    policy: RetryPolicy
    lane_id: str
    known: KnownExtrema
    # Set by the first lane that gives up: chunks not yet started are then not attempted, in
    # any lane. The mapping redelivers from the lowest failed record anyway, and the table is
    # evidently struggling.
    halt: threading.Event = field(default_factory=threading.Event)

    def write_lane(self, lane: Lane) -> StoreResult:
        result = StoreResult()
        for chunk in lane:
            if self.halt.is_set() or self.policy.expired():
                result.failed += chunk
                self.halt.set()
            elif not self._write_chunk(chunk, result):
                self.halt.set()
        return result

    def _write_chunk(self, chunk: Chunk, result: StoreResult) -> bool:
        """Write one chunk until done; False when it had to give up (its events are then failed)."""
        pending = list(chunk)
        attempt = 1
        while pending:
            result.requests += 1
            try:
                self.client.transact_write_items(
                    TransactItems=transaction_items(pending, self.target, self.lane_id)  # type: ignore[arg-type]
                )
            except (ClientError, BotoCoreError) as exc:
                reasons = _cancellation_reasons(exc)
                rest = _drop_settled(pending, reasons, result)
                if len(rest) < len(pending):
                    pending = rest
                    continue  # the rest of the chunk is retried at once: nothing was transient
                if reasons:
                    transient = any(r.get("Code") in TRANSIENT_CANCELLATION_CODES for r in reasons)
                else:
                    transient = is_transient(exc)
                if not transient:
                    logger.error("transaction refused, not retrying: %s", exc)
                if not transient or not self.policy.backoff(attempt):
                    result.failed += pending
                    return False
                attempt += 1
                result.retries += 1
            else:
                result.stored += pending
                return True
        return True

    def write_extrema(self, result: StoreResult) -> None:
        """Fold min/max per aggregates item with conditional SETs (idempotent, so duplicates are
        included: a crash between the transaction and this step is repaired on redelivery).

        If an update cannot be made, the events of that item are reported failed so the mapping
        redelivers them; they are duplicates then, and the update is retried.
        """
        settled = [*result.stored, *result.duplicates]
        for key, bounds in sorted(batch_extrema(settled).items()):
            # The lane's partial item, like the transactions': what is known is known of that item.
            item = (key[0], agg.partial_minute(key[1], self.lane_id))
            # Only what this container does not already know to be beaten: one attribute, one
            # unconditional-looking request instead of a failed pair and a retry.
            wanted = self.known.improving(item, bounds)
            if wanted and not self._update_extrema(item, wanted, result):
                members = [p for p in settled if p.extreme is not None and p.extreme[0] == key]
                failed = {id(p) for p in members}
                result.stored = [p for p in result.stored if id(p) not in failed]
                result.duplicates = [p for p in result.duplicates if id(p) not in failed]
                result.failed += members

    def _update_extrema(
        self, item: AggregateKey, wanted: dict[str, Decimal], result: StoreResult
    ) -> bool:
        """SET min/max of `item` ((metricKey, partial sort key)) where they beat the stored
        ones, in one request when possible; False when it had to give up.

        The condition requires every SET to be an improvement. A refusal means some attribute
        is already at least as extreme in the table: that one is learnt and dropped, and the
        rest is retried at once. So a batch that changes neither costs one request, a first
        write of a minute one request too.
        """
        attempt = 1
        while wanted:
            result.requests += 1
            try:
                self.client.update_item(**_extrema_update(self.target, item, wanted))
            except (ClientError, BotoCoreError) as exc:
                if (
                    isinstance(exc, ClientError)
                    and error_code(exc) == "ConditionalCheckFailedException"
                ):
                    beaten = _already_beaten(wanted, exc)
                    if beaten is None:  # no old image: settle the attributes one at a time
                        return all(
                            self._update_extrema(item, {n: v}, result) for n, v in wanted.items()
                        )
                    if beaten:
                        self.known.learn(item, beaten)
                        wanted = {n: v for n, v in wanted.items() if n not in beaten}
                        continue
                    # Each still improves on what was read: a concurrent writer moved it; retry.
                elif not is_transient(exc):
                    logger.error("extrema update failed for %s: %s", item, exc)
                    return False
            else:
                self.known.learn(item, wanted)
                return True
            if not self.policy.backoff(attempt):
                logger.error("extrema update for %s outlasted the retry budget", item)
                return False
            attempt += 1
            result.retries += 1
        return True


def _extrema_update(
    target: StoreTarget, item: AggregateKey, wanted: dict[str, Decimal]
) -> dict[str, Any]:
    """UpdateItem of `item` setting each of `wanted` (min/max) on condition that every one
    improves on the stored value; a refusal returns the stored item to tell which did not."""
    return {
        "TableName": target.aggregates_table,
        "Key": _item_key(*item),
        "UpdateExpression": "SET " + ", ".join(f"#{n} = :{n}" for n in wanted),
        "ConditionExpression": " AND ".join(
            f"(attribute_not_exists(#{n}) OR #{n} {'>' if n == agg.MIN else '<'} :{n})"
            for n in wanted
        ),
        "ExpressionAttributeNames": {f"#{n}": n for n in wanted},
        "ExpressionAttributeValues": {f":{n}": {"N": format(v, "f")} for n, v in wanted.items()},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def _cancellation_reasons(exc: Exception) -> list[dict[str, Any]]:
    """A cancelled transaction's reasons, one per action in order; [] for any other error."""
    if isinstance(exc, ClientError) and error_code(exc) == "TransactionCanceledException":
        return list(exc.response.get("CancellationReasons", []))  # type: ignore[arg-type]
    return []


def _drop_settled(
    pending: list[Prepared], reasons: Sequence[dict[str, Any]], result: StoreResult
) -> list[Prepared]:
    """The events still to write: those whose put was refused for good (already stored, or
    unstorable) are settled in `result`."""
    rest: list[Prepared] = []
    for index, prepared in enumerate(pending):
        reason = reasons[index] if index < len(reasons) else {}
        if reason.get("Code") == "ConditionalCheckFailed":
            result.duplicates.append(prepared)
        elif reason.get("Code") == "ValidationError":
            result.unstorable.append((prepared, str(reason.get("Message", "ValidationError"))))
        else:
            rest.append(prepared)
    return rest


def _already_beaten(wanted: dict[str, Decimal], refusal: ClientError) -> dict[str, Decimal] | None:
    """Which of `wanted` the refused update's item is already at least as extreme as; None
    when the refusal returned no old image to tell."""
    if len(wanted) == 1:
        return dict(wanted)  # the condition was on this one attribute alone
    stored: dict[str, Any] | None = refusal.response.get("Item")  # type: ignore[assignment]
    if stored is None:
        return None
    old = {n: Decimal(str(stored[n]["N"])) for n in wanted if "N" in stored.get(n, {})}
    return {
        n: v
        for n, v in wanted.items()
        if n in old and (old[n] <= v if n == agg.MIN else old[n] >= v)
    }
