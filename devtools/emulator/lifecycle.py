"""`up`/`down` core: start MiniStack detached with persisted state, stop it by verified pid."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from devtools.child_env import minimal_env
from devtools.emulator import control, process, recovery
from devtools.emulator.control import SaveProgress
from devtools.emulator.health import EmulatorHealth, probe
from devtools.emulator.recovery import UncleanStop
from devtools.emulator.state_files import DIR_MODE, FILE_MODE, make_private
from devtools.errors import EmulatorStartError
from devtools.paths import StatePaths

BIND_HOST = "127.0.0.1"
ACCOUNT_ID = "000000000000"
PROCESS_MARKER = "ministack"
DEFAULT_READY_DEADLINE = 20.0
STOP_TIMEOUT = 10.0
SERVER_MODULE = "devtools.emulator.ministack_server"
# `down` waits while the save makes progress, up to a bound scaled by the emulator's memory
# (its state is in memory; JSON on disk is about the same size): a floor, plus 1 s per 4 MiB
SAVE_BOUND_FLOOR = 30.0
SAVE_BOUND_PER_MIB = 0.25
SAVE_STALL_SECONDS = 60.0
# loading state at start-up, a floor plus 1 s per 2 MiB of saved JSON
LOAD_SECONDS_PER_MIB = 0.5


@dataclass(frozen=True)
class EmulatorRecord:
    """What `up` wrote about the process it started (`ministack.json`)."""

    pid: int
    port: int
    endpoint_url: str
    region: str
    started_at: float
    start_ticks: int | None
    state_dir: str
    log_path: str


@dataclass(frozen=True)
class StartResult:
    """Outcome of `up`: a new process with its ready time, or the one already running."""

    record: EmulatorRecord
    already_running: bool
    ready_seconds: float | None
    health: EmulatorHealth
    unclean_stop: UncleanStop | None = None


@dataclass(frozen=True)
class StopResult:
    """Outcome of `down`: which pid was stopped (None: nothing of ours was running)."""

    pid: int | None
    graceful: bool
    stale_record: bool
    saved: bool = True  # the emulator finished saving its state (False: killed, or it crashed)
    saved_bytes: int = 0
    seconds: float = 0.0
    bound_seconds: float = 0.0


def read_record(paths: StatePaths) -> EmulatorRecord | None:
    try:
        raw = json.loads(paths.ministack_info.read_text())
        return EmulatorRecord(**raw)
    except (OSError, ValueError, TypeError):
        return None


def running_record(paths: StatePaths) -> EmulatorRecord | None:
    """The record of the emulator `up` started, if that very process is still alive."""
    record = read_record(paths)
    if record is None:
        return None
    if process.is_same_process(
        record.pid, expected_ticks=record.start_ticks, marker=PROCESS_MARKER
    ):
        return record
    return None


def _child_env(paths: StatePaths, port: int, region: str) -> dict[str, str]:
    # a minimal environment with dummy credentials: the emulator copies its own environment
    # into every Lambda worker it starts, so the user's keys would reach function code; no
    # AWS_ENDPOINT_URL either (its SDK calls, and its functions', must stay on itself)
    return minimal_env(
        region,
        {
            "GATEWAY_PORT": str(port),
            "BIND_HOST": BIND_HOST,  # MiniStack's default 0.0.0.0 would expose it to the network
            "PERSIST_STATE": "1",
            "STATE_DIR": str(paths.ministack_state),
            # S3 object bodies persist only with S3_PERSIST (bucket metadata goes to STATE_DIR)
            "S3_PERSIST": "1",
            "S3_DATA_DIR": str(paths.ministack_state / "s3"),
            "MINISTACK_REGION": region,
            "MINISTACK_ACCOUNT_ID": ACCOUNT_ID,
            control.CONTROL_DIR_ENV: str(paths.ministack_dir),
            control.CHECKPOINTS_ENV: str(recovery.checkpoints_path(paths)),
        },
    )


def start(
    paths: StatePaths,
    *,
    port: int,
    region: str,
    deadline_seconds: float = DEFAULT_READY_DEADLINE,
) -> StartResult:
    """Start MiniStack detached (own session) and wait for its health endpoint.

    Idempotent: when the process of the previous `up` is alive and healthy, return it.
    """
    existing = running_record(paths)
    if existing is not None:
        if existing.port != port:
            raise EmulatorStartError(
                f"the emulator is already running on port {existing.port} (pid "
                f"{existing.pid}); run `devtools down` first to move it to port {port}"
            )
        health = _wait_healthy(existing.endpoint_url, time.monotonic() + deadline_seconds)
        if health is None:
            raise EmulatorStartError(
                f"the emulator started earlier (pid {existing.pid}) does not answer "
                f"{existing.endpoint_url}; run `devtools down` and `devtools up` again "
                f"(log: {paths.ministack_log})"
            )
        return StartResult(existing, already_running=True, ready_seconds=None, health=health)

    endpoint = f"http://{BIND_HOST}:{port}"
    if process.port_in_use(BIND_HOST, port):
        raise EmulatorStartError(
            f"port {port} on {BIND_HOST} is already in use by another process; stop it, "
            f"or use `devtools up --port <free port>`, or point devtools at it with "
            f"--endpoint-url {endpoint} if it is an emulator you started yourself"
        )

    unclean = _recover(paths)
    deadline_seconds += _load_allowance(paths)
    began = time.monotonic()
    with paths.ministack_log.open("ab") as log:
        log.write(f"\n--- devtools up {time.strftime('%Y-%m-%dT%H:%M:%S')} ---\n".encode())
        log.flush()
        child = subprocess.Popen(
            [sys.executable, "-m", SERVER_MODULE],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_child_env(paths, port, region),
            cwd=paths.ministack_dir,
            start_new_session=True,  # survives the CLI and the terminal's Ctrl-C
        )
    record = EmulatorRecord(
        pid=child.pid,
        port=port,
        endpoint_url=endpoint,
        region=region,
        started_at=time.time(),
        start_ticks=process.start_ticks(child.pid),
        state_dir=str(paths.ministack_state),
        log_path=str(paths.ministack_log),
    )
    paths.ministack_pid.write_text(f"{child.pid}\n")
    paths.ministack_info.write_text(json.dumps(asdict(record), indent=2))
    for written in (paths.ministack_pid, paths.ministack_info, paths.ministack_log):
        written.chmod(FILE_MODE)

    stop_at = began + deadline_seconds
    while time.monotonic() < stop_at:
        if child.poll() is not None:
            _forget(paths)
            raise EmulatorStartError(
                f"MiniStack exited with code {child.returncode} during start-up; "
                f"see {paths.ministack_log}:\n{_log_tail(paths.ministack_log)}"
            )
        health = probe(endpoint, timeout=0.2)
        if health.reachable:
            return StartResult(
                record,
                already_running=False,
                ready_seconds=time.monotonic() - began,
                health=health,
                unclean_stop=unclean,
            )
        time.sleep(0.02)
    process.terminate(child.pid, timeout=STOP_TIMEOUT)
    _forget(paths)
    raise EmulatorStartError(
        f"MiniStack did not answer {endpoint}/_ministack/health within {deadline_seconds:.0f} s; "
        f"see {paths.ministack_log}:\n{_log_tail(paths.ministack_log)}"
    )


def stop(
    paths: StatePaths, *, on_progress: Callable[[SaveProgress], None] | None = None
) -> StopResult:
    """Stop the emulator `up` started, only if the pid is ours, and wait for its state save.

    SIGTERM makes it save; we wait while the save makes progress (reported to `on_progress`)
    up to a bound scaled by the emulator's memory, and only then SIGKILL. A killed save
    leaves the previous state whole, and the next `up` reports what was rolled back.
    """
    record = read_record(paths)
    if record is None:
        return StopResult(pid=None, graceful=True, stale_record=False)
    if not process.is_same_process(
        record.pid, expected_ticks=record.start_ticks, marker=PROCESS_MARKER
    ):
        # the process is gone (or the pid now belongs to something else): never signal it
        _forget(paths)
        return StopResult(
            pid=None,
            graceful=True,
            stale_record=True,
            saved=not recovery.previous_run_unclean(paths),
        )
    bound = save_bound(record.pid)
    began = time.monotonic()
    graceful, written = _terminate_while_saving(paths, record.pid, bound, on_progress)
    _forget(paths)
    return StopResult(
        pid=record.pid,
        graceful=graceful,
        stale_record=False,
        saved=graceful and not recovery.previous_run_unclean(paths),
        saved_bytes=written,
        seconds=time.monotonic() - began,
        bound_seconds=bound,
    )


def save_bound(pid: int) -> float:
    """Seconds `down` allows the emulator to save, from its resident memory."""
    return SAVE_BOUND_FLOOR + SAVE_BOUND_PER_MIB * process.resident_mib(pid)


def _terminate_while_saving(
    paths: StatePaths,
    pid: int,
    bound: float,
    on_progress: Callable[[SaveProgress], None] | None,
) -> tuple[bool, int]:
    (paths.ministack_dir / control.PROGRESS).unlink(missing_ok=True)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True, 0
    began = last_change = time.monotonic()
    seen: SaveProgress | None = None
    while process.alive(pid):
        now = time.monotonic()
        progress = SaveProgress.read(paths.ministack_dir)
        if progress is not None and progress != seen:
            seen, last_change = progress, now
            if on_progress is not None:
                on_progress(progress)
        if now - began > bound or now - last_change > SAVE_STALL_SECONDS:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while process.alive(pid):
                time.sleep(0.05)
            return False, seen.bytes_written if seen else 0
        time.sleep(0.1)
    return True, seen.bytes_written if seen else 0


def wipe(paths: StatePaths) -> list[Path]:
    """Delete local state (emulator state, CDK output, driver checkpoints); keep logs' folder."""
    removed: list[Path] = []
    for target in (paths.ministack_state, paths.cdk_out, paths.outputs, paths.verification):
        if target.is_dir():
            shutil.rmtree(target)
            removed.append(target)
        elif target.exists():
            target.unlink()
            removed.append(target)
    for name in ("checkpoints.json", "status.json"):
        target = paths.driver_dir / name
        if target.exists():
            target.unlink()
            removed.append(target)
    return removed


def _recover(paths: StatePaths) -> UncleanStop | None:
    """Private folders, an interrupted save finished or dropped, the driver realigned."""
    paths.ministack_state.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    make_private(paths.root)
    if recovery.previous_run_unclean(paths):
        # the driver may still run against the dead emulator's positions: it must stop before
        # its checkpoints go back to the ones saved with the state (it is resumed after `up`)
        from devtools.driver import supervisor

        supervisor.stop(paths.driver_dir)
    return recovery.prepare(paths)


def _load_allowance(paths: StatePaths) -> float:
    size = sum(f.stat().st_size for f in paths.ministack_state.glob("*.json") if f.is_file())
    return LOAD_SECONDS_PER_MIB * size / 2**20


def _wait_healthy(endpoint_url: str, stop_at: float) -> EmulatorHealth | None:
    while True:
        health = probe(endpoint_url, timeout=0.2)
        if health.reachable:
            return health
        if time.monotonic() >= stop_at:
            return None
        time.sleep(0.05)


def _forget(paths: StatePaths) -> None:
    for target in (paths.ministack_pid, paths.ministack_info):
        with contextlib.suppress(FileNotFoundError):
            target.unlink()


def _log_tail(log_path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
