"""The processor's own verdict on an event before it is sent: the one adapter devtools uses."""

from __future__ import annotations

import difflib
import json
import time
from dataclasses import dataclass

from processor import model
from processor.pipeline import derived_event_id
from processor.types import Rejection


@dataclass(frozen=True)
class EventVerdict:
    """What the processor would do with one record's bytes: store it, or quarantine it."""

    event_type: str | None
    event_id: str | None
    """The event's own eventId; None when the processor derives it from the stream position."""
    reason: str | None = None
    detail: str = ""

    @property
    def valid(self) -> bool:
        return self.reason is None


def check_record(data: bytes) -> EventVerdict:
    """Decode and validate `data` exactly as the processor does (no I/O, never raises)."""
    validated = model.validate_record(data, default_event_id="", arrival=time.time())
    if isinstance(validated, Rejection):
        return EventVerdict(_event_type(data), None, str(validated.reason), validated.detail)
    return EventVerdict(validated.event_type, validated.event_id or None)


def _event_type(data: bytes) -> str | None:
    """The eventType a rejected record names, if it is a JSON object that names one."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    kind = document.get("eventType") if isinstance(document, dict) else None
    return kind if isinstance(kind, str) else None


def event_id_after_put(verdict: EventVerdict, shard_id: str, sequence_number: str) -> str:
    """The eventId the stored item will have: the event's own, else the processor's derivation."""
    return verdict.event_id or derived_event_id(shard_id, sequence_number)


def field_names(event_type: str) -> tuple[str, ...] | None:
    """Every field an event of this type may carry; None for an unknown type."""
    return model.field_names(event_type) or None


def suggest(name: str, known: tuple[str, ...]) -> str:
    """` (did you mean 'errorType'?)`, or nothing when no known name is close."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_fields(document: dict[str, object]) -> list[str]:
    """Field names the processor ignores for this event's type (likely typos), with hints."""
    kind = document.get("eventType")
    known = field_names(kind) if isinstance(kind, str) else None
    if known is None:
        return []
    return [f"{name!r}{suggest(name, known)}" for name in document if name not in known]
