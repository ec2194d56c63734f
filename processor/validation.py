"""Validation of the five event types: required fields, types, ranges, formats, lengths."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from processor.currencies import ISO_4217_CODES
from processor.events import FieldValue, ValidEvent
from processor.reasons import Reason, Rejection

EVENT_TYPES: tuple[str, ...] = ("page_view", "purchase", "user_signup", "click", "error")
DEVICE_TYPES: tuple[str, ...] = ("desktop", "mobile", "tablet", "other")
UNKNOWN_DEVICE = "unknown"
TIMESTAMP_MIN = datetime(2000, 1, 1, tzinfo=UTC)
TIMESTAMP_MAX = datetime(2100, 1, 1, tzinfo=UTC)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_.:-]+$")


class _InvalidError(Exception):
    """Raised inside a field check; carries the rejection out to validate_event_data."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.rejection = Rejection(reason, detail)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _wrong_type(name: str, expected: str, value: object) -> str:
    return f"{name} must be {expected}, got {_type_name(value)}"


@dataclass(frozen=True)
class Text:
    """A string of 1..max_length characters, no control characters, optional pattern/choices."""

    max_length: int
    identifier: bool = False
    choices: tuple[str, ...] = ()

    def check(self, name: str, value: object) -> FieldValue:
        if not isinstance(value, str):
            raise _InvalidError(
                Reason.INVALID_FIELD, f"{name} must be a string, got {_type_name(value)}"
            )
        if not value.strip():
            raise _InvalidError(Reason.INVALID_FIELD, f"{name} must not be empty")
        if len(value) > self.max_length:
            raise _InvalidError(
                Reason.INVALID_FIELD,
                f"{name} is {len(value)} characters long, the limit is {self.max_length}",
            )
        # Fast path: printable ASCII has neither control characters nor lone surrogates.
        if not (value.isascii() and value.isprintable()):
            if _CONTROL.search(value):
                raise _InvalidError(Reason.INVALID_FIELD, f"{name} contains control characters")
            if _SURROGATE.search(value):
                raise _InvalidError(Reason.INVALID_FIELD, f"{name} is not valid Unicode")
        if self.identifier and not _IDENTIFIER.match(value):
            raise _InvalidError(
                Reason.INVALID_FIELD, f"{name} may only contain letters, digits and _ . : -"
            )
        if self.choices and value not in self.choices:
            raise _InvalidError(
                Reason.INVALID_FIELD,
                f"{name} {value!r} is not one of: {', '.join(self.choices)}",
            )
        return value


@dataclass(frozen=True)
class Number:
    """A number in [minimum, maximum]; integral_only refuses fractions, places caps decimals."""

    minimum: int
    maximum: int
    integral_only: bool = False
    places: int = 6

    def check(self, name: str, value: object) -> FieldValue:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise _InvalidError(
                Reason.INVALID_FIELD, f"{name} must be a number, got {_type_name(value)}"
            )
        if isinstance(value, Decimal) and not value.is_finite():
            raise _InvalidError(Reason.INVALID_FIELD, f"{name} must be a finite number")
        # Range first: it also keeps huge exponents (1E+999999) away from int().
        if not self.minimum <= value <= self.maximum:
            raise _InvalidError(
                Reason.INVALID_FIELD,
                f"{name} {value} is out of range [{self.minimum}, {self.maximum}]",
            )
        if isinstance(value, int):
            return value
        if value == value.to_integral_value():
            return int(value)
        if self.integral_only:
            raise _InvalidError(Reason.INVALID_FIELD, f"{name} must be a whole number, got {value}")
        too_precise = _InvalidError(
            Reason.INVALID_FIELD, f"{name} {value} has more than {self.places} decimals"
        )
        # adjusted() first: 1E-999999999 must not be expanded into a billion digits.
        if value.adjusted() < -self.places:
            raise too_precise
        whole, _, fraction = format(value, "f").partition(".")
        fraction = fraction.rstrip("0")
        if len(fraction) > self.places:
            raise too_precise
        # Plain notation: an exponent such as 1E-3 would leak into stored items.
        return Decimal(f"{whole}.{fraction}")


@dataclass(frozen=True)
class Boolean:
    """A JSON true/false."""

    def check(self, name: str, value: object) -> FieldValue:
        if not isinstance(value, bool):
            raise _InvalidError(
                Reason.INVALID_FIELD, f"{name} must be true or false, got {_type_name(value)}"
            )
        return value


@dataclass(frozen=True)
class Currency:
    """An ISO 4217 alphabetic code in upper case."""

    def check(self, name: str, value: object) -> FieldValue:
        if not isinstance(value, str):
            raise _InvalidError(
                Reason.INVALID_FIELD, f"{name} must be a string, got {_type_name(value)}"
            )
        if value not in ISO_4217_CODES:
            hint = " (codes are upper case)" if value.upper() in ISO_4217_CODES else ""
            raise _InvalidError(
                Reason.INVALID_FIELD, f"{name} {value[:16]!r} is not an ISO 4217 code{hint}"
            )
        return value


Check = Text | Number | Boolean | Currency


@dataclass(frozen=True)
class EventSchema:
    """The type-specific fields of one event type: required and optional checks."""

    required: Mapping[str, Check]
    optional: Mapping[str, Check]

    @property
    def checks(self) -> tuple[tuple[str, Check, bool], ...]:
        """(name, check, required) of every field, required ones first."""
        return tuple(
            [(name, check, True) for name, check in self.required.items()]
            + [(name, check, False) for name, check in self.optional.items()]
        )


