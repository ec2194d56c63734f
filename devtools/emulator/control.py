"""Files the emulator wrapper and `up`/`down` share beside MiniStack's state folder."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.emulator.state_files import write_private

# our own variables for the wrapper (MiniStack ignores them)
CONTROL_DIR_ENV = "DEVTOOLS_EMULATOR_DIR"
CHECKPOINTS_ENV = "DEVTOOLS_DRIVER_CHECKPOINTS"

RUN_STATE = "run-state.json"
JOURNAL = "journal.jsonl"
PROGRESS = "save-progress.json"
CHECKPOINT_COPY = "driver-checkpoints.json"
LAST_ROLLBACK = "last-rollback.json"


@dataclass(frozen=True)
class SaveProgress:
    """How far the emulator's shutdown save is: services done of total, bytes written."""

    service: str
    done: int
    total: int
    bytes_written: int
    finished: bool

    @classmethod
    def read(cls, control_dir: Path) -> SaveProgress | None:
        data = read_json(control_dir / PROGRESS)
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                service=str(data["service"]),
                done=int(data["done"]),
                total=int(data["total"]),
                bytes_written=int(data["bytes"]),
                finished=bool(data["finished"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: Any, *, durable: bool = True) -> None:
    """Private and atomic (readers polling it never see half a document)."""
    tmp = path.with_name(path.name + ".w")
    write_private(tmp, json.dumps(data).encode(), durable=durable)
    os.replace(tmp, path)
