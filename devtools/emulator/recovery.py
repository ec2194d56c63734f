"""Before a start: finish an interrupted save, detect an unclean stop, realign the driver."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from devtools.emulator import control, journal
from devtools.emulator.journal import Rollback
from devtools.emulator.state_files import discard_partial, roll_forward, write_private
from devtools.paths import StatePaths

CHECKPOINTS_FILE = "checkpoints.json"  # devtools/driver/state.py


@dataclass(frozen=True)
class UncleanStop:
    """The previous emulator died without saving: what its restored state no longer holds.

    `rollback` counts every write it acknowledged after its last save (records per stream and
    shard, item writes per table, other calls); `checkpoints` says how the driver was realigned.
    """

    pid: int | None
    started_at: float | None
    rollback: Rollback
    checkpoints: str  # "restored" (from the save), "reset" (none at the save), "none"
    detected_at: float

    def to_json(self) -> dict[str, object]:
        return {
            "pid": self.pid,
            "startedAt": self.started_at,
            "rollback": self.rollback.to_json(),
            "checkpoints": self.checkpoints,
            "detectedAt": self.detected_at,
        }


def previous_run_unclean(paths: StatePaths) -> bool:
    """True when the last emulator started here never finished a save."""
    run = control.read_json(paths.ministack_dir / control.RUN_STATE)
    return isinstance(run, dict) and run.get("state") == "running"


def prepare(paths: StatePaths) -> UncleanStop | None:
    """Run before starting the emulator (and with the driver stopped).

    Finishes a save that committed but was cut during its renames, drops temporaries of one
    that never committed, and when the previous run ended without a save, reports what it
    lost and moves the driver's checkpoints back to the ones saved with the restored state.
    """
    folder = paths.ministack_dir
    roll_forward(folder)
    discard_partial([paths.ministack_state, folder])
    run = control.read_json(folder / control.RUN_STATE)
    found: UncleanStop | None = None
    if isinstance(run, dict) and run.get("state") == "running":
        found = UncleanStop(
            pid=_int_or_none(run.get("pid")),
            started_at=_float_or_none(run.get("startedAt")),
            rollback=journal.read(folder / control.JOURNAL),
            checkpoints=realign_checkpoints(paths),
            detected_at=time.time(),
        )
        control.write_json(folder / control.LAST_ROLLBACK, found.to_json())
        control.write_json(folder / control.RUN_STATE, {"state": "recovered"})
    (folder / control.JOURNAL).unlink(missing_ok=True)
    return found


def realign_checkpoints(paths: StatePaths) -> str:
    """Put back the driver checkpoints saved with the state the emulator is about to load."""
    copy = paths.ministack_dir / control.CHECKPOINT_COPY
    live = paths.driver_dir / CHECKPOINTS_FILE
    if copy.is_file():
        live.parent.mkdir(parents=True, exist_ok=True)
        tmp = live.with_name(live.name + ".realign")
        write_private(tmp, copy.read_bytes())
        os.replace(tmp, live)
        return "restored"
    if live.exists():
        # nothing was checkpointed when the state was saved: start over from the mapping's
        # starting position (re-delivery is safe, skipping is not)
        live.unlink()
        return "reset"
    return "none"


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _float_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def checkpoints_path(paths: StatePaths) -> Path:
    return paths.driver_dir / CHECKPOINTS_FILE
