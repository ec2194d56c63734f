"""End-to-end throughput and put-to-stored latency: emulator + mapping driver + deployed processor.

Three measures, each repeated and reported as medians:
- sustained: events offered at a steady rate to the deployed stack; latency is put -> the
  driver's checkpoint passing the record, which happens after the processor returned, i.e.
  after the record was stored (or quarantined);
- backlog: a preloaded stream drained through the deployed processor (capacity);
- driver overhead: a no-op function driven by the driver vs. the same batches invoked directly.
"""

from __future__ import annotations

import base64
import io
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
import zipfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.local_cloud import REGION, client_factory, deploy_stack, local_cloud
from devtools.driver import status as driver_status
from devtools.driver.records import EventContext, StreamRecord, encode_event
from devtools.driver.runner import DriverSettings
from devtools.driver.runner import run as run_driver
from devtools.driver.state import FileCheckpointStore

RUNS = 3
SUSTAINED_RATE = 1_000  # events/s offered
SUSTAINED_SECONDS = 10.0
TRICKLE_RATE = 20
TRICKLE_SECONDS = 8.0
BACKLOG_EVENTS = 10_000
OVERHEAD_EVENTS = 10_000
TICK_SECONDS = 0.1
WARM_UP_SECONDS = 2.0
DRAIN_TIMEOUT_SECONDS = 90.0
ROLE_ARN = "arn:aws:iam::000000000000:role/bench"


def _client(service: str, endpoint_url: str) -> Any:
    return client_factory(endpoint_url)(service)


def _event(index: int, run_id: str) -> tuple[str, bytes]:
    """A valid event of the seed's types, with a unique eventId; (partition key, bytes)."""
    user = f"user-{index % 257}"
    kind = index % 3
    body: dict[str, Any] = {"eventId": f"{run_id}-{index}", "userId": user}
    if kind == 0:
        body |= {"eventType": "page_view", "pageUrl": "https://shop.example/p", "loadTime": 180}
    elif kind == 1:
        body |= {"eventType": "click", "elementId": "buy-button", "elementType": "button"}
    else:
        body |= {"eventType": "purchase", "amount": 19.99, "currency": "EUR", "itemsCount": 2}
    return user, json.dumps(body).encode()


@dataclass
class _Put:
    shard_id: str
    sequence: int
    at: float


@dataclass
class LatencyRun:
    """One sustained run: latencies (s) of every event, achieved rate, tail after the last put."""

    offered_rate: float
    latencies: list[float] = field(default_factory=list)
    achieved_rate: float = 0.0
    drain_tail: float = 0.0


def _checkpoints(driver_dir: Path) -> dict[str, int]:
    saved = FileCheckpointStore(driver_dir).load()
    if saved is None:
        return {}
    return {sid: int(cp.sequence) for sid, cp in saved.shards.items() if cp.sequence is not None}


