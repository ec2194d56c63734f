"""Contention: how often concurrent invocations' transactions overlap on the same aggregates item.

The default stack runs 2 shards x parallelization factor 2 = 4 concurrent invocations. DynamoDB
cancels a TransactWriteItems that overlaps another in-flight transaction on one of its items
(TransactionConflict). MiniStack serialises requests and never reports a conflict, so this
benchmark measures the exposure instead: four lanes process 2,000 events/s worth of 100-record
batches through the real processor against MiniStack, every aggregates write is timed at the
client, and a transaction counts as exposed when another lane's write to a shared item was in
flight at the same time. Emulator requests are slower than DynamoDB's, so the share is an upper
bound of the conflict rate on AWS, not a prediction of it.
"""

from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from processor.batch import process_batch
from tests.emulator import start, stop
from tests.integration.processor.tables import create_resources
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

LANES = 4  # 2 shards x parallelization factor 2
RATE = 2_000  # events/s offered to the stack
SECONDS = 10
BATCH = 100


@dataclass(frozen=True)
class Write:
    """One aggregates-touching request: its lane, client-side interval and the items it wrote."""

    lane: str
    start: float
    end: float
    keys: frozenset[tuple[str, str]]


def _aggregate_keys(params: dict[str, Any], table: str) -> frozenset[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    actions = [a.get("Update") for a in params.get("TransactItems", [])]
    if "Key" in params and params.get("TableName") == table:
        actions.append(params)
    for action in actions:
        if action and action.get("TableName") == table:
            key = action["Key"]
            keys.add((key["metricKey"]["S"], key["minute"]["S"]))
    return frozenset(keys)


def _recording_client(resources: Any, lane: str, writes: list[Write], lock: threading.Lock) -> Any:
    client = resources.session.client("dynamodb", endpoint_url=resources.emulator.endpoint_url)

    def before(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # API parameters (before-call would see the serialised HTTP request instead).
        context["bench"] = (
            time.perf_counter(),
            _aggregate_keys(params, resources.aggregates_table),
        )

    def after(context: dict[str, Any], **_: Any) -> None:
        started, keys = context.get("bench", (None, frozenset()))
        if started is not None and keys:
            with lock:
                writes.append(Write(lane, started, time.perf_counter(), keys))

    for operation in ("TransactWriteItems", "UpdateItem"):
        client.meta.events.register(f"before-parameter-build.dynamodb.{operation}", before)
        client.meta.events.register(f"after-call.dynamodb.{operation}", after)
    return client


def exposed(writes: list[Write]) -> int:
    """Writes that overlapped in time with another lane's write sharing an item."""
    ordered = sorted(writes, key=lambda w: w.start)
    hit = 0
    for write in ordered:
        for other in ordered:
            if other is write or other.lane == write.lane:
                continue
            if other.start < write.end and write.start < other.end and other.keys & write.keys:
                hit += 1
                break
    return hit


def _lane(resources: Any, lane: int, client: Any, stats: dict[str, int]) -> None:
    """One invocation lane: its share of the offered events, batch after batch, paced."""
    per_lane = RATE * SECONDS // LANES
    events = mixed_events(per_lane, start=lane * 1_000_000, minute=time.strftime("%Y-%m-%dT%H:%M"))
    interval = BATCH / (RATE / LANES)
    began = time.perf_counter()
    for number, offset in enumerate(range(0, per_lane, BATCH)):
        due = began + number * interval
        time.sleep(max(0.0, due - time.perf_counter()))
        chunk = events[offset : offset + BATCH]
        records = [
            kinesis_record(e, offset + i, shard=f"shardId-{lane:012d}") for i, e in enumerate(chunk)
        ]
        outcome = process_batch(kinesis_event(records), resources.dependencies(dynamodb=client))
        stats["retries"] += outcome.retries
        stats["requests"] += outcome.dynamodb_requests
        stats["failed"] += len(outcome.failed)


def run(console: Console) -> None:
    """Four lanes at 2,000 events/s for SECONDS against a private MiniStack; print one table."""
    with tempfile.TemporaryDirectory(prefix="contention-bench-") as workdir:
        process, emulator = start(Path(workdir))
        try:
            resources = create_resources(emulator, emulator.session())
            writes: list[Write] = []
            lock = threading.Lock()
            stats = {"retries": 0, "requests": 0, "failed": 0}
            clients = [_recording_client(resources, str(n), writes, lock) for n in range(LANES)]
            began = time.perf_counter()
            with ThreadPoolExecutor(max_workers=LANES) as pool:
                futures = [
                    pool.submit(_lane, resources, n, clients[n], stats) for n in range(LANES)
                ]
                for future in futures:
                    future.result()
            elapsed = time.perf_counter() - began
        finally:
            stop(process)
    overlapping = exposed(writes)
    table = Table(title=f"Contention: {LANES} lanes, {RATE} events/s offered for {SECONDS} s")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("achieved events/s", f"{RATE * SECONDS / elapsed:.0f}")
    table.add_row("aggregates writes (transactions + extrema updates)", str(len(writes)))
    table.add_row("overlapping another lane on a shared item", str(overlapping))
    share = overlapping / len(writes) if writes else 0.0
    table.add_row("exposed share (upper bound of conflicts on AWS)", f"{share:.1%}")
    table.add_row("processor retries (MiniStack never conflicts)", str(stats["retries"]))
    table.add_row("DynamoDB requests", str(stats["requests"]))
    table.add_row("failed records", str(stats["failed"]))
    console.print(table)


if __name__ == "__main__":
    run(Console())
