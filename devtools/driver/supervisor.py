"""Start, find and stop the detached driver process (pid file under the state dir)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from devtools.child_env import minimal_env
from devtools.driver.exceptions import SupervisorError
from devtools.driver.files import LOG_FILE, read_json, write_json_atomic
from devtools.driver.status import load
from devtools.emulator import process

PID_FILE = "driver.pid"
ARGS_FILE = "driver.args.json"
START_DEADLINE_SECONDS = 10.0
STOP_DEADLINE_SECONDS = 15.0
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    """Alive, not a zombie, and still our driver (a recycled pid is someone else)."""
    if not process.alive(pid):
        return False
    cmdline = process.command_line(pid)
    return cmdline is None or "devtools.driver" in cmdline


def running_pid(state_dir: Path) -> int | None:
    """The pid of the driver running for `state_dir`, or None."""
    try:
        pid = int((Path(state_dir) / PID_FILE).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def _args(
    endpoint_url: str, region: str, mapping_uuid: str, overrides: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "endpointUrl": endpoint_url,
        "region": region,
        "mappingUuid": mapping_uuid,
        "overrides": overrides or None,
    }


def _log_tail(state_dir: Path, lines: int = 15) -> str:
    try:
        text = (state_dir / LOG_FILE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no driver.log)"
    return "\n".join(text.splitlines()[-lines:])


def start(
    state_dir: Path,
    endpoint_url: str,
    region: str,
    mapping_uuid: str,
    overrides: dict[str, Any] | None = None,
) -> int:
    """Start the driver detached and return its pid.

    Idempotent: a driver already running with the same arguments is kept; one with other
    arguments is stopped first. Waits until the driver has written its first status.
    """
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    wanted = _args(endpoint_url, region, mapping_uuid, overrides)
    pid = running_pid(state_dir)
    if pid is not None:
        if read_json(state_dir / ARGS_FILE) == wanted:
            return pid
        stop(state_dir)
    command = [
        sys.executable,
        "-m",
        "devtools.driver",
        "run",
        "--state-dir",
        str(state_dir),
        "--endpoint-url",
        endpoint_url,
        "--region",
        region,
        "--mapping-uuid",
        mapping_uuid,
    ]
    if overrides:
        command += ["--overrides", json.dumps(overrides)]
    # dummy credentials and nothing else of the user's environment (keys, tokens, profiles)
    env = minimal_env(region, {"PYTHONPATH": str(_PROJECT_ROOT)})
    with (state_dir / LOG_FILE).open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=_PROJECT_ROOT,
            start_new_session=True,  # survives the CLI that started it, ignores its Ctrl-C
        )
    (state_dir / PID_FILE).write_text(f"{process.pid}\n")
    write_json_atomic(state_dir / ARGS_FILE, wanted)
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            (state_dir / PID_FILE).unlink(missing_ok=True)
            raise SupervisorError(
                f"the mapping driver exited with code {process.returncode}:\n{_log_tail(state_dir)}"
            )
        status = load(state_dir)
        if status is not None and status.pid == process.pid and status.state == "running":
            return process.pid
        time.sleep(0.05)
    return process.pid  # slow start: still running, status will follow


def stop(state_dir: Path) -> bool:
    """Stop the driver (SIGTERM, then SIGKILL after a deadline); False if none was running."""
    state_dir = Path(state_dir)
    pid = running_pid(state_dir)
    if pid is None:
        (state_dir / PID_FILE).unlink(missing_ok=True)
        return False
    # the driver may have exited since running_pid(): terminate() tolerates that
    if not process.terminate(pid, timeout=STOP_DEADLINE_SECONDS):
        deadline = time.monotonic() + STOP_DEADLINE_SECONDS
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
    (state_dir / PID_FILE).unlink(missing_ok=True)
    return True
