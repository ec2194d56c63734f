"""Why a record was quarantined: the reason codes and the rejection value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
