"""The cost of devtools' emulator wrapper (write journal) per request, and of a large down/up.

Side by side, alternating: MiniStack as `python -m ministack` and as devtools starts it
(`devtools.emulator.ministack_server`: a journal line per acknowledged write). Then one
`down`/`up` of a state holding STORED_EVENTS items and half as many stream records.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.local_cloud import REGION, client_factory
from devtools.emulator import start, stop
from devtools.paths import StatePaths
from tests import emulator as plain_emulator
from tests.emulator import free_port

RUNS = 5
CALLS = 150
STORED_EVENTS = 40_000
BODY = {"S": json.dumps({"eventType": "page_view", "pageUrl": "/home", "loadTime": 900})}


def _prepare(client: Callable[[str], Any]) -> None:
    client("kinesis").create_stream(StreamName="bench", ShardCount=2)
    client("dynamodb").create_table(
        TableName="bench",
        KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client("kinesis").get_waiter("stream_exists").wait(StreamName="bench")


def _writes(client: Callable[[str], Any], run: int) -> tuple[float, float]:
    """Median seconds per PutRecords (100 records) and per TransactWriteItems (25 puts)."""
    kinesis, dynamodb = client("kinesis"), client("dynamodb")
    records = [{"Data": b'{"eventType":"click"}', "PartitionKey": f"k{n}"} for n in range(100)]
    puts, transactions = [], []
    for call in range(CALLS):
        began = time.perf_counter()
        kinesis.put_records(StreamName="bench", Records=records)
        puts.append(time.perf_counter() - began)
        items = [
            {
                "Put": {
                    "TableName": "bench",
                    "Item": {"eventId": {"S": f"{run}-{call}-{n}"}, "b": BODY},
                }
            }
            for n in range(25)
        ]
        began = time.perf_counter()
        dynamodb.transact_write_items(TransactItems=items)
        transactions.append(time.perf_counter() - began)
    return statistics.median(puts), statistics.median(transactions)


def _plain(base: Path, run: int) -> tuple[float, float]:
    process, running = plain_emulator.start(base)
    try:
        client = client_factory(running.endpoint_url)
        _prepare(client)
        return _writes(client, run)
    finally:
        plain_emulator.stop(process)


def _wrapped(base: Path, run: int) -> tuple[float, float]:
    paths = StatePaths(base).ensure()
    endpoint = start(paths, port=free_port(), region=REGION).record.endpoint_url
    try:
        client = client_factory(endpoint)
        _prepare(client)
        return _writes(client, run)
    finally:
        stop(paths)


def _down_up(base: Path) -> tuple[float, float, float, int]:
    """Seconds for `down` (save) and `up` (load), MiB saved, items found after."""
    paths = StatePaths(base).ensure()
    endpoint = start(paths, port=free_port(), region=REGION).record.endpoint_url
    client = client_factory(endpoint)
    _prepare(client)
    dynamodb = client("dynamodb")
    for first in range(0, STORED_EVENTS, 100):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "bench", "Item": {"eventId": {"S": f"e{n}"}, "b": BODY}}}
                for n in range(first, first + 100)
            ]
        )
    records = [{"Data": b'{"eventType":"click"}', "PartitionKey": f"k{n}"} for n in range(500)]
    for _ in range(STORED_EVENTS // 1000):
        client("kinesis").put_records(StreamName="bench", Records=records)
    stopped = stop(paths)
    began = time.perf_counter()
    again = start(paths, port=free_port(), region=REGION)
    loaded = time.perf_counter() - began
    found = client_factory(again.record.endpoint_url)("dynamodb").scan(
        TableName="bench", Select="COUNT"
    )
    count = int(found["Count"])
    while "LastEvaluatedKey" in found:
        found = client_factory(again.record.endpoint_url)("dynamodb").scan(
            TableName="bench", Select="COUNT", ExclusiveStartKey=found["LastEvaluatedKey"]
        )
        count += int(found["Count"])
    stop(paths)
    return stopped.seconds, loaded, stopped.saved_bytes / 2**20, count


def run(console: Console) -> None:
    plain: list[tuple[float, float]] = []
    wrapped: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="state-bench-") as tmp:
        for index in range(RUNS):  # alternate, so drift on a shared machine hits both alike
            plain.append(_plain(Path(tmp) / f"plain-{index}", index))
            wrapped.append(_wrapped(Path(tmp) / f"wrapped-{index}", index))
        save, load, mib, count = _down_up(Path(tmp) / "large")
    table = Table(title=f"Emulator wrapper cost ({RUNS} alternating runs x {CALLS} calls each)")
    for column in ("request", "python -m ministack (ms)", "devtools wrapper (ms)", "ratio"):
        table.add_column(column, justify="right" if column != "request" else "left")
    for position, name in enumerate(("PutRecords x100", "TransactWriteItems x25")):
        a = statistics.median(r[position] for r in plain) * 1000
        b = statistics.median(r[position] for r in wrapped) * 1000
        table.add_row(name, f"{a:.2f}", f"{b:.2f}", f"{b / a:.2f}x")
    console.print(table)
    console.print(
        f"down/up of {STORED_EVENTS:,} stored events + {STORED_EVENTS // 2:,} stream records: "
        f"saved {mib:.1f} MiB in {save:.1f} s, loaded in {load:.1f} s, {count:,} items back"
    )
