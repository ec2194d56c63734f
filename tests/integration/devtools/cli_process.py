"""Run the real `devtools` CLI: in process (fast) or as a subprocess (what `make` does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from devtools.cli.main import main


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, state_dir: Path) -> CliResult:
    """The CLI in this interpreter; AWS_ENDPOINT_URL unset so it finds what `up` recorded."""
    result = CliRunner().invoke(
        main,
        ["--state-dir", str(state_dir), *args],
        env={"NO_COLOR": "1", "COLUMNS": "200", "AWS_ENDPOINT_URL": None},
        catch_exceptions=False,
    )
    return CliResult(result.exit_code, result.stdout, result.stderr)


def run_cli_process(*args: str, state_dir: Path, timeout: float = 120) -> CliResult:
    """The CLI as its own process, exactly as `make local-up` runs it."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("AWS_ENDPOINT_URL", None)
    completed = subprocess.run(
        [sys.executable, "-m", "devtools.cli.main", "--state-dir", str(state_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)
