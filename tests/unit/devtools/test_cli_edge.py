"""The CLI edge: exit codes, one-line user errors, NO_COLOR, state-dir resolution, --since."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from devtools.cli.main import main
from devtools.errors import UserError
from devtools.logs import parse_since
from devtools.paths import StatePaths


@pytest.fixture
def failing_commands() -> Iterator[None]:
    """Two throwaway commands on the real group, removed afterwards."""

    @click.command("fail-user")
    def fail_user() -> None:
        raise UserError("stream 'x' not found; run `devtools deploy` first")

    @click.command("fail-bug")
    def fail_bug() -> None:
        raise RuntimeError("unexpected [state]")

    main.add_command(fail_user)
    main.add_command(fail_bug)
    try:
        yield
    finally:
        main.commands.pop("fail-user")
        main.commands.pop("fail-bug")


def test_a_user_error_is_one_line_and_exit_1(failing_commands: None) -> None:
    result = CliRunner().invoke(main, ["fail-user"], env={"NO_COLOR": "1"})
    assert result.exit_code == 1
    assert result.output.strip() == "error: stream 'x' not found; run `devtools deploy` first"


def test_a_bug_is_exit_2_with_a_debug_hint_and_no_traceback(failing_commands: None) -> None:
    result = CliRunner().invoke(main, ["fail-bug"], env={"NO_COLOR": "1"})
    assert result.exit_code == 2
    assert "unexpected RuntimeError: unexpected [state]" in result.output
    assert "--debug" in result.output
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(failing_commands: None) -> None:
    result = CliRunner().invoke(main, ["--debug", "fail-bug"], env={"NO_COLOR": "1"})
    assert result.exit_code == 2
    assert "Traceback" in result.output
    assert "RuntimeError" in result.output


def test_no_color_leaves_no_escape_codes(failing_commands: None) -> None:
    result = CliRunner().invoke(main, ["fail-user"], env={"NO_COLOR": "1"}, color=True)
    assert "\x1b[" not in result.output


def test_put_without_input_is_a_user_error() -> None:
    result = CliRunner().invoke(main, ["put"], env={"NO_COLOR": "1"})
    assert result.exit_code == 1
    assert "give exactly one of EVENT" in result.output


def test_every_command_has_help() -> None:
    for name in ("up", "down", "status", "deploy", "destroy", "logs", "put"):
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.output


def test_state_dir_option_beats_env_beats_project_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVTOOLS_STATE_DIR", str(tmp_path / "from-env"))
    assert StatePaths.resolve(tmp_path / "explicit").root == tmp_path / "explicit"
    assert StatePaths.resolve().root == tmp_path / "from-env"
    monkeypatch.delenv("DEVTOOLS_STATE_DIR")
    default = StatePaths.resolve()
    assert default.root.name == ".devtools"
    assert (default.root.parent / "cdk.json").is_file()
    # the contract's layout
    paths = StatePaths(tmp_path)
    assert paths.ministack_state == tmp_path / "ministack" / "state"
    assert paths.ministack_pid == tmp_path / "ministack" / "ministack.pid"
    assert paths.cdk_home == tmp_path / "cdk-home"
    assert paths.outputs == tmp_path / "outputs.json"
    assert paths.driver_dir == tmp_path / "driver"


def test_since_accepts_durations_and_iso_times() -> None:
    now = 1_000_000.0
    assert parse_since("10m", now=now) == (now - 600) * 1000
    assert parse_since("2h", now=now) == (now - 7200) * 1000
    assert parse_since("1970-01-02T00:00:00Z") == 86_400_000
    with pytest.raises(UserError, match="10m, 2h"):
        parse_since("yesterday")
