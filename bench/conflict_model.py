"""DynamoDB's transaction-conflict rule, applied at the client for an emulator that has none."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

ItemKey = tuple[str, str]  # (metricKey, sort key)


class ConflictModel:
    """Which aggregates items each invocation is writing right now, and who must be cancelled.

    DynamoDB cancels a TransactWriteItems with reason `TransactionConflict` when one of its
    items is part of another ongoing transaction, and rejects a single-item write to such an
    item with `TransactionConflictException` (DynamoDB developer guide, "Transaction conflict
    handling in DynamoDB"). MiniStack serialises requests and never does either. Here a write
    that arrives while another invocation's write to one of its items is in flight is the one
    cancelled; DynamoDB may cancel either side, so the count is the rate, not who pays it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inflight: dict[ItemKey, Counter[str]] = {}

    def enter(self, writer: str, keys: Iterable[ItemKey]) -> set[ItemKey]:
        """Start `writer`'s write of `keys`; the keys in conflict (then nothing is started)."""
        wanted = set(keys)
        with self._lock:
            busy = {
                key
                for key in wanted
                if any(
                    n for other, n in self._inflight.get(key, Counter()).items() if other != writer
                )
            }
            if busy:
                return busy
            for key in wanted:
                self._inflight.setdefault(key, Counter())[writer] += 1
            return set()

    def leave(self, writer: str, keys: Iterable[ItemKey]) -> None:
        with self._lock:
            for key in set(keys):
                holders = self._inflight.get(key)
                if holders is None:
                    continue
                holders[writer] -= 1
                if holders[writer] <= 0:
                    del holders[writer]
                if not holders:
                    del self._inflight[key]


def cancelled_response(operation: str, conflicts: list[bool]) -> tuple[AWSResponse, dict[str, Any]]:
    """What DynamoDB answers a write cancelled for a conflict (`conflicts`: per transaction
    action, whether its item is in conflict), as botocore's before-call hook may return it."""
    http = AWSResponse("http://conflict-model.invalid/", 400, HTTPHeaders(), None)
    if operation == "TransactWriteItems":
        codes = ["TransactionConflict" if hit else "None" for hit in conflicts]
        parsed: dict[str, Any] = {
            "Error": {
                "Code": "TransactionCanceledException",
                "Message": f"Transaction cancelled, please refer cancellation reasons for "
                f"specific reasons [{', '.join(codes)}]",
            },
            "CancellationReasons": [{"Code": code} for code in codes],
        }
    else:
        parsed = {
            "Error": {
                "Code": "TransactionConflictException",
                "Message": "Transaction is ongoing for the item",
            }
        }
    parsed["ResponseMetadata"] = {"HTTPStatusCode": 400, "HTTPHeaders": {}}
    return http, parsed
