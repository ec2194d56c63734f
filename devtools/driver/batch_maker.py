"""What a lane invokes next: a retried chunk, a new batch, or a window's final invocation."""

from __future__ import annotations

from devtools.driver.batching import BatchRule
from devtools.driver.policy import Chunk
from devtools.driver.ports import Clock
from devtools.driver.records import EventContext, encode_event
from devtools.driver.shard_state import Lane, ShardRun
from devtools.driver.windows import window_fields, window_of


class BatchMaker:
    """Forms a lane's batches under the batching rule and, if set, tumbling windows."""

    def __init__(
        self, rule: BatchRule, *, window_seconds: int, clock: Clock, context: EventContext
    ) -> None:
        self.rule = rule
        self.window_seconds = window_seconds
        self._clock = clock
        self._context = context

    def next_chunk(self, lane: Lane, now: float, *, flush: bool) -> Chunk | None:
        """The lane's next chunk to invoke, or None when nothing is due yet."""
        if lane.chunks:
            if lane.chunks[0].not_before > now:
                return None
            return lane.chunks.popleft()
        if self.window_seconds:
            return self._next_window_chunk(lane, now, flush=flush)
        if not self.rule.is_ready(lane.pending, now, flush=flush):
            return None
        count = self.rule.take_count(lane.pending)
        return Chunk(records=tuple(lane.pending.popleft().record for _ in range(count)))

    def _next_window_chunk(self, lane: Lane, now: float, *, flush: bool) -> Chunk | None:
        """Tumbling windows: batches never span two windows; a window ends with a final
        invocation (no records) once a later window's record is waiting, its end has passed,
        or the shard is closed."""
        seconds = self.window_seconds
        first = window_of(lane.pending[0].record.arrival, seconds) if lane.pending else None
        if lane.window is not None and (
            (first is not None and first != lane.window)
            or (first is None and (flush or self._clock.time() >= lane.window.end))
        ):
            return Chunk(records=())  # the final invocation of lane.window
        if first is None:
            return None
        same = 0
        for item in lane.pending:
            if window_of(item.record.arrival, seconds) != first:
                break
            same += 1
        boundary = same < len(lane.pending)
        if not (boundary or self.rule.is_ready(lane.pending, now, flush=flush)):
            return None
        count = min(same, self.rule.take_count(lane.pending))
        return Chunk(records=tuple(lane.pending.popleft().record for _ in range(count)))

    def due_at(self, lane: Lane) -> float | None:
        """The monotonic time the idle lane's next batch (or final invocation) becomes due."""
        if lane.chunks:
            return lane.chunks[0].not_before
        due = [at for at in (self.rule.ready_at(lane.pending),) if at is not None]
        if lane.window is not None:  # the final invocation at the window's end
            wall_wait = lane.window.end - self._clock.time()
            due.append(self._clock.monotonic() + max(0.0, wall_wait))
        return min(due) if due else None

    def payload(self, run: ShardRun, lane: Lane, chunk: Chunk) -> bytes:
        """The Invoke payload; opens the lane's window with an empty state on its first batch."""
        if not self.window_seconds:
            return encode_event(chunk.records, self._context)
        if lane.window is None:
            lane.window = window_of(chunk.records[0].arrival, self.window_seconds)
            lane.window_state = {}
        extra = window_fields(
            lane.window,
            lane.window_state,
            shard_id=run.shard_id,
            stream_arn=self._context.stream_arn,
            final=not chunk.records,
        )
        return encode_event(chunk.records, self._context, extra)
