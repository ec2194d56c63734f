"""The mapping engine: reads shards, forms batches per lane, invokes, applies AWS's error rules."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, replace
from typing import Any

from devtools.driver.batch_maker import BatchMaker
from devtools.driver.batching import BatchRule, PendingRecord
from devtools.driver.config import MappingConfig
from devtools.driver.discard import Discarder
from devtools.driver.discovery import ShardDiscovery
from devtools.driver.exceptions import DestinationError, InvokeError
from devtools.driver.filtering import keep
from devtools.driver.policy import Chunk, RetryRule, decide, split_expired
from devtools.driver.ports import (
    Clock,
    FailureDestination,
    Invoker,
    RecordSource,
    StartPosition,
    StatusSink,
)
from devtools.driver.records import EventContext
from devtools.driver.reporting import Reporter
from devtools.driver.response import InvokeResult, Outcome, Verdict, interpret
from devtools.driver.shard_reader import ReadBatch, ShardReader
from devtools.driver.shard_state import ACTIVE, CLOSED, FINISHED, Lane, ShardRun
from devtools.driver.state import Checkpoints, CheckpointStore
from devtools.driver.status import DriverStatus
from devtools.driver.windows import returned_state

logger = logging.getLogger("devtools.driver")


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
    """Drives one mapping: call `start()`, then `run_once()` repeatedly (or `run(stop)`).

    Its parts: `ShardDiscovery` (which shards, where each starts), `BatchMaker` (what a lane
    invokes next), the retry policy (`policy.py`), `Discarder` (the on-failure destination) and
    `Reporter` (figures and status.json). The engine reads, dispatches and applies results.
    """

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
        self.retry_rule = RetryRule(
            bisect_on_error=config.bisect_on_error,
            max_retry_attempts=config.max_retry_attempts,
            max_record_age_seconds=config.max_record_age_seconds,
            backoff_base_seconds=self.options.retry_backoff_base_seconds,
            backoff_max_seconds=self.options.retry_backoff_max_seconds,
        )
        self._read_executor = ports.read_executor or ports.executor
        self._reporter = Reporter(
            config,
            ports.clock,
            ports.status_sink,
            interval_seconds=self.options.status_interval_seconds,
            min_interval_seconds=self.options.status_min_interval_seconds,
            recent_durations=self.options.recent_durations,
            function_timeout_seconds=function_timeout_seconds,
        )
        self._discovery = ShardDiscovery(
            ports.source,
            lanes=config.parallelization_factor,
            initial_start=self._initial_start(),
            refresh_seconds=self.options.shard_refresh_seconds,
            report_error=self._reporter.error,
        )
        self._batches = BatchMaker(
            BatchRule(config.batch_size, config.batching_window_seconds),
            window_seconds=config.tumbling_window_seconds,
            clock=ports.clock,
            context=context,
        )
        self._discarder = Discarder(config, ports.destination, ports.clock, context)
        self._dirty = False  # checkpoints changed since the last save

    @property
    def _shards(self) -> dict[str, ShardRun]:
        return self._discovery.shards

    def _initial_start(self) -> StartPosition:
        position = self.config.starting_position
        if position == "TRIM_HORIZON":
            return StartPosition("TRIM_HORIZON")
        if position == "AT_TIMESTAMP":
            return StartPosition("AT_TIMESTAMP", timestamp=self.config.starting_position_timestamp)
        # LATEST, pinned to the driver's first start so a restart does not skip records.
        return StartPosition("AT_TIMESTAMP", timestamp=self._reporter.started_at)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Load checkpoints and discover shards."""
        for setting in self.config.unsupported:
            logger.warning("mapping setting %s is not reproduced by the driver", setting)
        saved = self.ports.checkpoints.load()
        if saved is not None and saved.mapping_uuid == self.config.uuid:
            self._discovery.resume(saved)
        elif saved is not None:
            logger.warning(
                "checkpoints belong to mapping %s, not %s: starting fresh",
                saved.mapping_uuid,
                self.config.uuid,
            )
        self._discovery.refresh(self.ports.clock.monotonic(), initial=True)
        self._reporter.state = "running"
        self._save_checkpoints()
        self._reporter.write(self._shards.values(), force=True)

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
        self._reporter.state = "stopped"
        self._save_checkpoints()
        self._reporter.write(self._shards.values(), force=True)

    def fail(self, message: str) -> None:
        """Record a fatal error in the status file."""
        self._reporter.state = "failed"
        self._reporter.last_error = message
        self._reporter.last_error_at = self.ports.clock.time()
        self._reporter.write(self._shards.values(), force=True)

    # -- one pass -------------------------------------------------------------------------

    def run_once(self) -> bool:
        """Collect, read, dispatch once; returns whether anything happened."""
        now = self.ports.clock.monotonic()
        worked = False
        if now >= self._discovery.next_refresh:
            self._dirty = self._discovery.refresh(now, initial=False) or self._dirty
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
                self._discovery.next_refresh = 0.0  # children may start now
                logger.info("shard %s finished at %s", run.shard_id, run.checkpoint)
                worked = True
        if self._dirty:
            self._save_checkpoints()
            self._reporter.progress = True
        self._reporter.write(self._shards.values(), force=False)
        return worked

    def next_due(self) -> float:
        """The monotonic time something becomes due without outside input."""
        due = [self._discovery.next_refresh]
        status_due = self._reporter.next_due()
        if status_due is not None:
            due.append(status_due)
        for run in self._shards.values():
            has_room = run.open_count() < self.options.max_buffered_records
            if run.phase == ACTIVE and run.read_future is None and has_room:
                due.append(run.next_poll_at)  # a full buffer waits for invocations instead
            for lane in run.lanes:
                lane_due = self._batches.due_at(lane) if lane.inflight is None else None
                if lane_due is not None:
                    due.append(lane_due)
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
            self._reporter.error(
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
                chunk = self._batches.next_chunk(lane, now, flush=flush)
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
                payload = self._batches.payload(run, lane, chunk)
                lane.inflight = self.ports.executor.submit(self._invoke, payload)
                lane.inflight_chunk = chunk
                worked = True
        return worked

    def _invoke(self, payload: bytes) -> InvokeResult | InvokeError:
        try:
            return self.ports.invoker.invoke(payload)
        except InvokeError as exc:
            return exc
        except Exception as exc:  # a bug or an unexpected client error must not kill the lane
            return InvokeError(f"{type(exc).__name__}: {exc}")

    def _discard(self, run: ShardRun, lane: Lane, chunk: Chunk, now: float) -> bool:
        """Send a discarded chunk's invocation record; False (chunk kept) when that failed."""
        try:
            self._discarder.discard(run, chunk)
        except DestinationError as exc:
            self._reporter.error(str(exc))
            lane.chunks.appendleft(
                replace(chunk, not_before=now + self.options.destination_retry_seconds)
            )
            return False
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
            self._reporter.invoke_errors += 1
            run.failures += 1
            run.last_result = f"invoke error: {result}"
            self._reporter.error(f"Invoke failed on {run.shard_id}: {result}")
            lane.chunks.appendleft(
                replace(chunk, not_before=now + self.options.invoke_error_backoff_seconds)
            )
            return
        self._reporter.invoked(result)
        run.invocations += 1
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
        self._dirty = True  # the closed window leaves the checkpoints

    # -- persistence and status -----------------------------------------------------------

    def checkpoints(self) -> Checkpoints:
        return self._discovery.checkpoints(self.config.uuid)

    def _save_checkpoints(self) -> None:
        self.ports.checkpoints.save(self.checkpoints())
        self._dirty = False

    def snapshot(self) -> DriverStatus:
        """The current status (what status.json holds)."""
        return self._reporter.snapshot(self._shards.values())
