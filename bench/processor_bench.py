"""Processor benchmarks: pure-path throughput, requests per 100 events, handler vs naive PutItem
at an AWS-like round-trip time (a latency-injecting proxy in front of the emulator)."""

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

from bench.latency_proxy import DEFAULT_RTT_MS, LatencyProxy
from bench.pure_floor import TTL_DAYS, check_same, floor_path
from bench.pydantic_model import event_adapter
from processor import model
from processor.model.validate import wire_decoder
from processor.pipeline import prepare_records
from tests.emulator import RunningEmulator, start, stop
from tests.integration.processor.tables import FakeContext, Resources, create_resources
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

BATCH = 100
PURE_RECORDS = 20_000
RUNS = 15
MAX_DYNAMODB_REQUESTS = 4
ROUNDS = 11
PURE_TARGET_RATIO = 0.5  # of a bare json.loads over the same records, same run
SPEEDUP_TARGET = 10.0


def rtt_ms() -> float:
    """Round trip added per request: BENCH_RTT_MS (python -m bench --rtt-ms), default 5 ms."""
    return float(os.environ.get("BENCH_RTT_MS", DEFAULT_RTT_MS))


def _batch(prefix: str, count: int = BATCH) -> dict[str, Any]:
    """`count` valid mixed events with fresh eventIds, so every run stores new items."""
    events = mixed_events(count)
    for event in events:
        event["eventId"] = f"{prefix}-{event['eventId']}"
    return kinesis_event([kinesis_record(e, i) for i, e in enumerate(events)])


@contextlib.contextmanager
def _handler_module(
    resources: Resources, session: boto3.Session, endpoint_url: str
) -> Iterator[Any]:
    """Cold-start processor.handler against `endpoint_url` through `session`, then undo it."""
    env = {
        **resources.emulator.env(),
        **resources.function_env(environment="bench", log_level="WARNING"),
        "AWS_ENDPOINT_URL": endpoint_url,
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
        "DynamoDB",
        "total",
        f"{dynamodb} (limit {MAX_DYNAMODB_REQUESTS}) {_ok(dynamodb <= MAX_DYNAMODB_REQUESTS)}",
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


def _rates(
    records: Sequence[Any], work: Callable[[Sequence[Any]], object], runs: int = 5
) -> list[float]:
    """records/s of `work` over 100-record batches (the handler's shape), CPU time of this
    process: the figure is "on one core", and other load on the machine does not skew it."""
    batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]
    rates: list[float] = []
    for _ in range(runs):
        started = time.process_time()
        for batch in batches:
            work(batch)
        rates.append(len(records) / (time.process_time() - started))
    return rates


