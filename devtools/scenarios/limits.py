"""Bounds on what a scenario may ask for: records in total, durations, numbers in generators."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from typing import Any

Path = tuple[str | int, ...]
Problem = tuple[Path, str]

MAX_RECORDS_ENV = "DEVTOOLS_MAX_RECORDS"
DEFAULT_MAX_RECORDS = 1_000_000
MAX_SECONDS = 7 * 24 * 3600.0  # `at`, `pause`, `duration`, timeouts: a week is plenty
MAX_RATE = 1_000_000.0  # records per second
MAX_MAGNITUDE = 1e15  # distribution parameters (beyond, floats lose integer precision)
_DURATION_KEYS = ("at", "pause", "duration")
_RANGE_KEYS = ("int", "uniform")


def max_records() -> int:
    """The cap on records per scenario file: DEVTOOLS_MAX_RECORDS, else 1,000,000."""
    raw = os.environ.get(MAX_RECORDS_ENV, "")
    try:
        return max(1, int(raw)) if raw.strip() else DEFAULT_MAX_RECORDS
    except ValueError:
        return DEFAULT_MAX_RECORDS


def check(data: dict[str, Any], seconds: Callable[[Any], float]) -> list[Problem]:
    """Problems with schema-valid scenario data; `seconds` parses a duration."""
    problems: list[Problem] = []
    for path, value in _durations(data):
        try:
            parsed = seconds(value)
        except ValueError:
            continue  # the schema reports the format
        if not math.isfinite(parsed) or parsed > MAX_SECONDS:
            problems.append((path, f"{value!r} is longer than a week"))
    for path, value in _rates(data):
        if isinstance(value, int | float) and not 0 < value <= MAX_RATE:
            problems.append((path, f"rate {value!r} is outside 0-{MAX_RATE:,.0f} per second"))
    for path, value in _field_numbers(data):
        finite = isinstance(value, int) or math.isfinite(value)  # no float() of a huge int
        if not finite or abs(value) > MAX_MAGNITUDE:
            shown = f"{value:g}" if isinstance(value, float) else f"{value:.3e}"
            problems.append((path, f"{shown} is beyond ±{MAX_MAGNITUDE:.0e}"))
    if not problems:
        problems.extend(_volume(data, seconds))
    return problems


def _volume(data: dict[str, Any], seconds: Callable[[Any], float]) -> list[Problem]:
    cap = max_records()
    total = 0.0
    by_name: dict[str, float] = {}
    for index, step in enumerate(data.get("traffic") or []):
        if not isinstance(step, dict):
            continue
        made = _step_records(step, by_name, seconds)
        by_name[str(step.get("name", index))] = made
        total += made
        if total > cap:
            return [
                (
                    ("traffic", index),
                    f"brings the scenario to {total:,.0f} records, above the "
                    f"cap of {cap:,}; lower count or rate x duration, or raise the cap with "
                    f"{MAX_RECORDS_ENV}={math.ceil(total)}",
                )
            ]
    return []


def _step_records(
    step: dict[str, Any], earlier: dict[str, float], seconds: Callable[[Any], float]
) -> float:
    for kind in ("events", "malformed"):
        if isinstance(step.get(kind), list):
            return float(len(step[kind]))
    for kind in ("generate", "burst"):
        spec = step.get(kind)
        if isinstance(spec, dict):
            if isinstance(spec.get("count"), int | float):
                return float(spec["count"])
            rate, duration = spec.get("rate"), spec.get("duration")
            if isinstance(rate, int | float) and duration is not None:
                try:
                    return float(rate) * seconds(duration)
                except ValueError:
                    return 0.0
    spec = step.get("duplicate")
    if isinstance(spec, dict):
        base = earlier.get(str(spec.get("step")), 0.0)
        count = spec.get("count")
        if isinstance(count, int | float):
            base = min(base, float(count))
        times = spec.get("times", 1)
        return base * (float(times) if isinstance(times, int | float) else 1.0)
    return 0.0


def _durations(data: dict[str, Any]) -> Iterator[tuple[Path, Any]]:
    if "drain_timeout" in data:
        yield ("drain_timeout",), data["drain_timeout"]
    latency = (data.get("expect") or {}).get("latency")
    if isinstance(latency, dict):
        for key, value in latency.items():
            yield ("expect", "latency", str(key)), value
    for index, step in enumerate(data.get("traffic") or []):
        if not isinstance(step, dict):
            continue
        for key in _DURATION_KEYS:
            if key in step:
                yield ("traffic", index, key), step[key]
        for kind in ("generate", "burst"):
            spec = step.get(kind)
            if isinstance(spec, dict) and "duration" in spec:
                yield ("traffic", index, kind, "duration"), spec["duration"]


def _rates(data: dict[str, Any]) -> Iterator[tuple[Path, Any]]:
    send = data.get("send")
    if isinstance(send, dict) and "rate" in send:
        yield ("send", "rate"), send["rate"]
    for index, step in enumerate(data.get("traffic") or []):
        if not isinstance(step, dict):
            continue
        if "rate" in step:
            yield ("traffic", index, "rate"), step["rate"]
        for kind in ("generate", "burst"):
            spec = step.get(kind)
            if isinstance(spec, dict) and "rate" in spec:
                yield ("traffic", index, kind, "rate"), spec["rate"]


def _field_numbers(data: dict[str, Any]) -> Iterator[tuple[Path, int | float]]:
    for index, step in enumerate(data.get("traffic") or []):
        for kind in ("generate", "burst"):
            spec = step.get(kind) if isinstance(step, dict) else None
            if isinstance(spec, dict) and isinstance(spec.get("fields"), dict):
                yield from _numbers(spec["fields"], ("traffic", index, kind, "fields"))


def _numbers(node: Any, path: Path) -> Iterator[tuple[Path, int | float]]:
    """Every number inside generators' field specs (ranges, normal parameters, literals)."""
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _numbers(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _numbers(value, (*path, index))
