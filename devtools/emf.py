"""Parse CloudWatch Embedded Metric Format log lines into metric data (pure, no AWS calls)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MetricDatum:
    """One metric of one EMF document, under one dimension set."""

    namespace: str
    name: str
    unit: str
    dimensions: tuple[tuple[str, str], ...]
    values: tuple[float, ...]
    timestamp_ms: int | None

    def dimension(self, name: str) -> str | None:
        return dict(self.dimensions).get(name)


@dataclass(frozen=True)
class MetricSummary:
    """Every datum of one (namespace, name, dimensions) folded together."""

    namespace: str
    name: str
    unit: str
    dimensions: tuple[tuple[str, str], ...]
    sample_count: int
    total: float
    minimum: float
    maximum: float

    @property
    def average(self) -> float:
        return self.total / self.sample_count if self.sample_count else 0.0


def _numbers(value: Any) -> tuple[float, ...] | None:
    items = value if isinstance(value, list) else [value]
    numbers: list[float] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | float):
            return None
        if not math.isfinite(item):
            return None
        numbers.append(float(item))
    return tuple(numbers)


def parse_document(document: Mapping[str, Any]) -> list[MetricDatum]:
    """The metric data of one EMF JSON document; [] when it is not valid EMF."""
    metadata = document.get("_aws")
    if not isinstance(metadata, Mapping):
        return []
    directives = metadata.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        return []
    timestamp = metadata.get("Timestamp")
    timestamp_ms = int(timestamp) if isinstance(timestamp, int | float) else None
    data: list[MetricDatum] = []
    for directive in directives:
        if not isinstance(directive, Mapping):
            continue
        namespace = directive.get("Namespace")
        metrics = directive.get("Metrics")
        dimension_sets = directive.get("Dimensions") or [[]]
        if not isinstance(namespace, str) or not isinstance(metrics, list):
            continue
        for dimension_set in dimension_sets:
            if not isinstance(dimension_set, list):
                continue
            # a dimension whose value is missing (or not a string) invalidates the set
            values = [document.get(name) for name in dimension_set]
            if not all(isinstance(v, str) for v in values):
                continue
            dimensions = tuple((str(n), str(v)) for n, v in zip(dimension_set, values, strict=True))
            for metric in metrics:
                if not isinstance(metric, Mapping) or not isinstance(metric.get("Name"), str):
                    continue
                name = str(metric["Name"])
                numbers = _numbers(document.get(name))
                if numbers is None:
                    continue
                data.append(
                    MetricDatum(
                        namespace=namespace,
                        name=name,
                        unit=str(metric.get("Unit", "None")),
                        dimensions=dimensions,
                        values=numbers,
                        timestamp_ms=timestamp_ms,
                    )
                )
    return data


def parse_line(line: str) -> list[MetricDatum]:
    """The metric data of one log line; [] for ordinary log lines.

    Accepts the JSON document alone or after a text prefix (Lambda's tab-separated format).
    """
    if '"_aws"' not in line:
        return []
    start = line.find("{")
    if start < 0:
        return []
    try:
        document = json.loads(line[start:])
    except json.JSONDecodeError:
        return []
    return parse_document(document) if isinstance(document, dict) else []


def parse_lines(lines: Iterable[str]) -> list[MetricDatum]:
    return [datum for line in lines for datum in parse_line(line)]


def summarize(data: Iterable[MetricDatum]) -> list[MetricSummary]:
    """Fold data by (namespace, name, dimensions), sorted by those keys."""
    folded: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[Any]] = {}
    for datum in data:
        if not datum.values:
            continue
        key = (datum.namespace, datum.name, datum.dimensions)
        entry = folded.get(key)
        if entry is None:
            folded[key] = [
                datum.unit,
                len(datum.values),
                sum(datum.values),
                min(datum.values),
                max(datum.values),
            ]
        else:
            entry[1] += len(datum.values)
            entry[2] += sum(datum.values)
            entry[3] = min(entry[3], *datum.values)
            entry[4] = max(entry[4], *datum.values)
    return [
        MetricSummary(ns, name, unit, dims, count, total, low, high)
        for (ns, name, dims), (unit, count, total, low, high) in sorted(folded.items())
    ]
