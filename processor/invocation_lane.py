"""Lane ids for in-flight invocations: the aggregates partial items each one writes."""

from __future__ import annotations

import heapq
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# 48 random bits: two environments of one function drawing the same token is negligible.
TOKEN_BYTES = 6
LANE_SLOT_SEPARATOR = "."


class LanePool:
    """Hands each in-flight invocation of this process a lane id no other in-flight one holds.

    Concurrent invocations that add to the same aggregates item in transactions cancel each
    other in DynamoDB (TransactionConflict); keyed by lane, they never share an item. An AWS
    Lambda execution environment runs one invocation at a time and Lambda provisions a
    separate environment for each concurrent request (AWS Lambda developer guide,
    "Understanding Lambda function scaling" and "Lambda execution environment lifecycle"), so
    two invocations that overlap run in different processes, each with its own random token.
    On Lambda the pool therefore holds one lane per environment and always gives out the bare
    token. A host that runs invocations concurrently in threads of one process (an emulator,
    the benchmarks, tests) gets the token plus the lowest free slot number, so overlapping
    invocations still hold distinct ids while sequential ones reuse the same one, which keeps
    the items per minute at about one per environment.

    The token is drawn at the first lease, not at import: with SnapStart every environment
    resumes from one snapshot of the init phase, and a token drawn there would be shared
    (AWS Lambda developer guide, "Handling uniqueness with Lambda SnapStart").
    """

    def __init__(self, token: str | None = None) -> None:
        self._token = token
        self._lock = threading.Lock()
        self._free: list[int] = []  # released slots, a heap: the lowest is reused first
        self._next = 0  # slots ever handed out

    @contextmanager
    def lease(self) -> Iterator[str]:
        """A lane id held until the block ends, whatever happens inside it."""
        with self._lock:
            if self._token is None:
                self._token = secrets.token_hex(TOKEN_BYTES)
            if self._free:
                slot = heapq.heappop(self._free)
            else:
                slot, self._next = self._next, self._next + 1
        try:
            yield self._token if slot == 0 else f"{self._token}{LANE_SLOT_SEPARATOR}{slot}"
        finally:
            with self._lock:
                heapq.heappush(self._free, slot)
