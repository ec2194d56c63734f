"""Tumbling windows: records grouped by arrival into aligned windows, state passed along."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from devtools.driver.failure_record import iso_millis

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
        "window": {"start": iso_millis(window.start), "end": iso_millis(window.end)},
        "state": state,
        "shardId": shard_id,
        "eventSourceARN": stream_arn,
        "isFinalInvokeForWindow": final,
        "isWindowTerminatedEarly": False,
    }


def returned_state(payload: bytes) -> dict[str, Any] | None:
    """The `state` object a function returned, or None when it returned none."""
    try:
        body = json.loads(payload) if payload.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(body, dict) and isinstance(body.get("state"), dict):
        return dict(body["state"])
    return None
