"""Start, stop and health-check the embedded emulator (MiniStack) from the project's venv."""

from devtools.emulator.health import EmulatorHealth, probe
from devtools.emulator.lifecycle import (
    EmulatorRecord,
    StartResult,
    StopResult,
    read_record,
    running_record,
    start,
    stop,
    wipe,
)

__all__ = [
    "EmulatorHealth",
    "EmulatorRecord",
    "StartResult",
    "StopResult",
    "probe",
    "read_record",
    "running_record",
    "start",
    "stop",
    "wipe",
]
