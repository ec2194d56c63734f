"""Exactly-once storage: per chunk one TransactWriteItems of conditional puts + coalesced ADDs."""

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
from processor.chunking import Chunk, Lane, plan_lanes
from processor.folding import AggregateKey, load_time_of, minute_extrema
from processor.known_extrema import KnownExtrema
from processor.lane_turns import LaneTurns, watch_requests_leaving
from processor.pipeline import Prepared
from processor.retry import TRANSIENT_CANCELLATION_CODES, RetryPolicy, error_code, is_transient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger(__name__)

_NOT_STORED_YET = "attribute_not_exists(eventId)"


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


def transaction_items(events: Sequence[Prepared], target: StoreTarget) -> list[dict[str, Any]]:
    """Conditional puts of `events` first (reasons are indexed by position), then one ADD
    update per aggregates item."""
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
    for (metric_key, minute), values in sorted(coalesce(events).items()):
        names = {f"#a{i}": name for i, name in enumerate(sorted(values))}
        amounts = {
            f":v{i}": {"N": format(values[name], "f")} for i, name in enumerate(sorted(values))
        }
        actions.append(
            {
                "Update": {
                    "TableName": target.aggregates_table,
                    "Key": {"metricKey": {"S": metric_key}, "minute": {"S": minute}},
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
) -> StoreResult:
    """Store each event once and add it to the aggregates once, whatever was stored before.

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
    for part in _write_lanes(client, plan_lanes(firsts), target, policy, workers):
        result.absorb(part)
    _settle_copies(events, copies, result)
    _write_extrema(client, target, policy, result, known or KnownExtrema())
    return result


def _write_lanes(
    client: DynamoDBClient,
    lanes: list[Lane],
    target: StoreTarget,
    policy: RetryPolicy,
    workers: Executor | None,
) -> list[StoreResult]:
    """Each lane's result, in lane order; lanes run on `workers` when there are several.

    Smallest first, each lane starts when the one before has sent its request: the table
    works on one transaction while the next is being built.
    """
    halt = threading.Event()  # set by the first lane that gives up
    if workers is None or len(lanes) < 2:
        return [_write_lane(client, lane, target, policy, halt) for lane in lanes]
    watch_requests_leaving(client)
    turns = LaneTurns(len(lanes))

    def write(index: int, lane: Lane) -> StoreResult:
        with turns.turn(index):
            return _write_lane(client, lane, target, policy, halt)

    # FIFO submission: a lane is always taken up after the one it waits for, even on a pool
    # shared by several batches.
    futures = [workers.submit(write, index, lane) for index, lane in enumerate(lanes)]
    wait(futures)  # all of them, even if one raised: no write outlives the invocation
    return [future.result() for future in futures]


def _write_lane(
    client: DynamoDBClient,
    lane: Lane,
    target: StoreTarget,
    policy: RetryPolicy,
    halt: threading.Event,
) -> StoreResult:
    result = StoreResult()
    for chunk in lane:
        if halt.is_set() or policy.expired():
            result.failed.extend(chunk)
            halt.set()
        elif not _write_chunk(client, chunk, target, policy, result):
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
) -> bool:
    """Write one chunk until done; False when it had to give up (its events are then failed)."""
    pending = list(chunk)
    attempt = 1
    while pending:
        result.requests += 1
        try:
            client.transact_write_items(
                TransactItems=transaction_items(pending, target)  # type: ignore[arg-type]
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
) -> None:
    """Fold load-time min/max per minute with conditional SETs (idempotent, so duplicates are
    included: a crash between the transaction and this step is repaired on redelivery).

    If an update cannot be made, the page views of that minute are reported failed so the
    mapping redelivers them; they are duplicates then, and the update is retried.
    """
    settled = [*result.stored, *result.duplicates]
    members: dict[str, list[Prepared]] = {}
    for prepared in settled:
        if load_time_of(prepared.event) is not None:
            members.setdefault(prepared.event.minute, []).append(prepared)
    for minute, bounds in sorted(minute_extrema(p.event for p in settled).items()):
        if known.covers(minute, bounds):
            continue
        wanted = {agg.MIN: bounds.minimum, agg.MAX: bounds.maximum}
        ok = _update_extrema(client, target, policy, result, minute, wanted, known)
        if not ok:
            failed = {id(p) for p in members[minute]}
            result.stored = [p for p in result.stored if id(p) not in failed]
            result.duplicates = [p for p in result.duplicates if id(p) not in failed]
            result.failed.extend(members[minute])


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
    minute: str,
    wanted: dict[str, Decimal],
    known: KnownExtrema,
) -> bool:
    """SET min/max where they beat the stored ones, in one request when possible.

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
                Key={"metricKey": {"S": agg.LOAD_TIME}, "minute": {"S": minute}},
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
                    _learn(known, minute, wanted)
                    return True
                stored: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                if stored is None:  # no old image: settle the attributes one at a time
                    return all(
                        _update_extrema(client, target, policy, result, minute, {n: v}, known)
                        for n, v in wanted.items()
                    )
                still = {n: v for n, v in wanted.items() if _beats(n, v, stored.get(n))}
                if still != wanted:
                    _learn(known, minute, {n: v for n, v in wanted.items() if n not in still})
                    wanted = still
                    continue
                # Both still improve on what was read: a concurrent writer moved it; retry.
            elif not is_transient(exc):
                logger.error("load-time extrema update failed for %s: %s", minute, exc)
                return False
        except BotoCoreError as exc:
            if not is_transient(exc):
                return False
        else:
            _learn(known, minute, wanted)
            return True
        if not policy.backoff(attempt):
            logger.error("load-time extrema update for %s outlasted the retry budget", minute)
            return False
        attempt += 1
        result.retries += 1
    return True


def _learn(known: KnownExtrema, minute: str, settled: Mapping[str, Decimal]) -> None:
    """The stored extremes are now at least as extreme as `settled` (written or found)."""
    known.learn(minute, minimum=settled.get(agg.MIN), maximum=settled.get(agg.MAX))
