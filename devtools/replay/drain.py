"""Wait until the mapping driver has checkpointed past everything sent, timing each record."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from devtools.driver.status import DriverStatus, is_drained
from devtools.replay.send import Clock, Position
from devtools.report.model import Latency

POLL_SECONDS = 0.05

StatusLoader = Callable[[], DriverStatus | None]


@dataclass
class CompletionTracker:
    """Records when each sent record was first seen behind its shard's checkpoint.

    The driver rewrites its status whenever a checkpoint moves, so polling it often gives each
    record's put-to-processed latency to within the poll interval.
    """

    positions: Mapping[int, Position]
    done_at: dict[int, float] = field(default_factory=dict)

    def observe(self, status: DriverStatus | None, now: float) -> None:
        if status is None:
            return
        checkpoints = {
            shard.shard_id: (shard.checkpoint, shard.phase == "finished") for shard in status.shards
        }
        for index, position in self.positions.items():
            if index in self.done_at:
                continue
            checkpoint, finished = checkpoints.get(position.shard_id, (None, False))
            if finished or (
                checkpoint is not None and int(checkpoint) >= int(position.sequence_number)
            ):
                self.done_at[index] = max(now, position.sent_at)

    def latency(self, indexes: set[int] | None = None) -> Latency | None:
        """Latency of the tracked records (or of `indexes`, e.g. only the stored ones)."""
        values = sorted(
            done - self.positions[index].sent_at
            for index, done in self.done_at.items()
            if indexes is None or index in indexes
        )
        if not values:
            return None
        p95 = values[min(len(values) - 1, max(0, round(0.95 * len(values)) - 1))]
        return Latency(
            count=len(values),
            p50=statistics.median(values),
            p95=p95,
            maximum=values[-1],
        )


@dataclass(frozen=True)
class DrainResult:
    """Whether the driver caught up before the deadline, how long it took, its last status."""

    drained: bool
    seconds: float
    status: DriverStatus | None


def wait_for_drain(
    load_status: StatusLoader,
    last_sequences: Mapping[str, str],
    *,
    timeout: float,
    tracker: CompletionTracker | None = None,
    clock: Clock | None = None,
    on_poll: Callable[[DriverStatus | None, float], None] | None = None,
) -> DrainResult:
    """Poll the driver status until `is_drained` or `timeout` seconds have passed."""
    clock = clock or Clock()
    started = clock.monotonic()
    status = load_status()
    while True:
        elapsed = clock.monotonic() - started
        if tracker is not None:
            tracker.observe(status, clock.wall())
        if on_poll is not None:
            on_poll(status, elapsed)
        if not last_sequences or is_drained(status, last_sequences):
            return DrainResult(True, elapsed, status)
        if elapsed >= timeout:
            return DrainResult(False, elapsed, status)
        clock.sleep(POLL_SECONDS)
        status = load_status()
