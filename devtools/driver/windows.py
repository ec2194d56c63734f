"""Tumbling windows: records grouped by arrival into aligned windows, state passed along."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_TUMBLING_WINDOW_SECONDS = 900


@dataclass(frozen=True)
class Window:
    """One tumbling window, [start, end) in epoch seconds."""

    start: float
    end: float


def window_of(arrival: float, seconds: int) -> Window:
    """The window a record belongs to: windows are aligned on multiples of their length."""
    start = math.floor(arrival / seconds) * seconds
    return Window(float(start), float(start + seconds))


def iso_seconds(epoch_seconds: float) -> str:
    """The window bounds' format in AWS's events: `2020-12-09T07:04:00Z` (no fraction)."""
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_fields(
    window: Window,
    state: dict[str, Any],
    *,
    shard_id: str,
    stream_arn: str,
    final: bool,
) -> dict[str, Any]:
    """The event's extra top-level fields for a tumbling-window invocation."""
    return {
        "window": {"start": iso_seconds(window.start), "end": iso_seconds(window.end)},
        "state": state,
        "shardId": shard_id,
        "eventSourceARN": stream_arn,
        "isFinalInvokeForWindow": final,
        "isWindowTerminatedEarly": False,
    }


def returned_state(payload: bytes) -> dict[str, Any] | None:
    """The `state` a function returned, or None when its answer holds no `state` property:
    AWS counts such an answer as a failed invocation (Lambda developer guide,
    services-kinesis-windows). A `state` that is not an object starts the next one empty."""
    try:
        body = json.loads(payload) if payload.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict) or "state" not in body:
        return None
    state = body["state"]
    return dict(state) if isinstance(state, dict) else {}