def _offer(kinesis: Any, stream: str, driver_dir: Path, rate: float, seconds: float) -> LatencyRun:
    """Put `rate` events/s for `seconds`; time each until the checkpoint passes it."""
    run_id = uuid.uuid4().hex[:8]
    pending: dict[str, deque[_Put]] = {}
    lock = threading.Lock()
    result = LatencyRun(offered_rate=rate)
    producing = threading.Event()
    producing.set()
    done_at: list[float] = []

    def watch() -> None:
        deadline = None
        while True:
            now = time.perf_counter()
            checkpoints = _checkpoints(driver_dir)
            with lock:
                for shard_id, queue in pending.items():
                    mark = checkpoints.get(shard_id, -1)
                    while queue and queue[0].sequence <= mark:
                        result.latencies.append(now - queue.popleft().at)
                        done_at.append(now)
                left = sum(len(q) for q in pending.values())
            if not producing.is_set():
                deadline = deadline or now + DRAIN_TIMEOUT_SECONDS
                if left == 0 or now > deadline:
                    return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    per_tick = max(1, round(rate * TICK_SECONDS))
    started = time.perf_counter()
    index = 0
    last_put = started
    try:
        while time.perf_counter() - started < seconds:
            tick = started + (index // per_tick) * TICK_SECONDS
            time.sleep(max(0.0, tick - time.perf_counter()))
            batch = [_event(index + i, run_id) for i in range(per_tick)]
            put_at = time.perf_counter()
            answer = kinesis.put_records(
                StreamName=stream, Records=[{"PartitionKey": k, "Data": d} for k, d in batch]
            )
            with lock:
                for entry in answer["Records"]:
                    if "ShardId" not in entry:  # the emulator never refuses entries; AWS may
                        raise RuntimeError(f"PutRecords refused an entry: {entry}")
                    pending.setdefault(entry["ShardId"], deque()).append(
                        _Put(entry["ShardId"], int(entry["SequenceNumber"]), put_at)
                    )
            index += per_tick
            last_put = put_at
    finally:  # the watcher must not outlive a failed put
        producing.clear()
        watcher.join()
    if done_at:
        # Completions while events were offered, after a warm-up: the rate the pipeline keeps
        # up with. (The last partial batches wait out the batching window: see the tail.)
        window_start = started + WARM_UP_SECONDS
        completed = sum(1 for t in done_at if window_start <= t <= last_put)
        result.achieved_rate = completed / (last_put - window_start)
        result.drain_tail = max(done_at) - last_put
    missing = index - len(result.latencies)
    if missing:
        raise RuntimeError(f"{missing} of {index} events were not checkpointed in time")
    return result


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _preload(kinesis: Any, stream_name: str, events: int) -> dict[str, str]:
    """PutRecords `events` events; the last sequence number per shard."""
    run_id = uuid.uuid4().hex[:8]
    last: dict[str, str] = {}
    for start in range(0, events, 500):
        batch = [_event(start + i, run_id) for i in range(min(500, events - start))]
        answer = kinesis.put_records(
            StreamName=stream_name, Records=[{"PartitionKey": k, "Data": d} for k, d in batch]
        )
        for entry in answer["Records"]:
            if int(entry["SequenceNumber"]) > int(last.get(entry["ShardId"], "0")):
                last[entry["ShardId"]] = entry["SequenceNumber"]
    return last


def _wait_drained(driver_dir: Path, last: dict[str, str]) -> None:
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while not driver_status.is_drained(driver_status.load(driver_dir), last):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not drained within {DRAIN_TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.02)


def _backlog(kinesis: Any, stream: str, driver_dir: Path) -> float:
    """Events/s draining a preloaded backlog (puts are fast: they overlap the start)."""
    started = time.perf_counter()
    last = _preload(kinesis, stream, BACKLOG_EVENTS)
    _wait_drained(driver_dir, last)
    return BACKLOG_EVENTS / (time.perf_counter() - started)


# -- driver overhead -----------------------------------------------------------------------------

NOOP_SOURCE = "def handler(event, context):\n    return {'batchItemFailures': []}\n"


@dataclass(frozen=True)
class _NoopSetup:
    endpoint_url: str
    function_arn: str
    stream_name: str
    stream_arn: str
    mapping_uuid: str


def _noop_setup(endpoint_url: str, name: str, function_arn: str | None) -> _NoopSetup:
    lam = _client("lambda", endpoint_url)
    kinesis = _client("kinesis", endpoint_url)
    if function_arn is None:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("noop.py", NOOP_SOURCE)
        function_arn = lam.create_function(
            FunctionName="bench-noop",
            Runtime="python3.12",
            Role=ROLE_ARN,
            Handler="noop.handler",
            Code={"ZipFile": archive.getvalue()},
        )["FunctionArn"]
    kinesis.create_stream(StreamName=name, ShardCount=2)
    stream_arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    mapping = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=function_arn,
        Enabled=False,  # the emulator's poller stays off; the driver drives it
        StartingPosition="TRIM_HORIZON",
        BatchSize=100,
        ParallelizationFactor=2,
    )
    return _NoopSetup(endpoint_url, function_arn, name, stream_arn, mapping["UUID"])


def _driver_rate(setup: _NoopSetup, state_dir: Path) -> tuple[float, float]:
    """(events/s, start-up seconds) of the driver draining a preloaded stream into a no-op
    function; the rate counts from the moment the driver reports itself running."""
    kinesis = _client("kinesis", setup.endpoint_url)
    last = _preload(kinesis, setup.stream_name, OVERHEAD_EVENTS)
    stop = threading.Event()
    settings = DriverSettings(state_dir, setup.endpoint_url, REGION, setup.mapping_uuid)
    thread = threading.Thread(target=run_driver, args=(settings, stop), daemon=True)
    launched = time.perf_counter()
    thread.start()
    try:
        running = launched
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = driver_status.load(state_dir)
            if status is not None and status.state == "running" and status.shards:
                running = time.perf_counter()
                break
            time.sleep(0.005)
        _wait_drained(state_dir, last)
        return OVERHEAD_EVENTS / (time.perf_counter() - running), running - launched
    finally:
        stop.set()
        thread.join(timeout=30)


def _direct_rate(setup: _NoopSetup) -> float:
    """Events/s invoking the same no-op function directly with the same 100-record events,
    4 at a time (2 shards x ParallelizationFactor 2: the driver's concurrency here)."""
    lam = _client("lambda", setup.endpoint_url)
    context = EventContext(setup.stream_arn, REGION, ROLE_ARN)
    payloads = []
    for start in range(0, OVERHEAD_EVENTS, 100):
        records = []
        for i in range(start, start + 100):
            key, data = _event(i, "direct")
            encoded = base64.b64encode(data).decode()
            records.append(StreamRecord("shardId-000000000000", f"{i:030d}", key, encoded, 0.0))
        payloads.append(encode_event(records, context))
    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda p: lam.invoke(FunctionName=setup.function_arn, Payload=p)["Payload"].read(),
                payloads,
            )
        )
    return OVERHEAD_EVENTS / (time.perf_counter() - started)


# -- orchestration -------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _table(title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("measure", "runs", "median", "min", "max", "target", "ok"):
        table.add_column(column, justify="left" if column in ("measure", "target") else "right")
    return table


