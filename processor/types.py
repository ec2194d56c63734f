"""Values of the pure path, reason codes and exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

# A validated field value: JSON strings, integers, exact decimals and booleans only.
FieldValue = str | int | Decimal | bool
# DynamoDB attribute values as the low-level client speaks them, e.g. {"S": "x"} or {"N": "1"}.
AttributeValue = dict[str, object]
Item = dict[str, AttributeValue]


class RecordRef(NamedTuple):
    """Where a record sits in the stream, and its original payload (still base64).

    Named tuples, not frozen dataclasses, for the values made per record: as immutable, and
    several times cheaper to build on the hot path.
    """

    shard_id: str
    sequence_number: str
    partition_key: str
    arrival: float  # approximateArrivalTimestamp: epoch seconds, as Kinesis gives it
    data_base64: str


class ValidEvent(NamedTuple):
    """An event that passed validation, normalised.

    `timestamp` is ISO-8601 UTC with milliseconds (`2024-01-01T12:00:00.000Z`), the arrival
    time when the event had none; `minute` is its aggregates bucket (`2024-01-01T12:00Z`).
    `fields` holds the type-specific fields as validated (absent optional fields are left out).
    """

    event_id: str
    event_type: str
    user_id: str
    timestamp: str
    minute: str
    device_type: str
    session_id: str | None
    fields: dict[str, FieldValue]


class Reason(StrEnum):
    """Reason codes; each is also a path segment of the quarantine object key."""

    NOT_BASE64 = "not_base64"
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    OVERSIZE = "oversize"
    # DynamoDB refused the item itself (ValidationError cancellation reason): retrying cannot help.
    UNSTORABLE = "unstorable"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that can never be valid: the reason code and a human-readable detail."""

    reason: Reason
    detail: str


class SettingsError(Exception):
    """When an environment variable the function needs is missing or malformed (cold start)."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"environment variable {variable}: {problem}")
        self.variable = variable
        self.problem = problem


class MalformedEventError(Exception):
    """When the invocation payload is not a Kinesis event (no `Records` list of kinesis records).

    A malformed envelope is a wiring bug, not a poison record: the whole invocation fails.
    """
