"""The mapping engine: reads shards, forms batches per lane, invokes, applies AWS's error rules."""

from __future__ import annotations

import json
import logging
import os
import statistics
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from devtools.driver.batching import BatchRule, PendingRecord
from devtools.driver.config import MappingConfig
from devtools.driver.exceptions import DestinationError, DriverError, InvokeError
from devtools.driver.failure_record import invocation_record, is_s3_destination, s3_object_key
from devtools.driver.filtering import keep
from devtools.driver.policy import Chunk, RetryRule, decide, split_expired
from devtools.driver.ports import (
    Clock,
    FailureDestination,
    Invoker,
    RecordSource,
    ShardInfo,
    StartPosition,
    StatusSink,
)
from devtools.driver.records import EventContext, encode_event
from devtools.driver.response import InvokeResult, Outcome, Verdict, interpret
from devtools.driver.shard_reader import ReadBatch, ShardReader
from devtools.driver.shard_state import ACTIVE, CLOSED, FINISHED, WAITING, Lane, ShardRun
from devtools.driver.state import Checkpoints, CheckpointStore, ShardCheckpoint
from devtools.driver.status import DriverStatus, InvocationStats, ShardStatus
from devtools.driver.windows import returned_state, window_fields, window_of

logger = logging.getLogger("devtools.driver")

_T = TypeVar("_T")


class InlineExecutor(Executor):
    """Runs each submitted call at once in the caller's thread: deterministic unit tests."""

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class EngineOptions:
    """Pacing of the driver itself (not mapping settings)."""

    idle_poll_seconds: float = 0.2  # GetRecords cadence of a shard that returned nothing (AWS: 1 s)
    shard_refresh_seconds: float = 1.0  # ListShards cadence (reshard detection)
    max_buffered_records: int = 20_000  # per shard, read but unfinished
    invoke_error_backoff_seconds: float = 0.5
    destination_retry_seconds: float = 1.0
    source_error_backoff_seconds: float = 1.0
    status_interval_seconds: float = 1.0  # status.json refresh when nothing moves
    status_min_interval_seconds: float = 0.1  # and at most this often while records move
    read_batches_ahead: int = 2  # GetRecords limit: this many batches per lane (min 500)
    retry_backoff_base_seconds: float = 0.05
    retry_backoff_max_seconds: float = 2.0
    recent_durations: int = 500
    shutdown_grace_seconds: float = 5.0  # then in-flight batches are abandoned (re-delivered)


@dataclass(frozen=True)
class Ports:
    """Everything the engine talks to."""

    source: RecordSource
    invoker: Invoker
    checkpoints: CheckpointStore
    clock: Clock
    executor: Executor
    destination: FailureDestination | None = None
    status_sink: StatusSink | None = None
    read_executor: Executor | None = None  # GetRecords calls; default: `executor`


