"""Processor benchmarks: requests per 100 events, pure-path throughput, handler vs naive PutItem."""

from __future__ import annotations

import base64
import contextlib
import importlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
from rich.console import Console
from rich.table import Table

from processor.pipeline import prepare_records
from tests.emulator import RunningEmulator, start, stop
from tests.integration.processor.tables import FakeContext, Resources, create_resources
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

BATCH = 100
PURE_RECORDS = 20_000
RUNS = 25
MAX_DYNAMODB_REQUESTS = 5
PURE_TARGET_PER_SECOND = 20_000
SPEEDUP_TARGET = 5.0


def _batch(prefix: str, count: int = BATCH) -> dict[str, Any]:
    """`count` valid mixed events with fresh eventIds, so every run stores new items."""
    events = mixed_events(count)
    for event in events:
        event["eventId"] = f"{prefix}-{event['eventId']}"
    return kinesis_event([kinesis_record(e, i) for i, e in enumerate(events)])


@contextlib.contextmanager
def _handler_module(resources: Resources, session: boto3.Session) -> Iterator[Any]:
    """Cold-start processor.handler against the emulator through `session`, then undo it."""
    env = {
        **resources.emulator.env(),
        **resources.function_env(environment="bench", log_level="WARNING"),
    }
    saved = {name: os.environ.get(name) for name in env}
    saved_session = boto3.DEFAULT_SESSION
    os.environ.update(env)
    boto3.DEFAULT_SESSION = session  # the handler's boto3.client(...) calls use it
    sys.modules.pop("processor.handler", None)
    try:
        yield importlib.import_module("processor.handler")
    finally:
        sys.modules.pop("processor.handler", None)
        boto3.DEFAULT_SESSION = saved_session
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _invoke(handler: Any, event: dict[str, Any]) -> dict[str, Any]:
    with contextlib.redirect_stdout(io.StringIO()):  # EMF lines
        response: dict[str, Any] = handler.lambda_handler(event, FakeContext())
    return response


def _counting_session(emulator: RunningEmulator, counts: Counter[str]) -> boto3.Session:
    """A session whose every client counts its API calls per service (botocore before-call)."""
    session = emulator.session()

    def count(event_name: str, **_: Any) -> None:
        # "before-call.<service>.<Operation>"
        counts[event_name.partition(".")[2]] += 1

    session.events.register("before-call", count)
    return session


def _naive_handler(client: Any, table: str) -> Callable[[dict[str, Any]], None]:
    """The seed's shape: decode and PutItem each record on its own (no aggregates at all)."""

    def handle(event: dict[str, Any]) -> None:
        for record in event["Records"]:
            data = json.loads(base64.b64decode(record["kinesis"]["data"]))
            item = {name: {"S": str(value)} for name, value in data.items() if value is not None}
            item["timestamp"] = {"S": str(data["timestamp"])}
            client.put_item(TableName=table, Item=item)

    return handle


def _requests_table(counts: Counter[str], response: dict[str, Any]) -> Table:
    table = Table(title=f"(a) API requests for {BATCH} valid mixed events (one handler call)")
    table.add_column("service")
    table.add_column("operation")
    table.add_column("requests", justify="right")
    by_service: Counter[str] = Counter()
    for name, calls in sorted(counts.items()):
        service, operation = name.split(".", 1)
        by_service[service] += calls
        table.add_row(service, operation, str(calls))
    dynamodb, cloudwatch = by_service["dynamodb"], by_service["cloudwatch"]
    table.add_section()
    table.add_row(
        "DynamoDB", "total", f"{dynamodb} (limit {MAX_DYNAMODB_REQUESTS}) {_ok(dynamodb <= 5)}"
    )
    table.add_row("CloudWatch", "total", f"{cloudwatch} (limit 0) {_ok(cloudwatch == 0)}")
    failures = len(response["batchItemFailures"])
    table.caption = (
        f"batchItemFailures: {failures}; every client of the handler's boto3 session counted "
        "with a botocore before-call hook"
    )
    return table


def _ok(passed: bool) -> str:
    return "[green]yes" if passed else "[red]NO"


