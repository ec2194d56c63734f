"""Contention: concurrent invocations' aggregates writes on shared items, three layouts compared.

The default stack runs 2 shards x parallelization factor 2 = 4 concurrent invocations. DynamoDB
cancels a TransactWriteItems that overlaps another in-flight transaction on one of its items
(TransactionConflict). Four lanes (lanes 0-1 on shard 0, 2-3 on shard 1; the two lanes of a
shard carry disjoint partition keys, as Lambda's parallelization factor guarantees) process
2,000 events/s worth of 100-record batches through the real processor against MiniStack, each
lane with its own dependencies: one execution environment, one lane id. Aggregates items are
keyed three ways (the processor writes `<minute>/<lane id>`; the client rewrites the sort key
for the other two):

- `minute`: one item per metric and minute (the layout before partial items);
- `slot`: `<minute>/<shardId>.<crc32(first partition key of the batch) % 8>` (an earlier
  design, not shipped);
- `environment`: `<minute>/<lane id>` of the invocation's execution environment (the layout).

Two measures. Exposure: one run, every aggregates write timed at the client, counted as exposed
when another lane's write to a shared item was in flight at the same time, for each layout on
the same writes (side by side). Conflicts: one run per layout with DynamoDB's conflict rule
applied at the client (bench/conflict_model.py), so the processor really gets
`TransactionConflict` cancellations and retries them within its budget. Emulator requests are
slower than DynamoDB's, so both are upper bounds of what AWS would show, not predictions.
Medians over ROUNDS interleaved rounds. Last, the real path: the stack deployed with its mapping
driver, and the lane ids the deployed function wrote per minute.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.conflict_model import ConflictModel, ItemKey, cancelled_response
from bench.local_cloud import client_factory, deploy_stack, local_cloud
from bench.pipeline_bench import _preload, _wait_drained
from devtools.aggregates import whole_minute
from processor.aggregates import partial_minute
from processor.batch import process_batch
from processor.retry import CLIENT_CONFIG, RetryPolicy
from tests.emulator import RunningEmulator, start, stop
from tests.integration.processor.tables import Resources, create_resources
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

LANES = 4  # 2 shards x parallelization factor 2
FACTOR = 2
RATE = 2_000  # events/s offered to the stack
SECONDS = 10
BATCH = 100
SLOTS = 8  # the earlier design's partition-key slots per shard
ROUNDS = 3
PUT_TICK = 0.25  # seconds between PutRecords bursts in the driver run
# The driver run's puts: shorter, so that the stack drains them within the pipeline benchmark's
# drain timeout even on a loaded machine (the emulator stores a few hundred events/s there).
DRIVER_SECONDS = 5
LAYOUTS = ("minute", "slot", "environment")
_OPERATIONS = ("TransactWriteItems", "UpdateItem")


@dataclass(frozen=True)
class Write:
    """One aggregates-touching request: its lane, client-side interval, items per layout."""

    lane: str
    start: float
    end: float
    keys: dict[str, frozenset[ItemKey]]


@dataclass
class LaneState:
    """What the client hooks of one lane need to know about the batch in progress."""

    name: str
    shard: str
    # the earlier design's lane of the current batch: shard and first partition key's slot
    slot: str = ""


@dataclass
class Run:
    """What one run measured."""

    layout: str
    elapsed: float = 0.0
    writes: list[Write] = field(default_factory=list)
    cancelled: int = 0
    retries: int = 0
    requests: int = 0
    failed: int = 0
    items_per_minute: list[int] = field(default_factory=list)  # per (metricKey, minute)
    bytes_per_minute: list[int] = field(default_factory=list)  # DynamoDB size, same groups
    lanes_per_minute: list[int] = field(default_factory=list)  # distinct sort-key suffixes


def _keyed(sort_key: str, metric: str, state: LaneState) -> dict[str, ItemKey]:
    """The item a write of the processor (`<minute>/<lane id>`) is under each layout."""
    minute = whole_minute(sort_key)
    return {
        "minute": (metric, minute),
        "slot": (metric, partial_minute(minute, state.slot)),
        "environment": (metric, sort_key),
    }


def _item(action: dict[str, Any]) -> ItemKey:
    key = action["Key"]
    return (str(key["metricKey"]["S"]), str(key["minute"]["S"]))


def _aggregate_keys(
    params: dict[str, Any], table: str, state: LaneState, layout: str
) -> tuple[dict[str, set[ItemKey]], list[dict[str, Any] | None]]:
    """Rewrite the aggregates keys of a request to `layout`; its items under every layout, and
    the actions (transaction items, or the request itself) that write an aggregates item."""
    keys: dict[str, set[ItemKey]] = {name: set() for name in LAYOUTS}
    if "TransactItems" in params:
        actions = [a.get("Update") for a in params["TransactItems"]]
    else:
        actions = [params]
    touches: list[dict[str, Any] | None] = []
    for action in actions:
        if not action or action.get("TableName") != table or "Key" not in action:
            touches.append(None)
            continue
        touches.append(action)
        key = action["Key"]
        layouts = _keyed(key["minute"]["S"], key["metricKey"]["S"], state)
        for name, item in layouts.items():
            keys[name].add(item)
        key["minute"] = {"S": layouts[layout][1]}
    return keys, touches


def _client(
    resources: Resources,
    state: LaneState,
    layout: str,
    rule: ConflictModel | None,
    run: Run,
    lock: threading.Lock,
) -> Any:
    """A DynamoDB client that writes `layout`, records each aggregates write, and cancels
    conflicting ones when a conflict model is given."""
    client = resources.session.client(
        "dynamodb", endpoint_url=resources.emulator.endpoint_url, config=CLIENT_CONFIG
    )
    table = resources.aggregates_table

    def before_build(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # API parameters (before-call would see the serialised request instead)
        keys, touches = _aggregate_keys(params, table, state, layout)
        if not keys[layout]:
            return
        busy = rule.enter(state.name, keys[layout]) if rule is not None else set()
        # per action of the request: whether its item is in conflict (the cancellation reasons)
        conflicts = [a is not None and _item(a) in busy for a in touches] if busy else None
        context["bench"] = (time.perf_counter(), keys, conflicts)

    def before_call(context: dict[str, Any], model: Any, **_: Any) -> Any:
        noted = context.get("bench")
        if noted is None or noted[2] is None:
            return None
        with lock:
            run.cancelled += 1
        return cancelled_response(model.name, noted[2])

    def after_call(context: dict[str, Any], **_: Any) -> None:
        noted = context.get("bench")
        if noted is None or noted[2] is not None:
            return
        started, keys, _ = noted
        if rule is not None:
            rule.leave(state.name, keys[layout])
        write = Write(
            state.name, started, time.perf_counter(), {n: frozenset(k) for n, k in keys.items()}
        )
        with lock:
            run.writes.append(write)

    def after_error(context: dict[str, Any], **_: Any) -> None:
        noted = context.get("bench")
        if noted is not None and noted[2] is None and rule is not None:
            rule.leave(state.name, noted[1][layout])

    for operation in _OPERATIONS:
        client.meta.events.register(f"before-parameter-build.dynamodb.{operation}", before_build)
        client.meta.events.register(f"before-call.dynamodb.{operation}", before_call)
        client.meta.events.register(f"after-call.dynamodb.{operation}", after_call)
        client.meta.events.register(f"after-call-error.dynamodb.{operation}", after_error)
    return client


def _lane(
    resources: Resources, number: int, state: LaneState, client: Any, run: Run, lock: threading.Lock
) -> None:
    """One stream of invocations in one execution environment: its share of the events."""
    per_lane = RATE * SECONDS // LANES
    minute = time.strftime("%Y-%m-%dT%H:%M", time.gmtime())
    events = mixed_events(per_lane, start=number * 1_000_000, minute=minute)
    interval = BATCH / (RATE / LANES)
    keys = random.Random(number)
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix=f"store-{number}") as workers:
        # The production retry budget; one environment's dependencies for all its invocations.
        deps = resources.dependencies(RetryPolicy(), workers=workers, dynamodb=client)
        began = time.perf_counter()
        for index, offset in enumerate(range(0, per_lane, BATCH)):
            time.sleep(max(0.0, began + index * interval - time.perf_counter()))
            records = [
                kinesis_record(e, offset + i, shard=state.shard)
                for i, e in enumerate(events[offset : offset + BATCH])
            ]
            # Random per batch, disjoint between a shard's two lanes (CRC-32 is linear: keys
            # differing in one fixed position would never share a slot, hiding collisions).
            token = f"{keys.getrandbits(32):08x}"
            for i, record in enumerate(records):
                record["kinesis"]["partitionKey"] = f"lane{number % FACTOR}-{token}-pk{i % 7}"
            first = records[0]["kinesis"]["partitionKey"]
            state.slot = f"{state.shard}.{zlib.crc32(first.encode()) % SLOTS}"
            outcome = process_batch(kinesis_event(records), deps)
            with lock:
                run.retries += outcome.retries
                run.requests += outcome.dynamodb_requests
                run.failed += len(outcome.failed)


def item_size(item: dict[str, dict[str, str]]) -> int:
    """An item's size as DynamoDB bills it: attribute names plus values; strings by their UTF-8
    length, numbers about one byte per two significant digits plus one (DynamoDB developer
    guide, "Item sizes and formats")."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        if "S" in value:
            size += len(value["S"].encode())
        else:
            digits = value["N"].lstrip("-").replace(".", "").strip("0") or "0"
            size += (len(digits) + 1) // 2 + 1
    return size


