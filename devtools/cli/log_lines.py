"""One log line for people: level, time, message; EMF documents and Lambda reports summarized."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from devtools.emf import parse_line

# Powertools' structured-log keys that repeat on every line and say nothing about this one.
_BOILERPLATE = frozenset(
    {
        "level",
        "message",
        "timestamp",
        "location",
        "service",
        "environment",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "xray_trace_id",
        "sampling_rate",
    }
)
_REPORT_FIELD = re.compile(r"([A-Za-z ]+): ([^\t]+)")


@dataclass(frozen=True)
class LogLine:
    """What a person reads of one log event."""

    level: str
    text: str


def describe(message: str) -> LogLine:
    """Level and a one-line text for a function log message (never raises)."""
    text = message.strip()
    for platform in ("START", "END", "REPORT", "INIT_START"):
        if text.startswith(platform + " "):
            return LogLine(platform, _platform(text[len(platform) + 1 :]))
    if text.startswith("{"):
        metrics = parse_line(text)
        if metrics:
            values = " ".join(f"{m.name}={'+'.join(f'{v:g}' for v in m.values)}" for m in metrics)
            dims = {k: v for m in metrics for k, v in m.dimensions}
            where = " ".join(f"{k}={v}" for k, v in dims.items())
            return LogLine("EMF", values + (f" [{where}]" if where else ""))
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict):
            level = str(document.get("level", "INFO")).upper()
            extra = " ".join(
                f"{k}={_short(v)}" for k, v in document.items() if k not in _BOILERPLATE
            )
            body = str(document.get("message", ""))
            return LogLine(level, f"{body} {extra}".strip())
    for level in ("ERROR", "WARNING", "WARN", "INFO", "DEBUG"):
        if text.startswith(f"[{level}]") or text.startswith(f"{level} "):
            return LogLine(level.removesuffix("ING"), text.split(maxsplit=1)[-1])
    return LogLine("-", " ".join(text.split()))


def _platform(rest: str) -> str:
    """`RequestId: f29…  Duration: 3038 ms ...` -> `f29… Duration 3038 ms, ...`."""
    fields = {k.strip(): v.strip() for k, v in _REPORT_FIELD.findall(rest)}
    request = fields.pop("RequestId", "")
    fields.pop("Version", None)
    tail = ", ".join(f"{k.lower()} {v}" for k, v in fields.items())
    return f"{request[:8]} {tail}".strip()


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= 60 else text[:59] + "…"
