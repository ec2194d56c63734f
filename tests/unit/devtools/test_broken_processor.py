"""A syntax error in processor/ breaks only the commands that need the processor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.testing.checkout import copy_sources
from devtools.testing.pipeline import free_port


@pytest.fixture(scope="module")
def broken_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout whose processor has a syntax error."""
    root = copy_sources(tmp_path_factory.mktemp("broken"), names=("devtools", "processor", "stack"))
    target = root / "processor" / "model" / "validate.py"
    lines = target.read_text().splitlines()
    target.write_text("\n".join([*lines, "def broken(:", ""]))
    return root


def devtools(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update({"DEVTOOLS_STATE_DIR": str(root / ".devtools"), "NO_COLOR": "1", "COLUMNS": "200"})
    # `-m` puts the copy first on sys.path: its devtools and its broken processor are imported
    return subprocess.run(
        [sys.executable, "-m", "devtools.cli.main", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [("--help",), ("status",), ("down",), ("logs",), ("sync", "--help")],
)
def test_commands_that_do_not_need_the_processor_work(
    broken_checkout: Path, args: tuple[str, ...]
) -> None:
    endpoint = ["--endpoint-url", f"http://127.0.0.1:{free_port()}"]  # nothing listens there
    result = devtools(broken_checkout, *endpoint, *args)
    assert "Traceback" not in result.stderr + result.stdout
    if args[0] == "logs":  # nothing deployed: one line saying so, a user error
        assert result.returncode == 1, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    else:
        assert result.returncode == 0, result.stderr


def test_help_lists_the_commands_that_need_the_processor_as_unavailable(
    broken_checkout: Path,
) -> None:
    result = devtools(broken_checkout, "--help")
    assert "unavailable: processor/model/validate.py:" in result.stdout


def test_a_command_that_needs_the_processor_says_where_it_breaks(broken_checkout: Path) -> None:
    result = devtools(broken_checkout, "query", "quarantine")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line_number = len(
        (broken_checkout / "processor" / "model" / "validate.py").read_text().splitlines()
    )
    assert f"processor/model/validate.py:{line_number}: SyntaxError" in lines[0]