def read_units(size: int) -> float:
    """Read units of an eventually consistent Query returning `size` bytes: 0.5 per 4 KB."""
    return 0.5 * max(1, -(-size // 4096))


@dataclass(frozen=True)
class Stored:
    """The aggregates table as a reader meets it: per (metricKey, minute) the partial items and
    their bytes, and per minute the distinct lane ids (sort-key suffixes)."""

    items_per_minute: list[int]
    bytes_per_minute: list[int]
    lanes_per_minute: list[int]


def stored(dynamodb: Any, table: str) -> Stored:
    items: defaultdict[tuple[str, str], int] = defaultdict(int)
    sizes: defaultdict[tuple[str, str], int] = defaultdict(int)
    lanes: defaultdict[str, set[str]] = defaultdict(set)
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            minute, _, lane = str(item["minute"]["S"]).partition("/")
            items[(str(item["metricKey"]["S"]), minute)] += 1
            sizes[(str(item["metricKey"]["S"]), minute)] += item_size(item)
            lanes[minute].add(lane)
    return Stored(
        sorted(items.values()),
        sorted(sizes.values()),
        [len(found) for _, found in sorted(lanes.items())],
    )


def _run(emulator: RunningEmulator, layout: str, model: ConflictModel | None) -> Run:
    resources = create_resources(emulator, emulator.session())
    run = Run(layout)
    lock = threading.Lock()
    states = [LaneState(str(n), f"shardId-{n // FACTOR:012d}") for n in range(LANES)]
    clients = [_client(resources, states[n], layout, model, run, lock) for n in range(LANES)]
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=LANES) as pool:
        futures = [
            pool.submit(_lane, resources, n, states[n], clients[n], run, lock) for n in range(LANES)
        ]
        for future in futures:
            future.result()
    run.elapsed = time.perf_counter() - began
    table = stored(resources.dynamodb, resources.aggregates_table)
    run.items_per_minute, run.bytes_per_minute = table.items_per_minute, table.bytes_per_minute
    run.lanes_per_minute = table.lanes_per_minute
    return run


def exposed(writes: list[Write], layout: str) -> int:
    """Writes that overlapped in time with another lane's write sharing an item of `layout`."""
    ordered = sorted(writes, key=lambda w: w.start)
    hit = 0
    for write in ordered:
        for other in ordered:
            if other.start >= write.end:
                break
            if other is write or other.lane == write.lane or other.end <= write.start:
                continue
            if other.keys[layout] & write.keys[layout]:
                hit += 1
                break
    return hit


def _attempts(measured: Run) -> int:
    return len(measured.writes) + measured.cancelled


def _median_of(values: list[int]) -> float:
    return float(statistics.median(values)) if values else 0.0


# (figure name, label, value of one run, shown as a percentage)
MEASURES: tuple[tuple[str, str, Callable[[Run], float], bool], ...] = (
    ("events_per_s", "achieved events/s", lambda r: RATE * SECONDS / r.elapsed, False),
    ("write_attempts", "aggregates write attempts", lambda r: _attempts(r), False),
    ("conflicts", "cancelled: TransactionConflict", lambda r: r.cancelled, False),
    (
        "conflict_rate",
        "conflict rate (cancelled / attempts)",
        lambda r: r.cancelled / max(1, _attempts(r)),
        True,
    ),
    ("retries", "processor retries", lambda r: r.retries, False),
    (
        "retries_per_100",
        "retries per 100 events",
        lambda r: 100 * r.retries / (RATE * SECONDS),
        False,
    ),
    ("requests", "DynamoDB requests", lambda r: r.requests, False),
    ("failed", "failed records (redelivered on AWS)", lambda r: r.failed, False),
    (
        "items_per_metric_minute",
        "partial items read per metric and minute",
        lambda r: _median_of(r.items_per_minute),
        False,
    ),
    (
        "bytes_per_metric_minute",
        "bytes read per metric and minute",
        lambda r: _median_of(r.bytes_per_minute),
        False,
    ),
    (
        "read_units_max",
        "read units to query one metric's minute, worst metric",
        lambda r: read_units(max(r.bytes_per_minute, default=0)),
        False,
    ),
    (
        "items_per_minute",
        "aggregates items per minute, all metrics",
        lambda r: sum(r.items_per_minute) / max(1, len(r.lanes_per_minute)),
        False,
    ),
    (
        "lane_ids_per_minute",
        "distinct lane ids per minute",
        lambda r: max(r.lanes_per_minute, default=0),
        False,
    ),
)


def _shown(value: float, percent: bool) -> str:
    return f"{value:.1%}" if percent else f"{value:,.3g}" if value < 100 else f"{value:,.0f}"


def run(console: Console) -> dict[str, object]:
    """ROUNDS rounds, each: one run keyed three ways (exposure), then one conflict-model run
    per layout; medians over the rounds."""
    exposure: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
    runs: dict[str, list[Run]] = {layout: [] for layout in LAYOUTS}
    writes = 0
    with tempfile.TemporaryDirectory(prefix="contention-bench-") as workdir:
        process, emulator = start(Path(workdir))
        try:
            for _ in range(ROUNDS):
                measured = _run(emulator, "environment", None)
                writes += len(measured.writes)
                for layout in LAYOUTS:
                    share = exposed(measured.writes, layout) / max(1, len(measured.writes))
                    exposure[layout].append(share)
                for layout in LAYOUTS:
                    runs[layout].append(_run(emulator, layout, ConflictModel()))
        finally:
            stop(process)
    figures: dict[str, object] = {}
    first = Table(
        title=f"Exposure: {LANES} lanes, {RATE} events/s offered for {SECONDS} s, "
        f"{ROUNDS} rounds ({writes} aggregates writes), each round's writes keyed three ways"
    )
    first.add_column("layout")
    first.add_column("writes in flight with another lane's on a shared item", justify="right")
    first.add_column("rounds", justify="right")
    for layout in LAYOUTS:
        shares = exposure[layout]
        median = statistics.median(shares)
        rounds = ", ".join(f"{share:.1%}" for share in shares)
        first.add_row(layout, f"{median:.1%}", rounds)
        figures[f"exposed_share_{layout}"] = round(median, 4)
    console.print(first)
    second = Table(
        title=f"Conflict model (DynamoDB's TransactionConflict rule at the client): "
        f"median of {ROUNDS} runs per layout, interleaved"
    )
    second.add_column("measure")
    for layout in LAYOUTS:
        second.add_column(layout, justify="right")
    for name, label, value, percent in MEASURES:
        medians = {
            layout: float(statistics.median(value(r) for r in runs[layout])) for layout in LAYOUTS
        }
        second.add_row(label, *(_shown(medians[layout], percent) for layout in LAYOUTS))
        for layout in LAYOUTS:
            figures[f"{name}_{layout}"] = round(medians[layout], 4)
    console.print(second)
    figures |= _driver_lanes(console)
    return figures


def _driver_lanes(console: Console) -> dict[str, object]:
    """The real path: the stack deployed to MiniStack with its mapping driver (2 shards x
    factor 2), RATE events/s put for DRIVER_SECONDS; the lane ids the deployed function wrote.
    MiniStack runs each concurrent invocation in a worker process of its own, as Lambda runs
    each in an execution environment, so this counts the workers that wrote each minute."""
    with (
        tempfile.TemporaryDirectory(prefix="contention-driver-") as tmp,
        local_cloud(Path(tmp)) as (paths, endpoint_url),
    ):
        console.print("[dim]deploying the stack for the driver run ...")
        outputs = deploy_stack(paths, endpoint_url).outputs
        clients = client_factory(endpoint_url)
        kinesis = clients("kinesis")
        last: dict[str, str] = {}
        began = time.perf_counter()
        for tick in range(int(DRIVER_SECONDS / PUT_TICK)):
            time.sleep(max(0.0, began + tick * PUT_TICK - time.perf_counter()))
            put = _preload(kinesis, outputs.stream_name, int(RATE * PUT_TICK))
            for shard, sequence in put.items():
                if int(sequence) > int(last.get(shard, "0")):
                    last[shard] = sequence
        _wait_drained(paths.driver_dir, last)
        elapsed = time.perf_counter() - began
        found = stored(clients("dynamodb"), outputs.get("AggregatesTableName"))
    lanes, items = found.lanes_per_minute, found.items_per_minute
    table = Table(
        title=f"Driver run: the stack deployed to MiniStack, {RATE} events/s put for "
        f"{DRIVER_SECONDS} s ({RATE * DRIVER_SECONDS / elapsed:.0f}/s stored end to end)"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row(
        "distinct lane ids per minute (worker processes that wrote it)", ", ".join(map(str, lanes))
    )
    table.add_row(
        "partial items per metric and minute, median (max)",
        f"{statistics.median(items):g} ({max(items)})",
    )
    console.print(table)
    return {
        "driver_lane_ids_per_minute_max": max(lanes, default=0),
        "driver_items_per_metric_minute_median": float(statistics.median(items)) if items else 0.0,
    }


if __name__ == "__main__":
    run(Console())
