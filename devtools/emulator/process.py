"""Process identity checks: is this pid still the emulator we started (not a reused pid)?"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from pathlib import Path


def start_ticks(pid: int) -> int | None:
    """The process start time in clock ticks since boot (Linux), to detect pid reuse."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces; fields after its closing ")" are fixed
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[19])


def command_line(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None


def alive(pid: int) -> bool:
    # reap it if it is our own exited child (started in-process, e.g. by a test)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    # a zombie (exited, not yet reaped by its parent) still answers signal 0
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            return False
    return True


def is_same_process(pid: int, *, expected_ticks: int | None, marker: str) -> bool:
    """True when `pid` is alive, started at `expected_ticks`, and its command holds `marker`."""
    if not alive(pid):
        return False
    ticks = start_ticks(pid)
    if expected_ticks is not None and ticks is not None and ticks != expected_ticks:
        return False
    cmdline = command_line(pid)
    return cmdline is None or marker in cmdline


def terminate(pid: int, *, timeout: float) -> bool:
    """SIGTERM, wait up to `timeout`, then SIGKILL; True when it exited gracefully."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return False


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def resident_mib(pid: int) -> float:
    """Resident memory of `pid` in MiB (0 when unknown): how much state it holds in memory."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0
