"""Ground truth computed from the raw test events, independently of the processor's code."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from devtools import aggregates as agg

# The documented histogram bounds (processor/README.md), restated here on purpose.
BOUNDS = (
    50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1000, 1250, 1500, 1750, 2000,
    2500, 3000, 3500, 4000, 5000, 6000, 7500, 10000, 12500, 15000, 20000, 30000, 60000,
)  # fmt: skip


def _bucket(value: Decimal) -> str:
    return next((f"le{b}" for b in BOUNDS if value <= b), "leInf")


def _minute(timestamp: str) -> str:
    # The factories write "YYYY-MM-DDTHH:MM:SS(.fff)Z" in UTC.
    return timestamp[:16] + "Z"


@dataclass
class Truth:
    """Expected results items (by key) and aggregates items (as plain numbers)."""

    items: set[tuple[str, str]] = field(default_factory=set)
    aggregates: dict[tuple[str, str], dict[str, Decimal]] = field(default_factory=dict)


def expected(events: list[dict[str, Any]]) -> Truth:
    """Unique events by (eventId, timestamp), first wins; every valid event carries both."""
    truth = Truth()
    counts: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    sums: defaultdict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for event in events:
        ts = event["timestamp"]
        stamp = ts[:-1] if ts.endswith("Z") else ts
        if "." not in stamp:
            stamp += ".000"
        key = (event["eventId"], stamp + "Z")
        if key in truth.items:
            continue
        truth.items.add(key)
        minute = _minute(ts)
        kind = event["eventType"]
        counts[(f"events#{kind}#{event.get('deviceType') or 'unknown'}", minute)]["count"] += 1
        if kind == "purchase":
            item = (f"revenue#{event['currency']}", minute)
            counts[item]["count"] += 1
            amount = Decimal(str(event["amount"]))
            sums[item]["sum"] = sums[item].get("sum", Decimal(0)) + amount
        elif kind == "page_view":
            item = ("loadtime", minute)
            value = Decimal(str(event["loadTime"]))
            counts[item]["count"] += 1
            counts[item][_bucket(value)] += 1
            sums[item]["sum"] = sums[item].get("sum", Decimal(0)) + value
            sums[item]["min"] = min(sums[item].get("min", value), value)
            sums[item]["max"] = max(sums[item].get("max", value), value)
        elif kind == "user_signup":
            source = (event.get("campaignSource") or "direct").strip().lower()
            counts[(f"signups#{source}", minute)]["count"] += 1
        elif kind == "click":
            counts[(f"clicks#{event['elementId']}", minute)]["count"] += 1
        elif kind == "error":
            path = event.get("pageUrl") or "(none)"
            counts[(f"errors#{event['errorType']}#{path}", minute)]["count"] += 1
    for item in set(counts) | set(sums):
        values = {name: Decimal(n) for name, n in counts[item].items()}
        values.update(sums[item])
        truth.aggregates[item] = values
    return truth


def actual_aggregates(client: Any, table: str) -> dict[tuple[str, str], dict[str, Decimal]]:
    """Every (metricKey, minute) as readers see it: the lanes' partial items merged by the one
    merge every reader uses (devtools/aggregates.py)."""
    rows = (agg.decode_item(item) for item in actual_items(client, table))
    return {key: agg.attributes(row) for key, row in agg.merge_partials(rows).items()}


def partial_items(client: Any, table: str) -> dict[tuple[str, str], list[str]]:
    """The lane ids of the partial items of each (metricKey, minute), as stored."""
    lanes: dict[tuple[str, str], list[str]] = {}
    for item in actual_items(client, table):
        minute, _, lane = item["minute"]["S"].partition("/")
        lanes.setdefault((item["metricKey"]["S"], minute), []).append(lane)
    return {key: sorted(found) for key, found in lanes.items()}


def actual_items(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items.extend(page["Items"])
    return items


def actual_keys(client: Any, table: str) -> list[tuple[str, str]]:
    return [(i["eventId"]["S"], i["timestamp"]["S"]) for i in actual_items(client, table)]
