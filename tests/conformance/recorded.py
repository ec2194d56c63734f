"""Loading the recordings and matching the driver's output against their placeholders."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.driver.records import StreamRecord

RECORDINGS = Path(__file__).parent / "recordings"

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_PLACEHOLDER = re.compile(r"<([a-z-]+)(?::(\d+))?>")


def load(name: str) -> dict[str, Any]:
    data = json.loads((RECORDINGS / name).read_text())
    assert isinstance(data, dict)
    return data


@dataclass(frozen=True)
class Bindings:
    """What the placeholders of a recording stand for in one run of the driver."""

    records: Sequence[StreamRecord]
    function_arn: str
    stream_arn: str
    role_arn: str
    region: str
    invocations: int

    def resolve(self, name: str, index: str | None) -> Any:
        record = self.records[int(index) - 1] if index else None
        if record is not None:
            values: dict[str, Any] = {
                "seq": record.sequence_number,
                "data": record.data_base64,
                "key": record.partition_key,
                "arrival": round(record.arrival, 3),
            }
            return values[name]
        return {
            "function-arn": self.function_arn,
            "stream-arn": self.stream_arn,
            "role-arn": self.role_arn,
            "region": self.region,
            "shard-id": self.records[0].shard_id,
            "invocations": self.invocations,
        }[name]


def mismatches(expected: Any, actual: Any, bound: Bindings, path: str = "$") -> list[str]:
    """Every place where `actual` differs from the recording (empty: it conforms)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        found: list[str] = []
        for key in sorted(expected.keys() - actual.keys()):
            found.append(f"{path}.{key}: missing (AWS sends it)")
        for key in sorted(actual.keys() - expected.keys()):
            found.append(f"{path}.{key}: present (AWS leaves it out)")
        for key in sorted(expected.keys() & actual.keys()):
            found += mismatches(expected[key], actual[key], bound, f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        return [
            m
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for m in mismatches(e, a, bound, f"{path}[{i}]")
        ]
    if isinstance(expected, str) and _PLACEHOLDER.search(expected):
        return _placeholder_mismatch(expected, actual, bound, path)
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def _placeholder_mismatch(expected: str, actual: Any, bound: Bindings, path: str) -> list[str]:
    if expected == "<uuid>":
        ok = isinstance(actual, str) and bool(_UUID.match(actual))
    elif expected == "<timestamp>":
        ok = isinstance(actual, str) and bool(_TIMESTAMP.match(actual))
    else:
        whole = _PLACEHOLDER.fullmatch(expected)
        if whole:  # a single placeholder keeps its type (numbers stay numbers)
            value = bound.resolve(whole.group(1), whole.group(2))
        else:
            value = _PLACEHOLDER.sub(lambda m: str(bound.resolve(m.group(1), m.group(2))), expected)
        ok = type(value) is type(actual) and value == actual
        expected = f"{expected} = {value!r}"
    return [] if ok else [f"{path}: expected {expected}, got {actual!r}"]
