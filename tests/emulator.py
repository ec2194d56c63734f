"""A MiniStack process for the test session: free port, private state, health-checked start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from devtools.testing.pipeline import free_port as free_port  # one definition, re-exported

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
START_DEADLINE_SECONDS = 20.0


@dataclass(frozen=True)
class RunningEmulator:
    """Where a started emulator listens, and how to reach it with boto3."""

    endpoint_url: str
    region: str
    state_dir: Path
    log_path: Path

    def session(self) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id="test",
            aws_secret_access_key="test",  # the emulator's dummy credentials
            region_name=self.region,
        )

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def env(self) -> dict[str, str]:
        """Environment for a child process (CLI, CDK) that must talk to this emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=0.5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start(workdir: Path) -> tuple[subprocess.Popen[bytes], RunningEmulator]:
    """Start MiniStack from this interpreter's environment; raise with its log if not healthy."""
    port = free_port()
    state_dir = workdir / "state"
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "ministack.log"
    env = {
        **os.environ,
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "MINISTACK_REGION": REGION,
        "MINISTACK_ACCOUNT_ID": ACCOUNT_ID,
        "STATE_DIR": str(state_dir),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ministack"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _healthy(f"{endpoint}/_ministack/health"):
            return process, RunningEmulator(endpoint, REGION, state_dir, log_path)
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(
        f"MiniStack did not become healthy on {endpoint}:\n{log_path.read_text(errors='replace')}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