class Engine:
    """Drives one mapping: call `start()`, then `run_once()` repeatedly (or `run(stop)`)."""

    def __init__(
        self,
        config: MappingConfig,
        ports: Ports,
        *,
        context: EventContext,
        options: EngineOptions | None = None,
        function_timeout_seconds: float | None = None,
    ) -> None:
        self.config = config
        self.ports = ports
        self.context = context
        self.options = options or EngineOptions()
        self.function_timeout_seconds = function_timeout_seconds
        self.batch_rule = BatchRule(config.batch_size, config.batching_window_seconds)
        self.retry_rule = RetryRule(
            bisect_on_error=config.bisect_on_error,
            max_retry_attempts=config.max_retry_attempts,
            max_record_age_seconds=config.max_record_age_seconds,
            backoff_base_seconds=self.options.retry_backoff_base_seconds,
            backoff_max_seconds=self.options.retry_backoff_max_seconds,
        )
        self._read_executor = ports.read_executor or ports.executor
        self._shards: dict[str, ShardRun] = {}
        self._saved: dict[str, ShardCheckpoint] = {}
        self._resumed = False
        self._next_refresh = 0.0
        self._next_status = 0.0
        self._last_status = float("-inf")
        self._status_due = False
        self._dirty = False
        self._state = "starting"
        self._last_error: str | None = None
        self._last_error_at: float | None = None
        self._started_at = ports.clock.time()
        self._invocations = 0
        self._function_errors = 0
        self._invoke_errors = 0
        self._durations: deque[float] = deque(maxlen=self.options.recent_durations)
        self._duration_max = 0.0

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Load checkpoints and discover shards."""
        for setting in self.config.unsupported:
            logger.warning("mapping setting %s is not reproduced by the driver", setting)
        saved = self.ports.checkpoints.load()
        if saved is not None and saved.mapping_uuid == self.config.uuid:
            self._saved = dict(saved.shards)
            self._resumed = True
        elif saved is not None:
            logger.warning(
                "checkpoints belong to mapping %s, not %s: starting fresh",
                saved.mapping_uuid,
                self.config.uuid,
            )
        self._refresh_shards(initial=True)
        self._state = "running"
        self._save_checkpoints()
        self._write_status(force=True)

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set, then finish what is in flight."""
        self.start()
        while not stop.is_set():
            if not self.run_once():
                self._idle_wait(stop)
        self.shutdown()

    def shutdown(self) -> None:
        """Collect in-flight invocations (within the grace period), persist, mark stopped."""
        inflight = [lane.inflight for run in self._shards.values() for lane in run.lanes]
        pending = [f for f in inflight if f is not None]
        if pending:
            wait(pending, timeout=self.options.shutdown_grace_seconds)
            self._collect(self.ports.clock.monotonic())
        self._state = "stopped"
        self._save_checkpoints()
        self._write_status(force=True)

    def fail(self, message: str) -> None:
        """Record a fatal error in the status file."""
        self._state = "failed"
        self._last_error = message
        self._last_error_at = self.ports.clock.time()
        self._write_status(force=True)

    # -- one pass -------------------------------------------------------------------------

    def run_once(self) -> bool:
        """Collect, read, dispatch once; returns whether anything happened."""
        now = self.ports.clock.monotonic()
        worked = False
        if now >= self._next_refresh:
            self._refresh_shards(initial=False)
        worked = self._collect(now) or worked
        for run in list(self._shards.values()):
            if run.phase == ACTIVE:
                worked = self._collect_read(run, now) or worked
                self._start_read(run, now)
                # An inline read executor has answered already.
                worked = self._collect_read(run, now) or worked
        for run in list(self._shards.values()):
            if run.phase in (ACTIVE, CLOSED):
                worked = self._dispatch(run, now) or worked
        for run in list(self._shards.values()):
            if run.phase == CLOSED and run.open_count() == 0 and all(ln.idle() for ln in run.lanes):
                run.phase = FINISHED
                self._dirty = True
                self._next_refresh = 0.0  # children may start now
                logger.info("shard %s finished at %s", run.shard_id, run.checkpoint)
                worked = True
        if self._dirty:
            self._save_checkpoints()
            self._status_due = True
        self._write_status(force=False)
        return worked

    def next_due(self) -> float:
        """The monotonic time something becomes due without outside input."""
        due = [self._next_refresh]
        if self.ports.status_sink is not None:
            due.append(self._next_status)
            if self._status_due:
                due.append(self._last_status + self.options.status_min_interval_seconds)
        for run in self._shards.values():
            has_room = run.open_count() < self.options.max_buffered_records
            if run.phase == ACTIVE and run.read_future is None and has_room:
                due.append(run.next_poll_at)  # a full buffer waits for invocations instead
            for lane in run.lanes:
                if lane.inflight is not None:
                    continue
                if lane.chunks:
                    due.append(lane.chunks[0].not_before)
                else:
                    ready_at = self.batch_rule.ready_at(lane.pending)
                    if ready_at is not None:
                        due.append(ready_at)
                    if lane.window is not None:  # the final invocation at the window's end
                        wall_wait = lane.window.end - self.ports.clock.time()
                        due.append(self.ports.clock.monotonic() + max(0.0, wall_wait))
        return min(due)

    def _idle_wait(self, stop: threading.Event) -> None:
        timeout = min(max(self.next_due() - self.ports.clock.monotonic(), 0.002), 0.1)
        inflight: list[Future[Any]] = [
            lane.inflight
            for run in self._shards.values()
            for lane in run.lanes
            if lane.inflight is not None
        ]
        inflight += [run.read_future for run in self._shards.values() if run.read_future]
        if inflight:
            wait(inflight, timeout=timeout, return_when=FIRST_COMPLETED)
        else:
            stop.wait(timeout)

    # -- shards ---------------------------------------------------------------------------

    def _initial_start(self) -> StartPosition:
        position = self.config.starting_position
        if position == "TRIM_HORIZON":
            return StartPosition("TRIM_HORIZON")
        if position == "AT_TIMESTAMP":
            return StartPosition("AT_TIMESTAMP", timestamp=self.config.starting_position_timestamp)
        # LATEST, pinned to the driver's first start so a restart does not skip records.
        return StartPosition("AT_TIMESTAMP", timestamp=self._started_at)

    def _refresh_shards(self, *, initial: bool) -> None:
        now = self.ports.clock.monotonic()
        self._next_refresh = now + self.options.shard_refresh_seconds
        try:
            listed = {info.shard_id: info for info in self.ports.source.list_shards()}
        except DriverError as exc:
            self._source_error(f"ListShards failed: {exc}")
            return
        except Exception as exc:  # the emulator may be restarting; try again later
            self._source_error(f"ListShards failed: {type(exc).__name__}: {exc}")
            return
        lanes = self.config.parallelization_factor
        for shard_id, info in listed.items():
            run = self._shards.get(shard_id)
            if run is not None and self._reused_id(run.info, info):
                logger.warning("shard %s was recreated (new starting sequence)", shard_id)
                run = None
                self._saved.pop(shard_id, None)
            if run is not None:
                continue
            run = ShardRun(info, lanes)
            saved = self._saved.get(shard_id)
            if saved is not None and self._reused_id(
                ShardInfo(shard_id, starting_sequence=saved.starting_sequence), info
            ):
                saved = None
            if saved is not None:
                self._restore(run, saved)
            else:
                fresh_stream = initial and not self._resumed
                has_listed_parent = any(p in listed for p in info.parent_ids)
                # Children of a reshard are read from their beginning, whatever the mapping says.
                run.start = (
                    self._initial_start()
                    if fresh_stream and not has_listed_parent
                    else StartPosition("TRIM_HORIZON")
                )
                self._dirty = True
            self._shards[shard_id] = run
            logger.info("shard %s discovered (parents %s)", shard_id, info.parent_ids or "none")
        for shard_id, run in self._shards.items():
            # a waiting child whose shard vanished (the emulator deletes shards on a reshard)
            # has nothing left to deliver; an active one finds out when its reader fails
            if shard_id not in listed and run.phase == WAITING:
                run.phase = FINISHED
                self._dirty = True
        for run in self._shards.values():
            if run.phase == WAITING and all(
                self._parent_done(p, listed) for p in run.info.parent_ids
            ):
                self._activate(run, now)

    @staticmethod
    def _reused_id(known: ShardInfo, listed: ShardInfo) -> bool:
        """MiniStack's UpdateShardCount rebuilds shards under the same ids."""
        return bool(
            known.starting_sequence
            and listed.starting_sequence
            and known.starting_sequence != listed.starting_sequence
        )

    def _parent_done(self, parent_id: str, listed: dict[str, ShardInfo]) -> bool:
        run = self._shards.get(parent_id)
        if run is not None:
            return run.phase == FINISHED
        return parent_id not in listed  # expired or never known: nothing to wait for

    def _restore(self, run: ShardRun, saved: ShardCheckpoint) -> None:
        run.checkpoint = saved.sequence
        run.start = saved.start
        if saved.finished:
            run.phase = FINISHED
            return
        if saved.lanes == len(run.lanes):
            for lane in run.lanes:
                sequence = saved.lane_sequences.get(lane.index)
                if sequence is not None:
                    lane.last_done = sequence
                    lane.skip_through = int(sequence)

    def _activate(self, run: ShardRun, now: float) -> None:
        position = (
            StartPosition("AFTER_SEQUENCE_NUMBER", sequence=run.checkpoint)
            if run.checkpoint is not None
            else run.start or StartPosition("TRIM_HORIZON")
        )
        run.reader = ShardReader(self.ports.source, run.shard_id, position)
        run.phase = ACTIVE
        run.next_poll_at = now
        logger.info("shard %s active from %s", run.shard_id, position)

    def _source_error(self, message: str) -> None:
        if message != self._last_error:
            logger.error("%s", message)
        self._last_error = message
        self._last_error_at = self.ports.clock.time()

    # -- reading --------------------------------------------------------------------------

    def _start_read(self, run: ShardRun, now: float) -> bool:
        """Submit the shard's next GetRecords unless one is outstanding, not due, or no room.

        Reads run on the read executor, so a slow GetRecords never holds up dispatching.
        """
        reader = run.reader
        if reader is None or run.read_future is not None:
            return False
        room = self.options.max_buffered_records - run.open_count()
        if room <= 0 or now < run.next_poll_at:
            return False
        # Parsing a 10,000-record answer takes long: read in bites of a few batches per lane.
        bite = max(500, self.options.read_batches_ahead * self.config.batch_size * len(run.lanes))
        run.read_future = self._read_executor.submit(self._read_call, reader, min(room, bite))
        return True

    @staticmethod
    def _read_call(reader: ShardReader, limit: int) -> ReadBatch | Exception:
        try:
            return reader.read(limit)
        except Exception as exc:  # emulator unreachable: reported by the loop, retried later
            return exc

    def _collect_read(self, run: ShardRun, now: float) -> bool:
        future = run.read_future
        if future is None or not future.done():
            return False
        run.read_future = None
        batch = future.result()
        if isinstance(batch, Exception):
            self._source_error(
                f"GetRecords on {run.shard_id} failed: {type(batch).__name__}: {batch}"
            )
            run.next_poll_at = now + self.options.source_error_backoff_seconds
            return False
        run.millis_behind = batch.millis_behind_latest
        lanes = len(run.lanes)
        for record in batch.records:
            lane = run.lanes[record.lane(lanes)]
            run.unfinished.append(record.sequence_number)
            run.arrivals[record.sequence_number] = record.arrival
            if lane.skip_through is not None and record.sequence <= lane.skip_through:
                # Finished before a restart in this lane (ParallelizationFactor > 1).
                if run.mark_done(lane, [record]):
                    self._dirty = True
                continue
            if not keep(
                record,
                self.config.filters,
                region=self.context.region,
                stream_arn=self.context.stream_arn,
            ):
                # AWS drops filtered-out records before batching; they count as processed.
                run.records_filtered += 1
                run.mark_done(lane, [record])
                self._dirty = True
                continue
            lane.pending.append(PendingRecord(record, now))
        if batch.records:
            run.latest_sequence = batch.records[-1].sequence_number
        run.next_poll_at = now if batch.records else now + self.options.idle_poll_seconds
        if batch.closed:
            run.phase = CLOSED
            logger.info("shard %s closed after %s", run.shard_id, run.latest_sequence)
        return bool(batch.records) or batch.closed

    # -- dispatching ----------------------------------------------------------------------

    def _dispatch(self, run: ShardRun, now: float) -> bool:
        worked = False
        flush = run.phase == CLOSED
        for lane in run.lanes:
            while lane.inflight is None:
                chunk = self._next_chunk(lane, now, flush=flush)
                if chunk is None:
                    break
                if chunk.discard:
                    if not self._discard(run, lane, chunk, now):
                        break
                    worked = True
                    continue
                expired, rest = split_expired(chunk, self.retry_rule, self.ports.clock.time())
                if expired is not None:
                    if rest is not None:
                        lane.chunks.appendleft(rest)
                    lane.chunks.appendleft(expired)
                    continue
                payload = self._payload(run, lane, chunk)
                lane.inflight = self.ports.executor.submit(self._invoke, payload)
                lane.inflight_chunk = chunk
                worked = True
        return worked

    def _next_chunk(self, lane: Lane, now: float, *, flush: bool) -> Chunk | None:
        if lane.chunks:
            if lane.chunks[0].not_before > now:
                return None
            return lane.chunks.popleft()
        seconds = self.config.tumbling_window_seconds
        if seconds:
            return self._next_window_chunk(lane, now, seconds, flush=flush)
        if not self.batch_rule.is_ready(lane.pending, now, flush=flush):
            return None
        count = self.batch_rule.take_count(lane.pending)
        records = tuple(lane.pending.popleft().record for _ in range(count))
        return Chunk(records=records)

    def _next_window_chunk(
        self, lane: Lane, now: float, seconds: int, *, flush: bool
    ) -> Chunk | None:
        """Tumbling windows: batches never span two windows; a window ends with a final
        invocation (no records) once a later window's record is waiting, its end has passed,
        or the shard is closed."""
        first = window_of(lane.pending[0].record.arrival, seconds) if lane.pending else None
        if lane.window is not None and (
            (first is not None and first != lane.window)
            or (first is None and (flush or self.ports.clock.time() >= lane.window.end))
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
        if not (boundary or self.batch_rule.is_ready(lane.pending, now, flush=flush)):
            return None
        count = min(same, self.batch_rule.take_count(lane.pending))
        return Chunk(records=tuple(lane.pending.popleft().record for _ in range(count)))

    def _payload(self, run: ShardRun, lane: Lane, chunk: Chunk) -> bytes:
        seconds = self.config.tumbling_window_seconds
        if not seconds:
            return encode_event(chunk.records, self.context)
        if lane.window is None:
            lane.window = window_of(chunk.records[0].arrival, seconds)
            lane.window_state = {}
        extra = window_fields(
            lane.window,
            lane.window_state,
            shard_id=run.shard_id,
            stream_arn=self.context.stream_arn,
            final=not chunk.records,
        )
        return encode_event(chunk.records, self.context, extra)

    def _invoke(self, payload: bytes) -> InvokeResult | InvokeError:
        try:
            return self.ports.invoker.invoke(payload)
        except InvokeError as exc:
            return exc
        except Exception as exc:  # a bug or an unexpected client error must not kill the lane
            return InvokeError(f"{type(exc).__name__}: {exc}")

    def _discard(self, run: ShardRun, lane: Lane, chunk: Chunk, now: float) -> bool:
        """Send a discarded chunk's invocation record; False (chunk kept) when that failed."""
        destination = self.config.on_failure_destination
        if destination and self.ports.destination is not None:
            wall_now = self.ports.clock.time()
            to_s3 = is_s3_destination(destination)
            record = invocation_record(
                records=chunk.records,
                condition=chunk.discard or "",
                function_arn=self.config.function_arn,
                stream_arn=self.config.stream_arn,
                invoke_count=chunk.invoke_count,
                last_result=chunk.last_result,
                wall_now=wall_now,
                payload_context=self.context if to_s3 else None,
            )
            key = s3_object_key(self.config.uuid, run.shard_id, wall_now)
            try:
                self.ports.destination.send(destination, json.dumps(record), key)
            except DestinationError as exc:
                self._source_error(f"on-failure destination {destination}: {exc}")
                lane.chunks.appendleft(
                    replace(chunk, not_before=now + self.options.destination_retry_seconds)
                )
                return False
            run.records_to_destination += len(chunk.records)
            where = "sent to on-failure destination"
        else:
            run.records_discarded += len(chunk.records)
            where = "dropped (no on-failure destination)"
        logger.warning(
            "shard %s: %d records %s..%s %s (%s)",
            run.shard_id,
            len(chunk.records),
            chunk.records[0].sequence_number,
            chunk.records[-1].sequence_number,
            where,
            chunk.discard,
        )
        run.last_result = f"{chunk.discard}: {len(chunk.records)} records {where}"
        run.mark_done(lane, chunk.records)
        self._dirty = True
        return True

    # -- results --------------------------------------------------------------------------

    def _collect(self, now: float) -> bool:
        worked = False
        for run in self._shards.values():
            for lane in run.lanes:
                future = lane.inflight
                if future is None or not future.done():
                    continue
                chunk = lane.inflight_chunk
                assert chunk is not None
                lane.inflight = None
                lane.inflight_chunk = None
                self._apply(run, lane, chunk, future.result(), now)
                worked = True
        return worked

    def _apply(
        self,
        run: ShardRun,
        lane: Lane,
        chunk: Chunk,
        result: InvokeResult | InvokeError,
        now: float,
    ) -> None:
        if isinstance(result, InvokeError):
            self._invoke_errors += 1
            run.failures += 1
            run.last_result = f"invoke error: {result}"
            self._source_error(f"Invoke failed on {run.shard_id}: {result}")
            lane.chunks.appendleft(
                replace(chunk, not_before=now + self.options.invoke_error_backoff_seconds)
            )
            return
        self._invocations += 1
        run.invocations += 1
        self._durations.append(result.duration_ms)
        self._duration_max = max(self._duration_max, result.duration_ms)
        if result.function_error:
            self._function_errors += 1
        if not chunk.records:
            self._apply_final(run, lane, chunk, result, now)
            return
        invoked = replace(chunk, invoke_count=chunk.invoke_count + 1, last_result=result)
        outcome = interpret(
            result,
            invoked.records,
            report_batch_item_failures=self.config.report_batch_item_failures,
        )
        if self.config.tumbling_window_seconds and outcome.verdict is not Verdict.FAILED:
            state = returned_state(result.payload)
            if state is None:
                outcome = Outcome(Verdict.FAILED, reason="the window's response has no state")
            else:
                lane.window_state = state
        decision = decide(invoked, outcome, self.retry_rule, now)
        if decision.succeeded:
            run.records_delivered += len(decision.succeeded)
            run.mark_done(lane, decision.succeeded)
            self._dirty = True  # the lane checkpoint moved even if the shard's did not
        for follow in reversed(decision.next_chunks):
            lane.chunks.appendleft(follow)
        if outcome.verdict is Verdict.SUCCESS:
            run.last_result = f"OK - {len(invoked.records)} records"
        else:
            run.failures += 1
            run.last_result = f"FAILED - {outcome.reason}"
            logger.info(
                "shard %s lane %d: batch of %d failed: %s",
                run.shard_id,
                lane.index,
                len(invoked.records),
                outcome.reason,
            )

    def _apply_final(
        self, run: ShardRun, lane: Lane, chunk: Chunk, result: InvokeResult, now: float
    ) -> None:
        """The window's final invocation: retried until it succeeds (it carries no records)."""
        failure = result.function_error or (
            "no state in the response" if returned_state(result.payload) is None else None
        )
        if failure:
            run.failures += 1
            run.last_result = f"FAILED - final invocation of the window ({failure})"
            retries = chunk.retries + 1
            lane.chunks.appendleft(
                replace(chunk, retries=retries, not_before=now + self.retry_rule.backoff(retries))
            )
            return
        run.last_result = "OK - final invocation of the window"
        lane.window = None
        lane.window_state = {}

    # -- persistence and status -----------------------------------------------------------

    def checkpoints(self) -> Checkpoints:
        shards = dict(self._saved)
        for shard_id, run in self._shards.items():
            shards[shard_id] = ShardCheckpoint(
                shard_id=shard_id,
                sequence=run.checkpoint,
                start=run.start,
                lanes=len(run.lanes),
                lane_sequences={
                    lane.index: lane.last_done for lane in run.lanes if lane.last_done is not None
                },
                starting_sequence=run.info.starting_sequence,
                finished=run.phase == FINISHED,
            )
        return Checkpoints(mapping_uuid=self.config.uuid, shards=shards)

    def _save_checkpoints(self) -> None:
        self.ports.checkpoints.save(self.checkpoints())
        self._dirty = False

    def _write_status(self, *, force: bool) -> None:
        """Write on demand, after progress (at most every `status_min_interval_seconds`), or
        every `status_interval_seconds` for the lag figures."""
        now = self.ports.clock.monotonic()
        if self.ports.status_sink is None:
            return
        due = now >= self._next_status or (
            self._status_due and now >= self._last_status + self.options.status_min_interval_seconds
        )
        if not (force or due):
            return
        self._last_status = now
        self._status_due = False
        self._next_status = now + self.options.status_interval_seconds
        self.ports.status_sink.write(self.snapshot())

    def snapshot(self) -> DriverStatus:
        """The current status (what status.json holds)."""
        wall = self.ports.clock.time()
        shards = []
        for run in sorted(self._shards.values(), key=lambda r: r.shard_id):
            oldest = run.arrivals.get(run.unfinished[0]) if run.unfinished else None
            age = int((wall - oldest) * 1000) if oldest is not None else 0
            shards.append(
                ShardStatus(
                    shard_id=run.shard_id,
                    phase=run.phase,
                    parent_ids=run.info.parent_ids,
                    checkpoint=run.checkpoint,
                    latest_sequence=run.latest_sequence,
                    millis_behind_latest=run.millis_behind,
                    iterator_age_ms=max(run.millis_behind, age),
                    last_result=run.last_result,
                    invocations=run.invocations,
                    failures=run.failures,
                    records_delivered=run.records_delivered,
                    records_to_destination=run.records_to_destination,
                    records_discarded=run.records_discarded,
                    records_filtered=run.records_filtered,
                    pending_records=run.open_count(),
                )
            )
        durations = sorted(self._durations)
        return DriverStatus(
            mapping_uuid=self.config.uuid,
            function_arn=self.config.function_arn,
            stream_arn=self.config.stream_arn,
            state=self._state,
            pid=os.getpid(),
            started_at=self._started_at,
            updated_at=wall,
            function_timeout_seconds=self.function_timeout_seconds,
            config=self.config.as_dict(),
            shards=tuple(shards),
            invocations=InvocationStats(
                invocations=self._invocations,
                function_errors=self._function_errors,
                invoke_errors=self._invoke_errors,
                duration_ms_max=self._duration_max,
                duration_ms_p50=statistics.median(durations) if durations else 0.0,
                duration_ms_p95=durations[int(0.95 * (len(durations) - 1))] if durations else 0.0,
                recent_durations_ms=tuple(round(d, 1) for d in self._durations),
            ),
            last_error=self._last_error,
            last_error_at=self._last_error_at,
        )
