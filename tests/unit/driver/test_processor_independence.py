"""The driver process starts while the user's processor/ package cannot be imported."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from devtools.driver.files import LOG_FILE

# Nobody listens here: the driver must wait for the "emulator", which needs its error rules.
DEAD_ENDPOINT = "http://127.0.0.1:9"
MAPPING = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"


def _broken_processor(root: Path) -> None:
    package = root / "processor"
    package.mkdir()
    (package / "__init__.py").write_text("def half_edited(:\n")
    (package / "retry.py").write_text("raise ImportError('mid-edit')\n")


def _wait_for(path: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    log = ""
    while time.monotonic() < deadline and proc.poll() is None:
        log = path.read_text(encoding="utf-8") if path.exists() else ""
        if text in log:
            return log
        time.sleep(0.05)
    return path.read_text(encoding="utf-8") if path.exists() else log


def test_the_driver_starts_and_waits_while_processor_is_broken(tmp_path: Path) -> None:
    # GIVEN a project folder whose processor/ is mid-edit (a syntax error), first on the path
    # the way the supervisor runs the driver (cwd and PYTHONPATH = the project folder)
    _broken_processor(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env = {k: v for k, v in env.items() if not k.startswith("AWS_")}
    env |= {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    probe = subprocess.run(
        [sys.executable, "-c", "import processor"], cwd=tmp_path, env=env, capture_output=True
    )
    assert probe.returncode != 0, "the broken processor/ must be the one found"
    state = tmp_path / "state"
    command = [sys.executable, "-m", "devtools.driver", "run", "--state-dir", str(state)]
    command += ["--endpoint-url", DEAD_ENDPOINT, "--region", "us-east-1", "--mapping-uuid", MAPPING]
    # WHEN the driver is started
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE)
    try:
        log = _wait_for(state / LOG_FILE, "emulator not available", proc, timeout=30)
        # THEN it runs, classifies the refused connection as transient and waits for it
        assert proc.poll() is None, (log, proc.stderr.read() if proc.stderr else b"")
        assert f"starting for mapping {MAPPING}" in log
        assert "emulator not available" in log
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0
