"""The engine's figures (invocations, errors, durations) and when status.json is rewritten."""

from __future__ import annotations

import logging
import os
import statistics
from collections import deque
from collections.abc import Iterable

from devtools.driver.config import MappingConfig
from devtools.driver.ports import Clock, StatusSink
from devtools.driver.response import InvokeResult
from devtools.driver.shard_state import ShardRun
from devtools.driver.status import DriverStatus, InvocationStats, ShardStatus

logger = logging.getLogger("devtools.driver")


class Reporter:
    """Counts what the mapping did and writes status snapshots, throttled."""

    def __init__(
        self,
        config: MappingConfig,
        clock: Clock,
        sink: StatusSink | None,
        *,
        interval_seconds: float,
        min_interval_seconds: float,
        recent_durations: int,
        function_timeout_seconds: float | None,
    ) -> None:
        self._config = config
        self._clock = clock
        self._sink = sink
        self._interval = interval_seconds
        self._min_interval = min_interval_seconds
        self._function_timeout_seconds = function_timeout_seconds
        self.state = "starting"
        self.started_at = clock.time()
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.invocations = 0
        self.function_errors = 0
        self.invoke_errors = 0
        self._durations: deque[float] = deque(maxlen=recent_durations)
        self._duration_max = 0.0
        self._next_write = 0.0
        self._last_write = float("-inf")
        self.progress = False  # records moved since the last write

    def error(self, message: str) -> None:
        """A failing call (logged once while it repeats), shown in the status until the next."""
        if message != self.last_error:
            logger.error("%s", message)
        self.last_error = message
        self.last_error_at = self._clock.time()

    def invoked(self, result: InvokeResult) -> None:
        self.invocations += 1
        self._durations.append(result.duration_ms)
        self._duration_max = max(self._duration_max, result.duration_ms)
        if result.function_error:
            self.function_errors += 1

    def next_due(self) -> float | None:
        """When the next throttled write is due (None without a sink)."""
        if self._sink is None:
            return None
        if self.progress:
            return min(self._next_write, self._last_write + self._min_interval)
        return self._next_write

    def write(self, shards: Iterable[ShardRun], *, force: bool) -> None:
        """Write on demand, after progress (at most every `min_interval_seconds`), or every
        `interval_seconds` for the lag figures."""
        now = self._clock.monotonic()
        if self._sink is None:
            return
        due = now >= self._next_write or (
            self.progress and now >= self._last_write + self._min_interval
        )
        if not (force or due):
            return
        self._last_write = now
        self.progress = False
        self._next_write = now + self._interval
        self._sink.write(self.snapshot(shards))

    def snapshot(self, shards: Iterable[ShardRun]) -> DriverStatus:
        """The current status (what status.json holds)."""
        wall = self._clock.time()
        durations = sorted(self._durations)
        return DriverStatus(
            mapping_uuid=self._config.uuid,
            function_arn=self._config.function_arn,
            stream_arn=self._config.stream_arn,
            state=self.state,
            pid=os.getpid(),
            started_at=self.started_at,
            updated_at=wall,
            function_timeout_seconds=self._function_timeout_seconds,
            config=self._config.as_dict(),
            shards=tuple(
                _shard_status(run, wall) for run in sorted(shards, key=lambda r: r.shard_id)
            ),
            invocations=InvocationStats(
                invocations=self.invocations,
                function_errors=self.function_errors,
                invoke_errors=self.invoke_errors,
                duration_ms_max=self._duration_max,
                duration_ms_p50=statistics.median(durations) if durations else 0.0,
                duration_ms_p95=durations[int(0.95 * (len(durations) - 1))] if durations else 0.0,
                recent_durations_ms=tuple(round(d, 1) for d in self._durations),
            ),
            last_error=self.last_error,
            last_error_at=self.last_error_at,
        )


def _shard_status(run: ShardRun, wall: float) -> ShardStatus:
    oldest = run.arrivals.get(run.unfinished[0]) if run.unfinished else None
    age = int((wall - oldest) * 1000) if oldest is not None else 0
    return ShardStatus(
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
