"""FilterCriteria: AWS's event-filtering patterns applied to Kinesis records before batching."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from devtools.driver.exceptions import InvalidMappingError
from devtools.driver.records import StreamRecord

_MISSING = object()
_NUMERIC_OPS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def parse_filters(filter_criteria: Any) -> tuple[dict[str, Any], ...]:
    """The patterns of `{"Filters": [{"Pattern": "<json>"}, ...]}`; raises InvalidMappingError."""
    if not filter_criteria:
        return ()
    if not isinstance(filter_criteria, Mapping):
        raise InvalidMappingError(f"FilterCriteria={filter_criteria!r} is not an object")
    patterns: list[dict[str, Any]] = []
    for index, entry in enumerate(filter_criteria.get("Filters") or []):
        text = entry.get("Pattern") if isinstance(entry, Mapping) else None
        try:
            pattern = json.loads(text) if isinstance(text, str) else None
        except ValueError as exc:
            raise InvalidMappingError(f"FilterCriteria filter {index}: not JSON ({exc})") from exc
        if not isinstance(pattern, dict):
            raise InvalidMappingError(f"FilterCriteria filter {index}: pattern is not an object")
        patterns.append(pattern)
    return tuple(patterns)


def filterable(record: StreamRecord, region: str, stream_arn: str) -> dict[str, Any]:
    """What a Kinesis pattern sees: the metadata fields, and `data` decoded when it is JSON."""
    view: dict[str, Any] = {
        "partitionKey": record.partition_key,
        "sequenceNumber": record.sequence_number,
        "approximateArrivalTimestamp": record.arrival,
        "kinesisSchemaVersion": "1.0",
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{record.shard_id}:{record.sequence_number}",
        "eventName": "aws:kinesis:record",
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }
    # Data that is not JSON is left out: a data pattern cannot match it, metadata ones can.
    with contextlib.suppress(ValueError, binascii.Error):
        view["data"] = json.loads(base64.b64decode(record.data_base64, validate=True))
    return view


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _numeric(conditions: Sequence[Any], value: Any) -> bool:
    number = _number(value)
    if number is None:
        return False
    for index in range(0, len(conditions) - 1, 2):
        op, bound = conditions[index], _number(conditions[index + 1])
        if bound is None or op not in _NUMERIC_OPS or not _NUMERIC_OPS[op](number, bound):
            return False
    return True


def _scalar_matches(rule: Any, value: Any) -> bool:
    """One entry of a pattern's value list against one value (present, not a list)."""
    if not isinstance(rule, dict):
        rule_number, value_number = _number(rule), _number(value)
        if rule_number is not None or value_number is not None:
            return rule_number == value_number
        return type(rule) is type(value) and bool(rule == value)  # "true" never equals true
    if "prefix" in rule:
        return isinstance(value, str) and value.startswith(str(rule["prefix"]))
    if "suffix" in rule:
        return isinstance(value, str) and value.endswith(str(rule["suffix"]))
    if "equals-ignore-case" in rule:
        return isinstance(value, str) and value.lower() == str(rule["equals-ignore-case"]).lower()
    if "numeric" in rule:
        return _numeric(rule["numeric"], value)
    if "anything-but" in rule:
        banned = rule["anything-but"]
        if isinstance(banned, dict):
            return not _scalar_matches(banned, value)
        banned_list = banned if isinstance(banned, list) else [banned]
        return not any(_scalar_matches(item, value) for item in banned_list)
    return False


def _value_matches(rules: Sequence[Any], value: Any) -> bool:
    for rule in rules:
        if isinstance(rule, dict) and "exists" in rule:
            if bool(rule["exists"]) == (value is not _MISSING):
                return True
            continue
        if value is _MISSING:
            continue
        candidates = value if isinstance(value, list) else [value]
        if any(_scalar_matches(rule, candidate) for candidate in candidates):
            return True
    return False


def matches(pattern: Mapping[str, Any], view: Mapping[str, Any]) -> bool:
    """Every key of the pattern must match (AND); within a key's list any rule may (OR)."""
    for key, rules in pattern.items():
        value = view.get(key, _MISSING) if isinstance(view, Mapping) else _MISSING
        if isinstance(rules, dict):
            if not isinstance(value, Mapping) or not matches(rules, value):
                return False
        elif isinstance(rules, list):
            if not _value_matches(rules, value):
                return False
        else:
            return False  # AWS rejects such patterns; never match rather than guess
    return True


def keep(
    record: StreamRecord,
    patterns: Sequence[Mapping[str, Any]],
    *,
    region: str,
    stream_arn: str,
) -> bool:
    """Whether the record is delivered: no filters, or it matches at least one (OR)."""
    if not patterns:
        return True
    view = filterable(record, region, stream_arn)
    return any(matches(pattern, view) for pattern in patterns)
