"""One deployment of the stack for the whole e2e session, through the real `devtools` CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.emulator import REGION, free_port

DEPLOY_TIMEOUT_SECONDS = 240


@dataclass(frozen=True)
class Deployed:
    """How to run the CLI against the session's emulator and deployment."""

    env: dict[str, str]
    state_dir: Path

    def devtools(
        self, *args: str, timeout: float = 180, columns: int | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = self.env if columns is None else {**self.env, "COLUMNS": str(columns)}
        return subprocess.run(
            [sys.executable, "-m", "devtools.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """The user's path through the real CLI: `devtools up` (its own emulator), `deploy`, `down`.

    The e2e suite owns its emulator and deployment so that no other suite's deployment (and
    mapping driver) reads the same stream while scenarios are checked.
    """
    state_dir = tmp_path_factory.mktemp("devtools-state")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_ENDPOINT_URL")  # the CLI must find the emulator `up` started
    }
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "DEVTOOLS_STATE_DIR": str(state_dir),
            "NO_COLOR": "1",
            "COLUMNS": "160",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
        }
    )
    session = Deployed(env=env, state_dir=state_dir)
    started = session.devtools("up", "--port", str(free_port()), timeout=60)
    assert started.returncode == 0, f"up failed:\n{started.stdout}\n{started.stderr}"
    try:
        result = session.devtools("deploy", timeout=DEPLOY_TIMEOUT_SECONDS)
        assert result.returncode == 0, f"deploy failed:\n{result.stdout}\n{result.stderr}"
        yield session
    finally:
        session.devtools("down", timeout=60)
