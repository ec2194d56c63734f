"""Metrics emitted as CloudWatch Embedded Metric Format lines in the function's log group."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from devtools.report.model import MetricSummary

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient


@dataclass
class _Fold:
    unit: str = "None"
    values: list[float] = field(default_factory=list)


def parse_emf(message: str) -> list[tuple[str, dict[str, str], str, list[float]]]:
    """(metric, dimensions, unit, values) for every metric x dimension set of one EMF line."""
    text = message.strip()
    start = text.find("{")
    if start < 0:
        return []
    try:
        document: Any = json.loads(text[start:])
        directives = document["_aws"]["CloudWatchMetrics"]
    except (ValueError, KeyError, TypeError):
        return []
    found = []
    for directive in directives:
        for definition in directive.get("Metrics", []):
            name = definition.get("Name")
            raw = document.get(name)
            if raw is None:
                continue
            values = [float(v) for v in (raw if isinstance(raw, list) else [raw])]
            for dimension_set in directive.get("Dimensions", [[]]):
                dims = {d: str(document.get(d, "")) for d in dimension_set}
                found.append((str(name), dims, str(definition.get("Unit", "None")), values))
    return found


def fold(messages: Iterable[str]) -> list[MetricSummary]:
    """Fold EMF lines into one summary per (metric, dimension set)."""
    folds: dict[tuple[str, tuple[tuple[str, str], ...]], _Fold] = {}
    for message in messages:
        for name, dims, unit, values in parse_emf(message):
            key = (name, tuple(sorted(dims.items())))
            into = folds.setdefault(key, _Fold(unit=unit))
            into.values.extend(values)
    return [
        MetricSummary(
            name=name,
            dimensions=dict(dims),
            unit=f.unit,
            count=len(f.values),
            sum=sum(f.values),
            minimum=min(f.values),
            maximum=max(f.values),
        )
        for (name, dims), f in sorted(folds.items())
        if f.values
    ]


def log_messages(logs: CloudWatchLogsClient, group: str, start_ms: int, end_ms: int) -> list[str]:
    """Every log message of `group` between the two epoch-millisecond instants."""
    messages: list[str] = []
    try:
        paginator = logs.get_paginator("filter_log_events")
        for page in paginator.paginate(logGroupName=group, startTime=start_ms, endTime=end_ms):
            messages.extend(event.get("message", "") for event in page.get("events", []))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    return messages