def _rates(records: Sequence[Any], work: Callable[[Sequence[Any]], object]) -> list[float]:
    """records/s of `work` over 100-record batches (the handler's shape), CPU time of this
    process: the figure is "on one core", and other load on the machine does not skew it."""
    batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]
    rates: list[float] = []
    for _ in range(5):
        started = time.process_time()
        for batch in batches:
            work(batch)
        rates.append(len(records) / (time.process_time() - started))
    return rates


def _pure_table() -> Table:
    records = _batch("pure", PURE_RECORDS)["Records"]
    payloads = [base64.b64decode(r["kinesis"]["data"]) for r in records]
    pure = _rates(records, lambda batch: prepare_records(batch, ttl_days=30))
    bare = _rates(payloads, lambda batch: [json.loads(payload) for payload in batch])
    table = Table(title=f"(b) pure path over {PURE_RECORDS:,} mixed records, median of 5 runs")
    table.add_column("path")
    table.add_column("records/s", justify="right")
    table.add_column("target", justify="right")
    table.add_column("ok")
    pure_median, bare_median = statistics.median(pure), statistics.median(bare)
    table.add_row(
        "decode + validate + analyse + build items",
        f"{pure_median:,.0f}",
        f">= {PURE_TARGET_PER_SECOND:,}",
        _ok(pure_median >= PURE_TARGET_PER_SECOND),
    )
    table.add_row(
        "bare json.loads (payloads already base64-decoded)", f"{bare_median:,.0f}", "", ""
    )
    table.caption = (
        f"batches of {BATCH}, process CPU time (one core); the pure path costs "
        f"{bare_median / pure_median:.1f}x a bare json.loads"
    )
    return table


def _handler_table(handler: Any, naive: Callable[[dict[str, Any]], None]) -> Table:
    ours: list[float] = []
    theirs: list[float] = []
    _invoke(handler, _batch("warm"))  # first call pays connection set-up
    for run in range(RUNS):
        event = _batch(f"h{run}-{uuid.uuid4().hex[:6]}")
        started = time.perf_counter()
        response = _invoke(handler, event)
        ours.append(time.perf_counter() - started)
        if response["batchItemFailures"]:
            raise RuntimeError(f"handler reported failures: {response}")
        event = _batch(f"n{run}-{uuid.uuid4().hex[:6]}")
        started = time.perf_counter()
        naive(event)
        theirs.append(time.perf_counter() - started)
    ours_ms, theirs_ms = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
    # Each run times both handlers back to back: the median of the paired ratios is robust to
    # load on the machine drifting during the benchmark.
    speedup = statistics.median(t / o for o, t in zip(ours, theirs, strict=True))
    table = Table(title=f"(c) handler time for a {BATCH}-record batch, median of {RUNS} runs")
    table.add_column("handler")
    table.add_column("median ms", justify="right")
    table.add_column("speed-up", justify="right")
    table.add_column("ok")
    table.add_row(
        "processor (transactions + min/max, with aggregates)",
        f"{ours_ms:.1f}",
        f"{speedup:.1f}x",
        _ok(speedup >= SPEEDUP_TARGET),
    )
    table.add_row("naive PutItem per record (no aggregates)", f"{theirs_ms:.1f}", "1.0x", "")
    table.caption = (
        f"target >= {SPEEDUP_TARGET:.0f}x; speed-up = median of per-run ratios; both handlers "
        "against the same MiniStack, interleaved"
    )
    return table


def run(console: Console) -> None:
    """Start a private MiniStack, measure, print three tables, stop it."""
    console.print(_pure_table())
    with tempfile.TemporaryDirectory(prefix="processor-bench-") as workdir:
        process, emulator = start(Path(workdir))
        try:
            counts: Counter[str] = Counter()
            session = _counting_session(emulator, counts)
            resources = create_resources(emulator, session)
            with _handler_module(resources, session) as handler:
                _invoke(handler, _batch("connect", 1))  # cold start and connections
                counts.clear()
                response = _invoke(handler, _batch("requests"))
                console.print(_requests_table(Counter(counts), response))
                naive = _naive_handler(resources.dynamodb, resources.results_table)
                console.print(_handler_table(handler, naive))
        finally:
            stop(process)


if __name__ == "__main__":
    run(Console())
