"""Which shards exist, where each starts, and when a reshard's children may begin."""

from __future__ import annotations

import logging
from collections.abc import Callable

from devtools.driver.exceptions import DriverError
from devtools.driver.ports import RecordSource, ShardInfo, StartPosition
from devtools.driver.shard_reader import ShardReader
from devtools.driver.shard_state import ACTIVE, FINISHED, WAITING, ShardRun
from devtools.driver.state import Checkpoints, OpenWindow, ShardCheckpoint
from devtools.driver.windows import Window

logger = logging.getLogger("devtools.driver")


class ShardDiscovery:
    """The mapping's shards (ListShards every `refresh_seconds`) and their saved positions."""

    def __init__(
        self,
        source: RecordSource,
        *,
        lanes: int,
        initial_start: StartPosition,
        refresh_seconds: float,
        report_error: Callable[[str], None],
    ) -> None:
        self._source = source
        self._lanes = lanes
        self._initial_start = initial_start
        self._refresh_seconds = refresh_seconds
        self._report_error = report_error
        self.shards: dict[str, ShardRun] = {}
        self._saved: dict[str, ShardCheckpoint] = {}
        self._resumed = False
        self.next_refresh = 0.0

    def resume(self, saved: Checkpoints) -> None:
        """Continue from checkpoints of this mapping (before the first refresh)."""
        self._saved = dict(saved.shards)
        self._resumed = True

    def refresh(self, now: float, *, initial: bool) -> bool:
        """List the shards, add new ones, activate those whose parents are done.

        Returns whether checkpoints changed (a new shard, or one that vanished)."""
        self.next_refresh = now + self._refresh_seconds
        try:
            listed = {info.shard_id: info for info in self._source.list_shards()}
        except DriverError as exc:
            self._report_error(f"ListShards failed: {exc}")
            return False
        except Exception as exc:  # the emulator may be restarting; try again later
            self._report_error(f"ListShards failed: {type(exc).__name__}: {exc}")
            return False
        changed = False
        for shard_id, info in listed.items():
            changed = self._add(shard_id, info, listed, initial=initial) or changed
        for shard_id, run in self.shards.items():
            # a waiting child whose shard vanished (the emulator deletes shards on a reshard)
            # has nothing left to deliver; an active one finds out when its reader fails
            if shard_id not in listed and run.phase == WAITING:
                run.phase = FINISHED
                changed = True
        for run in self.shards.values():
            if run.phase == WAITING and all(
                self._parent_done(p, listed) for p in run.info.parent_ids
            ):
                self._activate(run, now)
        return changed

    def _add(
        self, shard_id: str, info: ShardInfo, listed: dict[str, ShardInfo], *, initial: bool
    ) -> bool:
        run = self.shards.get(shard_id)
        if run is not None and _reused_id(run.info, info):
            logger.warning("shard %s was recreated (new starting sequence)", shard_id)
            run = None
            self._saved.pop(shard_id, None)
        if run is not None:
            return False
        run = ShardRun(info, self._lanes)
        saved = self._saved.get(shard_id)
        if saved is not None and _reused_id(
            ShardInfo(shard_id, starting_sequence=saved.starting_sequence), info
        ):
            saved = None
        changed = False
        if saved is not None:
            _restore(run, saved)
        else:
            fresh_stream = initial and not self._resumed
            has_listed_parent = any(p in listed for p in info.parent_ids)
            # Children of a reshard are read from their beginning, whatever the mapping says.
            run.start = (
                self._initial_start
                if fresh_stream and not has_listed_parent
                else StartPosition("TRIM_HORIZON")
            )
            changed = True
        self.shards[shard_id] = run
        logger.info("shard %s discovered (parents %s)", shard_id, info.parent_ids or "none")
        return changed

    def _parent_done(self, parent_id: str, listed: dict[str, ShardInfo]) -> bool:
        run = self.shards.get(parent_id)
        if run is not None:
            return run.phase == FINISHED
        return parent_id not in listed  # expired or never known: nothing to wait for

    def _activate(self, run: ShardRun, now: float) -> None:
        position = (
            StartPosition("AFTER_SEQUENCE_NUMBER", sequence=run.checkpoint)
            if run.checkpoint is not None
            else run.start or StartPosition("TRIM_HORIZON")
        )
        run.reader = ShardReader(self._source, run.shard_id, position)
        run.phase = ACTIVE
        run.next_poll_at = now
        logger.info("shard %s active from %s", run.shard_id, position)

    def checkpoints(self, mapping_uuid: str) -> Checkpoints:
        """Every shard's position: the live ones, and saved ones not listed (any more)."""
        shards = dict(self._saved)
        for shard_id, run in self.shards.items():
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
                lane_windows={
                    lane.index: OpenWindow(lane.window.start, lane.window.end, lane.window_state)
                    for lane in run.lanes
                    if lane.window is not None
                },
            )
        return Checkpoints(mapping_uuid=mapping_uuid, shards=shards)


def _reused_id(known: ShardInfo, listed: ShardInfo) -> bool:
    """MiniStack's UpdateShardCount rebuilds shards under the same ids."""
    return bool(
        known.starting_sequence
        and listed.starting_sequence
        and known.starting_sequence != listed.starting_sequence
    )


def _restore(run: ShardRun, saved: ShardCheckpoint) -> None:
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
            window = saved.lane_windows.get(lane.index)
            if window is not None:
                lane.window = Window(window.start, window.end)
                lane.window_state = dict(window.state)
