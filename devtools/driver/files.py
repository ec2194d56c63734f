"""Atomic JSON files: write a temporary file beside the target, fsync, rename over it."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

# The driver's log, beside its checkpoints (written by the runner, read by the supervisor).
LOG_FILE = "driver.log"


def write_json_atomic(path: Path, data: Any, *, durable: bool = True) -> None:
    """Readers see the old or the new document, never a torn one, even if we are killed.

    `durable` also fsyncs, so the document survives a machine crash, not only a killed process.
    """
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except FileNotFoundError:  # first write: create the folder (not on every hot-path write)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any | None:
    """The document, or None when the file does not exist or is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