def _pure_table(figures: dict[str, float]) -> Table:
    records = _batch("pure", PURE_RECORDS)["Records"]
    payloads = [base64.b64decode(r["kinesis"]["data"]) for r in records]
    pairs = [(r, p) for r, p in zip(records, payloads, strict=True) if b'"page_view"' in p]
    views, view_payloads = [r for r, _ in pairs], [p for _, p in pairs]
    check_same(views)
    adapter = event_adapter()
    # Interleaved rounds, so that load on the shared machine hits every path alike.
    rounds: dict[str, list[float]] = {
        "pure": [], "bare": [], "msgspec": [], "decode": [], "pydantic": [],
        "views": [], "views_bare": [], "floor": [],
    }  # fmt: skip
    decoder = wire_decoder()
    for _ in range(ROUNDS):
        rounds["pure"] += _rates(records, lambda b: prepare_records(b, ttl_days=TTL_DAYS), runs=1)
        rounds["bare"] += _rates(payloads, lambda b: [json.loads(p) for p in b], runs=1)
        rounds["msgspec"] += _rates(
            payloads, lambda b: [model.validate_record(p, default_event_id="x") for p in b], runs=1
        )
        rounds["decode"] += _rates(payloads, lambda b: [decoder.decode(p) for p in b], runs=1)
        rounds["pydantic"] += _rates(
            payloads, lambda b: [adapter.validate_json(p) for p in b], runs=1
        )
        rounds["views"] += _rates(views, lambda b: prepare_records(b, ttl_days=TTL_DAYS), runs=1)
        rounds["views_bare"] += _rates(view_payloads, lambda b: [json.loads(p) for p in b], runs=1)
        rounds["floor"] += _rates(views, floor_path, runs=1)
    median = {name: statistics.median(values) for name, values in rounds.items()}
    bare = median["bare"]
    title = f"(b) pure path over {PURE_RECORDS:,} mixed records, median of {ROUNDS} rounds"
    table = Table(title=title)
    table.add_column("path")
    table.add_column("records/s", justify="right")
    table.add_column("vs json.loads", justify="right")
    table.add_column("target", justify="right")
    table.add_column("ok")
    ratio = median["pure"] / bare
    table.add_row(
        "decode + validate + analyse + build items (processor)",
        f"{median['pure']:,.0f}",
        f"{ratio:.2f}x",
        f">= {PURE_TARGET_RATIO}x",
        _ok(ratio >= PURE_TARGET_RATIO),
    )
    table.add_row("bare json.loads (payloads already base64-decoded)", f"{bare:,.0f}", "1.00x")
    table.add_row(
        "validation only: msgspec (processor.model.validate_record)",
        f"{median['msgspec']:,.0f}",
        f"{median['msgspec'] / bare:.2f}x",
    )
    table.add_row(
        "  of which msgspec's decode into the tagged union alone",
        f"{median['decode']:,.0f}",
        f"{median['decode'] / bare:.2f}x",
    )
    table.add_row(
        "validation only: pydantic v2 validate_json (types, bounds; no text/decimal checks)",
        f"{median['pydantic']:,.0f}",
        f"{median['pydantic'] / bare:.2f}x",
    )
    views_bare = median["views_bare"]
    table.add_row(
        "page_view records only: processor", f"{median['views']:,.0f}",
        f"{median['views'] / views_bare:.2f}x",
    )  # fmt: skip
    table.add_row(
        "  hand-written floor, same items (bench/pure_floor.py)", f"{median['floor']:,.0f}",
        f"{median['floor'] / views_bare:.2f}x",
    )  # fmt: skip
    table.caption = (
        f"batches of {BATCH}, process CPU time (one core); each round runs every path once, "
        "so load on the shared machine hits them alike; page_view rows are against json.loads "
        "over the page_view payloads"
    )
    figures["pure_path_records_per_s"] = round(median["pure"])
    figures["json_loads_records_per_s"] = round(bare)
    figures["pure_path_vs_json_loads"] = round(ratio, 3)
    figures["msgspec_validate_records_per_s"] = round(median["msgspec"])
    figures["pydantic_validate_records_per_s"] = round(median["pydantic"])
    figures["msgspec_decode_records_per_s"] = round(median["decode"])
    figures["page_view_pure_path_vs_json_loads"] = round(median["views"] / views_bare, 3)
    figures["page_view_floor_vs_json_loads"] = round(median["floor"] / views_bare, 3)
    return table


def _handler_table(
    handler: Any, naive: Callable[[dict[str, Any]], None], figures: dict[str, float]
) -> Table:
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
    figures["handler_ms"] = round(ours_ms, 1)
    figures["naive_ms"] = round(theirs_ms, 1)
    figures["speedup_vs_naive_at_5ms_rtt"] = round(speedup, 1)
    title = f"(c) handler time for a {BATCH}-record batch at {rtt_ms():g} ms per request round"
    table = Table(title=f"{title} trip, median of {RUNS} runs")
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
        "through the same latency proxy in front of the same MiniStack, interleaved"
    )
    return table


def run(console: Console) -> dict[str, float]:
    """Start a private MiniStack behind a latency proxy, measure, print tables, stop it.

    Returns the headline figures (`python -m bench processor --json` prints them).
    """
    figures: dict[str, float] = {"rtt_ms": rtt_ms()}
    console.print(_pure_table(figures))
    with tempfile.TemporaryDirectory(prefix="processor-bench-") as workdir:
        process, emulator = start(Path(workdir))
        proxy = LatencyProxy(emulator.endpoint_url, rtt_ms=rtt_ms()).start()
        try:
            counts: Counter[str] = Counter()
            session = _counting_session(emulator, counts)
            resources = create_resources(emulator, session)
            with _handler_module(resources, session, proxy.endpoint_url) as handler:
                _invoke(handler, _batch("connect", 1))  # cold start and connections
                counts.clear()
                response = _invoke(handler, _batch("requests"))
                figures["dynamodb_requests_per_100"] = sum(
                    n for name, n in counts.items() if name.startswith("dynamodb.")
                )
                console.print(_requests_table(Counter(counts), response))
                client = emulator.session().client("dynamodb", endpoint_url=proxy.endpoint_url)
                naive = _naive_handler(client, resources.results_table)
                console.print(_handler_table(handler, naive, figures))
        finally:
            proxy.stop()
            stop(process)
    return figures


if __name__ == "__main__":
    run(Console())