def _row(
    table: Table,
    name: str,
    values: list[float],
    fmt: str,
    target: str = "",
    ok: Callable[[float], bool] | None = None,
) -> None:
    median = _median(values)
    verdict = "" if ok is None else ("[green]yes" if ok(median) else "[red]no")
    table.add_row(
        name,
        str(len(values)),
        format(median, fmt),
        format(min(values), fmt),
        format(max(values), fmt),
        target,
        verdict,
    )


def run(console: Console) -> None:
    """Measure and print the pipeline figures (medians over RUNS)."""
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
        base = Path(tmp)
        with local_cloud(base / "cloud") as (paths, endpoint_url):
            console.print("[dim]deploying the stack to a fresh emulator ...")
            deployed = deploy_stack(paths, endpoint_url)
            outputs = deployed.outputs
            stream = outputs.stream_name
            driver_dir = paths.driver_dir
            deployed_status = driver_status.load(driver_dir)
            if deployed_status is None:
                raise RuntimeError(f"deploy started no mapping driver (see {driver_dir})")
            mapping = deployed_status.config
            window = float(mapping["MaximumBatchingWindowInSeconds"])
            kinesis = _client("kinesis", endpoint_url)
            sustained: list[LatencyRun] = []
            trickle: list[LatencyRun] = []
            backlog: list[float] = []
            for number in range(RUNS):
                console.print(f"[dim]run {number + 1}/{RUNS}: sustained, trickle, backlog ...")
                sustained.append(
                    _offer(kinesis, stream, driver_dir, SUSTAINED_RATE, SUSTAINED_SECONDS)
                )
                trickle.append(_offer(kinesis, stream, driver_dir, TRICKLE_RATE, TRICKLE_SECONDS))
                backlog.append(_backlog(kinesis, stream, driver_dir))
            final = driver_status.load(driver_dir)

            console.print("[dim]driver overhead with a no-op function ...")
            driver_rates: list[float] = []
            startups: list[float] = []
            direct_rates: list[float] = []
            function_arn: str | None = None
            for number in range(RUNS):
                setup = _noop_setup(endpoint_url, f"bench-noop-{number}", function_arn)
                function_arn = setup.function_arn
                rate, startup = _driver_rate(setup, base / f"noop-driver-{number}")
                driver_rates.append(rate)
                startups.append(startup)
                direct_rates.append(_direct_rate(setup))

        table = _table(
            f"Pipeline: emulator + driver + deployed processor (BatchSize "
            f"{mapping['BatchSize']}, window {window:g} s, ParallelizationFactor "
            f"{mapping['ParallelizationFactor']}, {len(final.shards) if final else '?'} shards)"
        )
        limit = window + 1.0
        _row(
            table,
            f"sustained: stored/s, {SUSTAINED_RATE}/s offered",
            [r.achieved_rate for r in sustained],
            ".0f",
            ">= 1000",
            lambda v: v >= 1000,
        )
        for label, runs in ((f"{SUSTAINED_RATE}/s", sustained), (f"{TRICKLE_RATE}/s", trickle)):
            for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
                check = (lambda v: v <= limit) if name == "p95" else None
                _row(
                    table,
                    f"latency {name} at {label} (s)",
                    [_percentile(r.latencies, fraction) for r in runs],
                    ".2f",
                    f"<= {limit:g}" if name == "p95" else "",
                    check,
                )
        _row(
            table,
            "sustained: last stored - last put (s)",
            [r.drain_tail for r in sustained],
            ".2f",
        )
        _row(
            table,
            f"backlog of {BACKLOG_EVENTS}: events/s",
            backlog,
            ".0f",
        )
        console.print(table)

        overhead = _table("Driver overhead: no-op function, 2 shards x ParallelizationFactor 2")
        _row(overhead, "driver: events/s", driver_rates, ".0f")
        _row(overhead, "direct Invoke x4: events/s", direct_rates, ".0f")
        _row(overhead, "driver start-up (s)", startups, ".2f")
        _row(
            overhead,
            "driver / direct",
            [d / i for d, i in zip(driver_rates, direct_rates, strict=True)],
            ".2f",
        )
        console.print(overhead)
        if final is not None:
            stats = final.invocations
            console.print(
                f"[dim]processor invocations {stats.invocations}, function errors "
                f"{stats.function_errors}, duration p50 {stats.duration_ms_p50:.0f} ms / p95 "
                f"{stats.duration_ms_p95:.0f} ms / max {stats.duration_ms_max:.0f} ms "
                f"(timeout {final.function_timeout_seconds or 0:.0f} s)"
            )
        console.print(
            f"[dim]{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}. Latency: put -> "
            "the driver's checkpoint passing the record (after the processor stored it). "
            f"Sustained rate: records stored from {WARM_UP_SECONDS:g} s after the first put "
            "to the last put. The last partial batches wait out the batching window (p99, "
            "tail). Driver: read + batch + invoke + checkpoint of a preloaded stream into a "
            "no-op function, vs. the same 100-record events invoked directly, 4 at a time."
        )
