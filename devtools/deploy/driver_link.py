"""The one place devtools' own commands reach the mapping driver (devtools/driver).

The driver is built separately; until its package exists these calls degrade to "no driver".
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from devtools.paths import StatePaths


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"devtools.driver.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("devtools.driver"):
            return None
        raise


def available() -> bool:
    return _module("supervisor") is not None


def running_pid(paths: StatePaths) -> int | None:
    supervisor = _module("supervisor")
    if supervisor is None:
        return None
    pid = supervisor.running_pid(paths.root)
    return None if pid is None else int(pid)


def stop(paths: StatePaths) -> int | None:
    """Stop the driver if it runs; return the pid it had."""
    supervisor = _module("supervisor")
    if supervisor is None:
        return None
    pid = running_pid(paths)
    supervisor.stop(paths.root)
    return pid


def load_status(paths: StatePaths) -> Any | None:
    """The driver's `DriverStatus` (see devtools/driver/status.py), or None."""
    status = _module("status")
    if status is None:
        return None
    return status.load(paths.root)
