"""`devtools query` / `devtools watch` argument edges: refused before any AWS call, exit codes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from devtools.cli.main import main
from tests.emulator import free_port


def invoke(tmp_path: Path, *args: str) -> tuple[int, str]:
    # a closed port and an empty state folder: nothing is deployed anywhere
    endpoint = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        main,
        ["--endpoint-url", endpoint, "--state-dir", str(tmp_path), *args],
        env={"NO_COLOR": "1", "AWS_MAX_ATTEMPTS": "1"},
    )
    return result.exit_code, result.output


def test_watch_json_without_once_is_a_usage_error(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, "watch", "--json")
    assert code == 1  # usage errors are user errors (README, exit codes)
    assert "--json needs --once" in output


def test_watch_refuses_a_zero_interval_for_the_live_view(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, "watch", "--interval", "0")
    assert code == 1
    assert "--interval must be positive" in output


def test_query_aggregates_refuses_an_unknown_type(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, "query", "aggregates", "--type", "clck")
    assert code == 1
    assert "'clck' is not one of" in output


def test_query_quarantine_refuses_an_unknown_reason(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, "query", "quarantine", "--reason", "bogus")
    assert code == 1
    assert "'bogus' is not one of" in output


def test_query_without_a_deployed_stack_is_one_line_and_exit_1(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, "query", "event", "some-id")
    assert code == 1
    # nothing answering says so (`devtools up`); an emulator without the stack says deploy
    assert "devtools deploy" in output or "devtools up" in output
    assert "Traceback" not in output
