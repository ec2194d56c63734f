"""Help that teaches: examples everywhere, complete summaries, described options, suggestions
for typos, one meaning of `--json`, and the exit codes the README documents."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from devtools.cli.main import EXIT_INTERRUPTED, EXIT_USER_ERROR, main
from devtools.cli.replay import ProgressListener, interrupted_message


def commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command and sub-command (`("query", "event")`), lazy ones included."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


def command_at(path: tuple[str, ...]) -> click.Command:
    found: click.Command = main
    for name in path:
        assert isinstance(found, click.Group)
        command = found.get_command(click.Context(found), name)
        assert command is not None
        found = command
    return found


ALL = sorted(commands())


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_every_help_page_has_examples_and_describes_every_option(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "Examples:" in result.output
    widest = max(len(line) for line in result.output.splitlines())
    assert widest <= 80, f"{' '.join(path)} --help has a line of {widest} columns"
    assert f"devtools {' '.join(path)}" in result.output.split("Examples:")[1]
    for param in command_at(path).params:
        if isinstance(param, click.Option):
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no description"


@pytest.mark.parametrize("columns", ["80", "120"])
def test_the_command_list_shows_complete_summaries(columns: str) -> None:
    result = CliRunner().invoke(main, ["--help"], env={"COLUMNS": columns})
    listing = result.output.split("Commands:")[1].split("Examples:")[0]
    lines = [line for line in listing.splitlines() if line.strip()]
    assert len(lines) == len(main.list_commands(click.Context(main)))
    assert not [line for line in lines if line.rstrip().endswith("...")]


def test_a_mistyped_command_gets_a_suggestion_and_exit_1() -> None:
    result = CliRunner().invoke(main, ["deplyo"])
    assert result.exit_code == EXIT_USER_ERROR
    assert "No such command 'deplyo'. Did you mean 'deploy'" in result.output


def test_a_mistyped_option_gets_a_suggestion_and_exit_1() -> None:
    result = CliRunner().invoke(main, ["deploy", "--wacth"])
    assert result.exit_code == EXIT_USER_ERROR
    assert "Did you mean '--watch'?" in result.output


def test_a_mistyped_sub_command_gets_a_suggestion() -> None:
    result = CliRunner().invoke(main, ["query", "aggregate"])
    assert result.exit_code == EXIT_USER_ERROR
    assert "Did you mean 'aggregates'" in result.output


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_json_is_a_flag_everywhere(path: tuple[str, ...]) -> None:
    for param in command_at(path).params:
        if isinstance(param, click.Option) and "--json" in param.opts:
            assert param.is_flag, f"{' '.join(path)} --json takes a value"


@pytest.fixture
def interrupted_command() -> Iterator[None]:
    @click.command("interrupted")
    def interrupted() -> None:
        raise KeyboardInterrupt

    main.add_command(interrupted)
    try:
        yield
    finally:
        main.commands.pop("interrupted")


def test_ctrl_c_exits_130(interrupted_command: None) -> None:
    result = CliRunner().invoke(main, ["interrupted"], env={"NO_COLOR": "1"})
    assert result.exit_code == EXIT_INTERRUPTED


def test_an_interrupted_replay_says_what_was_sent_and_how_to_follow_it() -> None:
    class Silent:
        def add_task(self, *args: object, **kwargs: object) -> int:
            return 0

        def update(self, *args: object, **kwargs: object) -> None:
            return None

    listener = ProgressListener(Silent(), 8000)  # type: ignore[arg-type]
    assert "before anything was sent" in interrupted_message("spike", "r1", listener)
    listener.phase("send")
    listener.sent(3500, 8000)
    message = interrupted_message("spike", "r1", listener)
    assert "after 3,500 of 8,000 records were sent (run r1)" in message
    assert "`devtools watch`" in message
    listener.phase("drain")
    listener.draining(1200, 8000, 2.0)
    assert "1,200 of them processed so far" in interrupted_message("spike", "r1", listener)
