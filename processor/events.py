"""Decoded records and validated events: the values that flow through the pure path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# A validated field value: JSON strings, integers, exact decimals and booleans only.
FieldValue = str | int | Decimal | bool


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Where a record sits in the stream, and its original payload (still base64)."""

    shard_id: str
    sequence_number: str
    partition_key: str
    arrival: datetime
    data_base64: str


@dataclass(frozen=True, slots=True)
class ValidEvent:
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
    fields: dict[str, FieldValue] = field(default_factory=dict)