URL = Text(2048)
# Seed fields, with the bounds documented in processor/README.md.
SCHEMAS: dict[str, EventSchema] = {
    "page_view": EventSchema(
        required={"pageUrl": URL, "loadTime": Number(0, 600_000, places=3)},
        optional={
            "sessionLength": Number(0, 86_400, places=3),
            "pagesViewed": Number(1, 10_000, integral_only=True),
        },
    ),
    "purchase": EventSchema(
        required={
            "amount": Number(0, 1_000_000_000, places=4),
            "currency": Currency(),
            "itemsCount": Number(1, 10_000, integral_only=True),
        },
        optional={"paymentMethod": Text(32, identifier=True)},
    ),
    "user_signup": EventSchema(
        required={"signupMethod": Text(32, identifier=True)},
        optional={"campaignSource": Text(64), "marketingConsent": Boolean()},
    ),
    "click": EventSchema(
        required={"elementId": Text(128)},
        optional={"elementType": Text(32, identifier=True), "pageUrl": URL},
    ),
    "error": EventSchema(
        required={"errorType": Text(64, identifier=True), "errorMessage": Text(2048)},
        optional={"pageUrl": URL},
    ),
}
_USER_ID = Text(128)
_EVENT_ID = Text(128)
_SESSION_ID = Text(128)
_DEVICE_TYPE = Text(16, choices=DEVICE_TYPES)
# Flattened once: validation runs for every record, the schemas never change.
_CHECKS = {event_type: schema.checks for event_type, schema in SCHEMAS.items()}
# format_timestamp()'s own output: such a timestamp is stored as sent, without re-formatting.
_CANONICAL_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"
)


def parse_timestamp(name: str, value: object) -> datetime:
    """ISO-8601 date and time with a UTC offset (or Z), between 2000 and 2100, as UTC."""
    if not isinstance(value, str):
        raise _InvalidError(Reason.INVALID_FIELD, _wrong_type(name, "a string", value))
    text = value.strip()
    try:
        if len(text) > 40 or "T" not in text.upper():
            raise ValueError("no time part")
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _InvalidError(
            Reason.INVALID_FIELD,
            f"{name} {value[:40]!r} is not an ISO-8601 date-time like 2024-01-01T12:00:00Z",
        ) from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _InvalidError(Reason.INVALID_FIELD, f"{name} {value!r} has no UTC offset (add Z)")
    parsed = parsed.astimezone(UTC)
    if not TIMESTAMP_MIN <= parsed < TIMESTAMP_MAX:
        raise _InvalidError(Reason.INVALID_FIELD, f"{name} {value!r} is not between 2000 and 2100")
    return parsed


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds: the results table's sort key format."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def minute_of(timestamp: str) -> str:
    """The minute bucket of a format_timestamp() string (a slice: cheaper than strftime)."""
    return timestamp[:16] + "Z"


def _field(data: Mapping[str, Any], name: str, check: Check, *, required: bool) -> object:
    value = data.get(name)
    if value is None:
        if required:
            raise _InvalidError(Reason.MISSING_FIELD, f"required field {name} is missing")
        return None
    return check.check(name, value)


def validate_event_data(
    data: Mapping[str, Any], *, default_event_id: str, arrival: datetime
) -> ValidEvent | Rejection:
    """Validate one decoded event and normalise it, or say precisely why it can never be valid.

    `default_event_id` (derived from the stream position) is used when the event has no
    `eventId`; `arrival` (the record's arrival time) when it has no `timestamp`. Fields other
    than the common and type-specific ones are ignored. An absent or null optional field is
    left out.
    """
    try:
        return _validate(data, default_event_id, arrival)
    except _InvalidError as invalid:
        return invalid.rejection


def _validate(data: Mapping[str, Any], default_event_id: str, arrival: datetime) -> ValidEvent:
    if "eventType" not in data or data["eventType"] is None:
        raise _InvalidError(Reason.MISSING_FIELD, "required field eventType is missing")
    event_type = data["eventType"]
    if not isinstance(event_type, str):
        raise _InvalidError(
            Reason.INVALID_FIELD, f"eventType must be a string, got {_type_name(event_type)}"
        )
    checks = _CHECKS.get(event_type)
    if checks is None:
        raise _InvalidError(
            Reason.UNKNOWN_TYPE,
            f"unknown eventType {event_type[:64]!r} (expected one of: {', '.join(EVENT_TYPES)})",
        )
    user_id = _field(data, "userId", _USER_ID, required=True)
    event_id = _field(data, "eventId", _EVENT_ID, required=False)
    session_id = _field(data, "sessionId", _SESSION_ID, required=False)
    device_type = _field(data, "deviceType", _DEVICE_TYPE, required=False)
    sent = data.get("timestamp")
    if sent is None:
        timestamp = format_timestamp(arrival)
    else:
        moment = parse_timestamp("timestamp", sent)
        canonical = isinstance(sent, str) and _CANONICAL_TIMESTAMP.fullmatch(sent)
        timestamp = sent if canonical else format_timestamp(moment)
    fields: dict[str, FieldValue] = {}
    for name, check, required in checks:
        value = _field(data, name, check, required=required)
        if value is not None:
            fields[name] = value  # type: ignore[assignment]
    return ValidEvent(
        event_id=str(event_id) if event_id is not None else default_event_id,
        event_type=event_type,
        user_id=str(user_id),
        timestamp=timestamp,
        minute=minute_of(timestamp),
        device_type=str(device_type) if device_type is not None else UNKNOWN_DEVICE,
        session_id=None if session_id is None else str(session_id),
        fields=fields,
    )
