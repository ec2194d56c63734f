"""Exactly-once storage: chunks of events, one TransactWriteItems each, lanes written at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, wait
from dataclasses import dataclass, field
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

_NOT_STORED_YET = "attribute_not_exists(eventId)"

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
        """Add another part's fates and counts to this one."""
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.failed += other.failed
        self.unstorable += other.unstorable
        self.requests += other.requests
        self.retries += other.retries


def coalesce(events: Sequence[Prepared]) -> dict[AggregateKey, dict[str, Decimal]]:
    """Sum the aggregate contributions of `events` per item and attribute."""
    deltas: dict[AggregateKey, dict[str, Decimal]] = {}
    for prepared in events:
        for key, attribute, amount in prepared.contributions:
            values = deltas.setdefault(key, {})
            values[attribute] = values.get(attribute, Decimal(0)) + amount
    return deltas


def item_key(key: AggregateKey, lane_id: str) -> dict[str, Any]:
    """The DynamoDB key of the lane's partial item for (metricKey, minute)."""
    return {"metricKey": {"S": key[0]}, "minute": {"S": agg.partial_minute(key[1], lane_id)}}


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
                "ConditionExpression": _NOT_STORED_YET,
            }
        }
        for prepared in events
    ]
    for key, values in sorted(coalesce(events).items()):
        names = {f"#a{i}": name for i, name in enumerate(sorted(values))}
        amounts = {
            f":v{i}": {"N": format(values[name], "f")} for i, name in enumerate(sorted(values))
        }
        actions.append(
            {
                "Update": {
                    "TableName": target.aggregates_table,
                    "Key": item_key(key, lane_id),
                    "UpdateExpression": "ADD "
                    + ", ".join(f"#a{i} :v{i}" for i in range(len(names))),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": amounts,
                }
            }
        )
    return actions


