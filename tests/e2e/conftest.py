"""One deployment of the stack for the whole e2e session, through the real `devtools` CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.emulator import RunningEmulator

DEPLOY_TIMEOUT_SECONDS = 240


@dataclass(frozen=True)
class Deployed:
    """How to run the CLI against the session's emulator and deployment."""

    env: dict[str, str]
    state_dir: Path

    def devtools(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "devtools.cli.main", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="session")
def deployed(
    emulator: RunningEmulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    """`devtools deploy` once (stack + mapping driver); `devtools down` stops the driver after."""
    state_dir = tmp_path_factory.mktemp("devtools-state")
    env = {
        **os.environ,
        **emulator.env(),
        "DEVTOOLS_STATE_DIR": str(state_dir),
        "NO_COLOR": "1",
        "COLUMNS": "160",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
    }
    session = Deployed(env=env, state_dir=state_dir)
    result = session.devtools("deploy", timeout=DEPLOY_TIMEOUT_SECONDS)
    assert result.returncode == 0, f"deploy failed:\n{result.stdout}\n{result.stderr}"
    try:
        yield session
    finally:
        session.devtools("down", timeout=60)
