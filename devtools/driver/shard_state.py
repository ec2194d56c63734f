"""The live state of a shard and of its lanes: buffered records, batches in flight, progress."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from devtools.driver.batching import PendingRecord
from devtools.driver.exceptions import InvokeError
from devtools.driver.policy import Chunk
from devtools.driver.ports import ShardInfo, StartPosition
from devtools.driver.records import StreamRecord
from devtools.driver.response import InvokeResult
from devtools.driver.shard_reader import ReadBatch, ShardReader
from devtools.driver.windows import Window

# Shard phases: waiting for parents, being read, fully read (draining), all records finished.
WAITING, ACTIVE, CLOSED, FINISHED = "waiting", "active", "closed", "finished"


@dataclass
class Lane:
    """One of a shard's ParallelizationFactor batch streams: records of its partition keys."""

    index: int
    pending: deque[PendingRecord] = field(default_factory=deque)
    chunks: deque[Chunk] = field(default_factory=deque)
    inflight: Future[InvokeResult | InvokeError] | None = None
    inflight_chunk: Chunk | None = None
    last_done: str | None = None
    skip_through: int | None = None
    window: Window | None = None  # the open tumbling window, until its final invocation
    window_state: dict[str, Any] = field(default_factory=dict)

    def idle(self) -> bool:
        return (
            not self.pending and not self.chunks and self.inflight is None and self.window is None
        )


class ShardRun:
    """One shard's live state."""

    def __init__(self, info: ShardInfo, lanes: int) -> None:
        self.info = info
        self.phase = WAITING
        self.start: StartPosition | None = None
        self.reader: ShardReader | None = None
        self.read_future: Future[ReadBatch | Exception] | None = None
        self.lanes = [Lane(i) for i in range(lanes)]
        self.unfinished: deque[str] = deque()
        self.done: set[str] = set()
        self.arrivals: dict[str, float] = {}
        self.checkpoint: str | None = None
        self.latest_sequence: str | None = None
        self.millis_behind = 0
        self.next_poll_at = 0.0
        self.last_result = "No records processed"
        self.invocations = 0
        self.failures = 0
        self.records_delivered = 0
        self.records_to_destination = 0
        self.records_discarded = 0
        self.records_filtered = 0

    @property
    def shard_id(self) -> str:
        return self.info.shard_id

    def open_count(self) -> int:
        return len(self.unfinished) - len(self.done)

    def mark_done(self, lane: Lane, records: Iterable[StreamRecord]) -> bool:
        """Finish records (lane checkpoint moves); returns whether the shard checkpoint moved."""
        for record in records:
            self.done.add(record.sequence_number)
            if lane.last_done is None or record.sequence > int(lane.last_done):
                lane.last_done = record.sequence_number
        moved = False
        while self.unfinished and self.unfinished[0] in self.done:
            sequence = self.unfinished.popleft()
            self.done.discard(sequence)
            self.arrivals.pop(sequence, None)
            self.checkpoint = sequence
            moved = True
        return moved