def dedupe(events: Sequence[Prepared]) -> tuple[list[Prepared], dict[int, Prepared]]:
    """First occurrence of each results key, and for each later copy (by id()) its first."""
    firsts: dict[tuple[str, str], Prepared] = {}
    copies: dict[int, Prepared] = {}
    for prepared in events:
        first = firsts.setdefault(prepared.key, prepared)
        if first is not prepared:
            copies[id(prepared)] = first
    return list(firsts.values()), copies


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

    After the first chunk whose budget runs out, chunks not yet started are not attempted: the
    mapping redelivers from the lowest failed record anyway, and the table is evidently
    struggling.
    """
    result = StoreResult()
    firsts, copies = dedupe(events)
    for part in _write_lanes(client, plan_lanes(firsts), target, policy, workers, lane_id):
        result.absorb(part)
    _settle_copies(events, copies, result)
    _write_extrema(client, target, policy, result, known or KnownExtrema(), lane_id)
    return result


def _write_lanes(
    client: DynamoDBClient,
    lanes: list[Lane],
    target: StoreTarget,
    policy: RetryPolicy,
    workers: Executor | None,
    lane_id: str,
) -> list[StoreResult]:
    """Each lane's result, in lane order; lanes run on `workers` when there are several.

    Lanes share no aggregates item, so their transactions never conflict: with a pool, the
    table works on all of them at once, and a batch costs about one round trip per lane
    length instead of one per chunk.
    """
    halt = threading.Event()  # set by the first lane that gives up
    if workers is None or len(lanes) < 2:
        return [_write_lane(client, lane, target, policy, halt, lane_id) for lane in lanes]
    futures = [
        workers.submit(_write_lane, client, lane, target, policy, halt, lane_id) for lane in lanes
    ]
    wait(futures)  # all of them, even if one raised: no write outlives the invocation
    return [future.result() for future in futures]


def _write_lane(
    client: DynamoDBClient,
    lane: Lane,
    target: StoreTarget,
    policy: RetryPolicy,
    halt: threading.Event,
    lane_id: str,
) -> StoreResult:
    result = StoreResult()
    for chunk in lane:
        if halt.is_set() or policy.expired():
            result.failed.extend(chunk)
            halt.set()
        elif not _write_chunk(client, chunk, target, policy, result, lane_id):
            halt.set()
    return result


def _settle_copies(
    events: Sequence[Prepared], copies: dict[int, Prepared], result: StoreResult
) -> None:
    """A later copy of an event in the same batch shares the fate of its first occurrence."""
    failed = {id(p) for p in result.failed}
    unstorable = {id(p): detail for p, detail in result.unstorable}
    for prepared in events:
        first = copies.get(id(prepared))
        if first is None:
            continue
        if id(first) in failed:
            result.failed.append(prepared)
        elif id(first) in unstorable:
            result.unstorable.append((prepared, unstorable[id(first)]))
        else:
            result.duplicates.append(prepared)


def _write_chunk(
    client: DynamoDBClient,
    chunk: Chunk,
    target: StoreTarget,
    policy: RetryPolicy,
    result: StoreResult,
    lane_id: str,
) -> bool:
    """Write one chunk until done; False when it had to give up (its events are then failed)."""
    pending = list(chunk)
    attempt = 1
    while pending:
        result.requests += 1
        try:
            client.transact_write_items(
                TransactItems=transaction_items(pending, target, lane_id)  # type: ignore[arg-type]
            )
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException":
                reasons: list[Any] = list(exc.response.get("CancellationReasons", []))
                pending, settled = _drop_settled(pending, reasons, result)
                if settled:
                    continue  # the rest of the chunk is retried at once: nothing was transient
                transient = any(r.get("Code") in TRANSIENT_CANCELLATION_CODES for r in reasons)
            else:
                transient = is_transient(exc)
            if not transient:
                logger.error("transaction refused, not retrying: %s", exc)
                result.failed.extend(pending)
                return False
            if not policy.backoff(attempt):
                result.failed.extend(pending)
                return False
            attempt += 1
            result.retries += 1
        except BotoCoreError as exc:
            if not is_transient(exc) or not policy.backoff(attempt):
                result.failed.extend(pending)
                return False
            attempt += 1
            result.retries += 1
        else:
            result.stored.extend(pending)
            return True
    return True


def _drop_settled(
    pending: list[Prepared], reasons: Sequence[dict[str, Any]], result: StoreResult
) -> tuple[list[Prepared], bool]:
    """Remove events whose put was refused for good: already stored, or unstorable."""
    keep: list[Prepared] = []
    settled = False
    for index, prepared in enumerate(pending):
        reason = reasons[index] if index < len(reasons) else {}
        code = reason.get("Code")
        if code == "ConditionalCheckFailed":
            result.duplicates.append(prepared)
            settled = True
        elif code == "ValidationError":
            result.unstorable.append((prepared, str(reason.get("Message", "ValidationError"))))
            settled = True
        else:
            keep.append(prepared)
    return keep, settled


def _write_extrema(
    client: DynamoDBClient,
    target: StoreTarget,
    policy: RetryPolicy,
    result: StoreResult,
    known: KnownExtrema,
    lane_id: str,
) -> None:
    """Fold min/max per aggregates item with conditional SETs (idempotent, so duplicates are
    included: a crash between the transaction and this step is repaired on redelivery).

    If an update cannot be made, the events of that item are reported failed so the mapping
    redelivers them; they are duplicates then, and the update is retried.
    """
    settled = [*result.stored, *result.duplicates]
    members: dict[AggregateKey, list[Prepared]] = {}
    for prepared in settled:
        if prepared.extreme is not None:
            members.setdefault(prepared.extreme[0], []).append(prepared)
    for key, bounds in sorted(batch_extrema(settled).items()):
        # The lane's partial item, like the transactions': what is known is known of that item.
        item = (key[0], agg.partial_minute(key[1], lane_id))
        # Only what this container does not already know to be beaten: one attribute, one
        # unconditional-looking request instead of a failed pair and a retry.
        wanted = known.improving(item, bounds)
        if not wanted:
            continue
        ok = _update_extrema(client, target, policy, result, item, wanted, known)
        if not ok:
            failed = {id(p) for p in members[key]}
            result.stored = [p for p in result.stored if id(p) not in failed]
            result.duplicates = [p for p in result.duplicates if id(p) not in failed]
            result.failed.extend(members[key])


def _beats(attribute: str, value: Decimal, current: Mapping[str, Any] | None) -> bool:
    if current is None or "N" not in current:
        return True
    stored = Decimal(str(current["N"]))
    return value < stored if attribute == agg.MIN else value > stored


def _update_extrema(
    client: DynamoDBClient,
    target: StoreTarget,
    policy: RetryPolicy,
    result: StoreResult,
    key: AggregateKey,
    wanted: dict[str, Decimal],
    known: KnownExtrema,
) -> bool:
    """SET min/max of the item `key` ((metricKey, partial sort key)) where they beat the stored
    ones, in one request when possible.

    The condition requires every SET to be an improvement; when it fails, the item returned
    with the failure says which (if any) still is, and only that one is retried. So a batch
    that changes neither costs one request, a first write of a minute one request too.
    """
    attempt = 1
    while wanted:
        names = {f"#{name}": name for name in wanted}
        values = {f":{name}": {"N": format(value, "f")} for name, value in wanted.items()}
        condition = " AND ".join(
            f"(attribute_not_exists(#{name}) OR #{name} {'>' if name == agg.MIN else '<'} :{name})"
            for name in wanted
        )
        result.requests += 1
        try:
            client.update_item(
                TableName=target.aggregates_table,
                Key={"metricKey": {"S": key[0]}, "minute": {"S": key[1]}},  # the partial item
                UpdateExpression="SET " + ", ".join(f"#{n} = :{n}" for n in wanted),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                if len(wanted) == 1:
                    # the stored extreme is already at least as extreme
                    _learn(known, key, wanted)
                    return True
                stored: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                if stored is None:  # no old image: settle the attributes one at a time
                    return all(
                        _update_extrema(client, target, policy, result, key, {n: v}, known)
                        for n, v in wanted.items()
                    )
                still = {n: v for n, v in wanted.items() if _beats(n, v, stored.get(n))}
                if still != wanted:
                    _learn(known, key, {n: v for n, v in wanted.items() if n not in still})
                    wanted = still
                    continue
                # Both still improve on what was read: a concurrent writer moved it; retry.
            elif not is_transient(exc):
                logger.error("extrema update failed for %s: %s", key, exc)
                return False
        except BotoCoreError as exc:
            if not is_transient(exc):
                return False
        else:
            _learn(known, key, wanted)
            return True
        if not policy.backoff(attempt):
            logger.error("extrema update for %s outlasted the retry budget", key)
            return False
        attempt += 1
        result.retries += 1
    return True


def _learn(known: KnownExtrema, key: AggregateKey, settled: Mapping[str, Decimal]) -> None:
    """The stored extremes are now at least as extreme as `settled` (written or found)."""
    known.learn(key, minimum=settled.get(agg.MIN), maximum=settled.get(agg.MAX))
