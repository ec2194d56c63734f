"""Validation of one record's bytes: msgspec decodes and checks in one pass; rejections say why."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Union, cast

import msgspec

from processor.model import registry
from processor.model.common import COMMON_FIELDS, UNKNOWN_DEVICE, USER_ID
from processor.model.rules import InvalidFieldError, Text, stored_timestamp, type_name
from processor.model.spec import EventType, Field
from processor.types import FieldValue, Reason, Rejection, ValidEvent

# Keeps items far below DynamoDB's 400 KB and a full transaction below 4 MB.
MAX_EVENT_BYTES = 32 * 1024

# userId, eventId and sessionId share one rule.
_ID_TEXT = cast(Text, USER_ID.rule)


def _wire_field(declared: Field) -> tuple[str, Any, Any] | tuple[str, Any]:
    wire = declared.rule.wire_type()
    if declared.required:
        return (declared.name, wire)
    if wire is msgspec.Raw:  # Raw cannot be optional: absent it is empty, null it is b"null"
        return (declared.name, wire, msgspec.Raw())
    return (declared.name, wire | None, None)


def _struct(declared: EventType) -> type[msgspec.Struct]:
    fields = [_wire_field(f) for f in (*COMMON_FIELDS, *declared.fields)]
    fields.append(("timestamp", str | None, None))
    # gc=False: a wire struct holds only strings, numbers and raw bytes (no cycles), so the
    # garbage collector need not track one per record.
    name = declared.name
    return msgspec.defstruct(
        f"Wire_{name}", fields, tag_field="eventType", tag=name, kw_only=True, gc=False
    )


@functools.cache
def _decoder() -> tuple[msgspec.json.Decoder[Any], dict[type, EventType]]:
    """The tagged union of every registered type, and the type each struct is."""
    by_struct = {_struct(t): t for t in registry.all_types()}
    union = Union[tuple(by_struct)] if by_struct else Any  # noqa: UP007
    return msgspec.json.Decoder(union), by_struct


registry.on_change(_decoder.cache_clear)


def wire_decoder() -> msgspec.json.Decoder[Any]:
    """The msgspec decoder of the registered types' tagged union (benchmarks compare it)."""
    return _decoder()[0]


def validate_record(
    data: bytes, *, default_event_id: str = "", arrival: float | None = None
) -> ValidEvent | Rejection:
    """Validate one record's bytes: the normalised event, or precisely why it never can be.

    `default_event_id` is used when the event has no eventId;
    `arrival` (epoch seconds, default: now) when it has no timestamp.
    """
    if len(data) > MAX_EVENT_BYTES:
        return Rejection(
            Reason.OVERSIZE, f"payload is {len(data)} bytes, the limit is {MAX_EVENT_BYTES}"
        )
    moment = arrival if arrival is not None else time.time()
    decoder, types = _decoder()
    try:
        wire = decoder.decode(data)
        return _event(wire, types[wire.__class__], default_event_id, moment)
    except (msgspec.ValidationError, msgspec.DecodeError, InvalidFieldError):
        # Rare (poison records, and valid ones msgspec is stricter about, such as a count of
        # 3.0): the careful path decides, and says which rule failed and where.
        return _diagnose(data, default_event_id, moment)


def _event(wire: Any, declared: EventType, default_id: str, arrival: float) -> ValidEvent:
    """The event msgspec decoded, once the rules it leaves to Python hold (else raises)."""
    user_id = _ID_TEXT.after_decode("userId", wire.userId)
    event_id = _ID_TEXT.after_decode("eventId", wire.eventId)
    session_id = _ID_TEXT.after_decode("sessionId", wire.sessionId)
    timestamp = stored_timestamp(wire.timestamp, arrival)
    fields: dict[str, FieldValue] = {}
    for field in declared.fields:
        value = field.rule.after_decode(field.name, getattr(wire, field.name))
        if value is not None:
            fields[field.name] = value
        elif field.required:  # a raw number may be null
            raise InvalidFieldError(Reason.MISSING_FIELD, f"required field {field.name} is missing")
    return ValidEvent(
        default_id if event_id is None else event_id,
        declared.name,
        user_id,  # type: ignore[arg-type]
        timestamp,
        timestamp[:16] + "Z",
        wire.deviceType or UNKNOWN_DEVICE,
        session_id,
        fields,
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for the careful path: json.loads(..., parse_float=...) builds a new one per call.
_JSON = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


def _diagnose(data: bytes, default_id: str, arrival: float) -> ValidEvent | Rejection:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(Reason.NOT_UTF8, f"payload is not UTF-8: {exc.reason} at byte {exc.start}")
    try:
        document = _JSON.decode(text)
    except (ValueError, RecursionError) as exc:
        return Rejection(Reason.NOT_JSON, f"payload is not JSON: {_short(exc)}")
    if not isinstance(document, dict):
        return Rejection(
            Reason.NOT_OBJECT, f"payload is a JSON {type(document).__name__}, not an object"
        )
    return validate_document(document, default_event_id=default_id, arrival=arrival)


def validate_document(
    data: Mapping[str, Any], *, default_event_id: str = "", arrival: float
) -> ValidEvent | Rejection:
    """Validate an already decoded event (numbers as int/Decimal) rule by rule, in field order.

    The first failing rule is the rejection. Fields not declared are ignored; null is absent.
    """
    try:
        declared = _declared(data.get("eventType"))
        user_id, event_id, session_id, device_type = (_value(data, f) for f in COMMON_FIELDS)
        timestamp = stored_timestamp(data.get("timestamp"), arrival)
        fields = {f.name: value for f in declared.fields if (value := _value(data, f)) is not None}
    except InvalidFieldError as invalid:
        return invalid.rejection
    return ValidEvent(
        default_event_id if event_id is None else event_id,
        declared.name,
        user_id,
        timestamp,
        timestamp[:16] + "Z",
        device_type or UNKNOWN_DEVICE,
        session_id,
        fields,
    )


def _declared(event_type: object) -> EventType:
    if event_type is None:
        raise InvalidFieldError(Reason.MISSING_FIELD, "required field eventType is missing")
    if not isinstance(event_type, str):
        raise InvalidFieldError(
            Reason.INVALID_FIELD, f"eventType must be a string, got {type_name(event_type)}"
        )
    declared = registry.get(event_type)
    if declared is None:
        known = ", ".join(registry.event_types())
        raise InvalidFieldError(
            Reason.UNKNOWN_TYPE, f"unknown eventType {event_type[:64]!r} (expected one of: {known})"
        )
    return declared


def _value(data: Mapping[str, Any], field: Field) -> Any:
    value = data.get(field.name)
    if value is None:
        if field.required:
            raise InvalidFieldError(Reason.MISSING_FIELD, f"required field {field.name} is missing")
        return None
    return field.rule.check(field.name, value)


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
