"""When a lane's pending records make a batch: full, window expired, or 6 MB of payload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from devtools.driver.records import MAX_PAYLOAD_BYTES, StreamRecord


@dataclass(frozen=True)
class PendingRecord:
    """A record waiting in a lane, with the time the driver read it (the window starts there)."""

    record: StreamRecord
    read_at: float


@dataclass(frozen=True)
class BatchRule:
    """AWS's three triggers for invoking: batch size, batching window, payload limit."""

    batch_size: int
    window_seconds: float
    max_payload_bytes: int = MAX_PAYLOAD_BYTES

    def take_count(self, pending: Sequence[PendingRecord]) -> int:
        """How many leading pending records fit one batch (never 0 when something is pending)."""
        size = 0
        count = 0
        for item in pending:
            if count >= self.batch_size:
                break
            size += item.record.payload_bytes
            if count and size > self.max_payload_bytes:
                break
            count += 1
        return count

    def is_ready(self, pending: Sequence[PendingRecord], now: float, *, flush: bool) -> bool:
        """Whether to invoke now; `flush` when no more records can come (closed shard)."""
        if not pending:
            return False
        if flush or self.window_seconds <= 0:
            return True
        count = self.take_count(pending)
        if count < len(pending):
            return True  # batch size or payload limit reached
        if count >= self.batch_size:
            return True
        return now - pending[0].read_at >= self.window_seconds

    def ready_at(self, pending: Sequence[PendingRecord]) -> float | None:
        """When the window of the oldest pending record expires (for the loop's sleep)."""
        if not pending:
            return None
        return pending[0].read_at + self.window_seconds
