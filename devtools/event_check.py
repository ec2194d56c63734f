"""The processor's own verdict on an event before it is sent: the one adapter devtools uses."""

from __future__ import annotations

import base64
import datetime as dt
import difflib
from dataclasses import dataclass

from processor.decoding import decode_payload
from processor.pipeline import derived_event_id
from processor.reasons import Rejection
from processor.validation import SCHEMAS, validate_event_data

# Fields every event type has (processor/README.md, "Events").
COMMON_FIELDS: tuple[str, ...] = (
    "eventType",
    "eventId",
    "userId",
    "timestamp",
    "sessionId",
    "deviceType",
)


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
    document = decode_payload(base64.b64encode(data).decode("ascii"))
    if isinstance(document, Rejection):
        return EventVerdict(None, None, str(document.reason), document.detail)
    validated = validate_event_data(document, default_event_id="", arrival=dt.datetime.now(dt.UTC))
    if isinstance(validated, Rejection):
        kind = document.get("eventType")
        return EventVerdict(
            kind if isinstance(kind, str) else None,
            None,
            str(validated.reason),
            validated.detail,
        )
    return EventVerdict(validated.event_type, validated.event_id or None)


def event_id_after_put(verdict: EventVerdict, shard_id: str, sequence_number: str) -> str:
    """The eventId the stored item will have: the event's own, else the processor's derivation."""
    return verdict.event_id or derived_event_id(shard_id, sequence_number)


def field_names(event_type: str) -> tuple[str, ...] | None:
    """Every field an event of this type may carry; None for an unknown type."""
    schema = SCHEMAS.get(event_type)
    if schema is None:
        return None
    return COMMON_FIELDS + tuple(name for name, _, _ in schema.checks)


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
