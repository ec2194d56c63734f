"""Values of the scenario format that are not mappings: self-parsing types and bounded numbers."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from msgspec import Meta

from devtools.scenarios.limits import MAX_MAGNITUDE, MAX_RATE, MAX_SECONDS
from processor import model
from processor.types import Reason

UNLIMITED = float("inf")
_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def event_types() -> tuple[str, ...]:
    """The registered event types, sorted (the order scenario messages list them in)."""
    return tuple(sorted(model.event_types()))


# --- values that parse themselves: each type holds its check and its JSON Schema -------------


class Seconds(float):
    """A duration: seconds as a number, or a string such as 500ms, 30s, 2m, 1h (at most a week)."""

    @classmethod
    def parse(cls, value: object) -> Seconds:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError(f"expected a duration such as 500ms, 30s, 2m, got {value!r}")
        if isinstance(value, str):
            match = _DURATION.match(value)
            if match is None:
                raise ValueError(f"{value!r} is not a duration such as 500ms, 30s, 2m")
            seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        else:
            seconds = float(value)
        if seconds < 0:
            raise ValueError(f"{value!r} is negative")
        if not math.isfinite(seconds) or seconds > MAX_SECONDS:
            raise ValueError(f"{value!r} is longer than a week")
        return cls(seconds)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {
            "description": "Seconds as a number, or a string such as 500ms, 30s, 2m, 1h.",
            "oneOf": [
                {"type": "number", "minimum": 0, "maximum": MAX_SECONDS},
                {"type": "string", "pattern": _DURATION.pattern},
            ],
        }


class PerSecond(float):
    """A sending rate: records per second, or 'unlimited' (infinity)."""

    @classmethod
    def parse(cls, value: object) -> PerSecond:
        if value == "unlimited":
            return cls(UNLIMITED)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"expected records per second or 'unlimited', got {value!r}")
        if not 0 < value <= MAX_RATE:
            raise ValueError(f"rate {value!r} is outside 0-{MAX_RATE:,.0f} per second")
        return cls(value)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {
            "description": "Records per second, or 'unlimited'.",
            "oneOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RATE},
                {"const": "unlimited"},
            ],
        }


class EventTypeName(str):
    """A registered event type (from the event model, so a type registered later is known)."""

    @classmethod
    def parse(cls, value: object) -> EventTypeName:
        if not isinstance(value, str) or value not in model.event_types():
            raise ValueError(
                f"unknown type {value!r} (expected one of: {', '.join(event_types())})"
            )
        return cls(value)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {"enum": list(event_types())}


class ReasonName(str):
    """A quarantine reason, from the processor's own codes."""

    @classmethod
    def parse(cls, value: object) -> ReasonName:
        reasons = [reason.value for reason in Reason]
        if value not in reasons:
            raise ValueError(f"{value!r} is not one of: {', '.join(reasons)}")
        return cls(str(value))

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {"enum": [reason.value for reason in Reason]}


class Event(dict[str, Any]):
    """An event written out: any fields, sent as written (its type and fields are checked
    against the event model by the loader, which can name the event and the line)."""

    @classmethod
    def parse(cls, value: object) -> Event:
        if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            raise TypeError(f"expected an event (a mapping with eventType), got {value!r}")
        return cls(value)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["eventType"],
            "properties": {"eventType": EventTypeName.json_schema()},
        }


CUSTOM_TYPES: tuple[type[Any], ...] = (Seconds, PerSecond, EventTypeName, ReasonName, Event)

# --- plain constrained values ----------------------------------------------------------------

Magnitude = Annotated[float, Meta(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]
WholeMagnitude = Annotated[int, Meta(ge=-int(MAX_MAGNITUDE), le=int(MAX_MAGNITUDE))]
StepName = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
AlarmSelector = Annotated[
    str,
    Meta(min_length=1, description="Case-insensitive part of an alarm's name or its metric's."),
]
Scalar = str | WholeMagnitude | Magnitude | bool | None
Tolerance = Annotated[float, Meta(ge=0)] | Annotated[str, Meta(pattern=r"^[0-9]+(\.[0-9]+)?%$")]
