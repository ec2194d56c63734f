"""What an invocation meant for its batch: success, function error, or partial failure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from devtools.driver.records import StreamRecord


@dataclass(frozen=True)
class InvokeResult:
    """The raw answer of a RequestResponse Invoke."""

    status_code: int
    payload: bytes
    function_error: str | None = None
    executed_version: str = "$LATEST"
    duration_ms: float = 0.0


class Verdict(Enum):
    """How the batch ended."""

    SUCCESS = "success"
    PARTIAL = "partial"  # some records reported in batchItemFailures
    FAILED = "failed"  # function error, or a response that fails the whole batch


@dataclass(frozen=True)
class Outcome:
    """The verdict plus, for PARTIAL, the index of the lowest failed record in the batch."""

    verdict: Verdict
    first_failed_index: int = 0
    reason: str = ""


def _failure_identifiers(body: Any) -> list[Any] | None:
    """The batchItemFailures list, [] for success shapes, None when malformed."""
    if body is None:
        return []
    if not isinstance(body, dict):
        # AWS treats a non-object answer as success only when it is not a partial response
        return []
    failures = body.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return None
    return failures


def interpret(
    result: InvokeResult,
    batch: Sequence[StreamRecord],
    *,
    report_batch_item_failures: bool,
) -> Outcome:
    """Apply AWS's rules to one invocation of `batch`."""
    if result.function_error:
        return Outcome(Verdict.FAILED, reason=f"function error ({result.function_error})")
    if not report_batch_item_failures:
        return Outcome(Verdict.SUCCESS)
    try:
        body = json.loads(result.payload) if result.payload.strip() else None
    except (ValueError, UnicodeDecodeError):
        # A partial-response function that answers something unparsable fails the batch.
        return Outcome(Verdict.FAILED, reason="response is not JSON")
    identifiers = _failure_identifiers(body)
    if identifiers is None:
        return Outcome(Verdict.FAILED, reason="batchItemFailures is not a list")
    if not identifiers:
        return Outcome(Verdict.SUCCESS)
    index_by_sequence = {record.sequence_number: index for index, record in enumerate(batch)}
    lowest: int | None = None
    for item in identifiers:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or not identifier:
            return Outcome(Verdict.FAILED, reason=f"malformed itemIdentifier {item!r}")
        index = index_by_sequence.get(identifier)
        if index is None:
            return Outcome(Verdict.FAILED, reason=f"unknown itemIdentifier {identifier!r}")
        lowest = index if lowest is None else min(lowest, index)
    assert lowest is not None
    return Outcome(Verdict.PARTIAL, first_failed_index=lowest, reason="batchItemFailures")
