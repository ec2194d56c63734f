"""The `devtools` click group: global options, error handling at the edge, command registry."""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import click
from botocore.exceptions import EndpointConnectionError
from botocore.parsers import ResponseParserError

from devtools.cli.context import DEFAULT_REGION, Settings
from devtools.cli.help import examples
from devtools.cli.terminal import TERMINAL_KEY, Terminal
from devtools.errors import UserError
from devtools.paths import STATE_DIR_ENV, StatePaths, project_root
from devtools.sync.imports import describe

EXIT_OK = 0
EXIT_USER_ERROR = 1  # bad input, usage errors included: the user can fix it
EXIT_BUG = 2  # a bug in devtools
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


class CommandImportError(UserError):
    """When a command's module does not import (a syntax or import error in processor/)."""

    def __init__(self, command: str, problem: str) -> None:
        super().__init__(
            f"{problem} (`devtools {command}` imports the processor: fix it and run it again)"
        )
        self.problem = problem


class DevtoolsGroup(click.Group):
    """A group that converts exceptions into exit codes: 1 for user and usage errors, 2 for
    bugs, 130 for Ctrl-C; and suggests a command for a mistyped one.

    Commands are imported only when they run (or `--help` lists them), so that a command that
    does not need the processor still works while processor/ has a syntax or import error.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self.commands.get(cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        module_name, _, attribute = COMMANDS[cmd_name].partition(":")
        try:
            module = importlib.import_module(module_name)
        except (SyntaxError, ImportError) as exc:
            problem = describe(exc, project_root())
            if not problem.file.startswith("processor/"):
                raise  # devtools' own import failed: a bug, not the user's processor
            raise CommandImportError(cmd_name, str(problem)) from exc
        command = getattr(module, attribute)
        assert isinstance(command, click.Command)
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Like click's, but a command whose module does not import is listed as unavailable."""
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            try:
                command = self.get_command(ctx, name)
            except CommandImportError as exc:
                rows.append((name, f"(unavailable: {exc.problem})"))
                continue
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=2, cutoff=0.5)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise click.UsageError(f"No such command {name!r}.{hint}", ctx)
        return super().resolve_command(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            # click's default for usage errors is 2, which the README keeps for bugs
            exc.show()
            sys.exit(EXIT_USER_ERROR)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except UserError as exc:
            _terminal(ctx).error(str(exc))
            ctx.exit(EXIT_USER_ERROR)
        except EndpointConnectionError as exc:
            # nothing listens there: the emulator is down or the endpoint is wrong
            _terminal(ctx).error(
                f"cannot reach {exc.kwargs.get('endpoint_url', 'the endpoint')}: is the emulator "
                "running? (`devtools up`, or check --endpoint-url / AWS_ENDPOINT_URL)"
            )
            ctx.exit(EXIT_USER_ERROR)
        except ResponseParserError:
            # something answers HTTP there, but not the AWS protocols (a web server, a proxy)
            settings = ctx.find_object(Settings)
            where = settings.endpoint_url if settings is not None else "the endpoint"
            _terminal(ctx).error(
                f"{where} answered, but not as an AWS emulator would: check --endpoint-url / "
                "AWS_ENDPOINT_URL, or run `devtools up` for the embedded emulator"
            )
            ctx.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            _terminal(ctx).error("interrupted")
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            terminal = _terminal(ctx)
            settings = ctx.find_object(Settings)
            if settings is not None and settings.debug:
                terminal.err.print_exception(show_locals=False)
            else:
                terminal.error(f"unexpected {type(exc).__name__}: {exc}")
                terminal.info("This is a bug in devtools; rerun with --debug for the traceback.")
            ctx.exit(EXIT_BUG)


def _terminal(ctx: click.Context) -> Terminal:
    found = ctx.meta.get(TERMINAL_KEY)
    return found if isinstance(found, Terminal) else Terminal()


@click.group(
    cls=DevtoolsGroup,
    # use a wide terminal's width for help pages (click stops at 80 by default)
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
    epilog=examples(
        "devtools up && devtools deploy",
        "devtools replay scenarios/checkout_errors.yaml",
        "devtools status",
        "devtools COMMAND --help          # every command's options and examples",
    )
    + "\n\nExit codes: 0 success, 1 user or usage error (one line says what to do), "
    "2 a bug in devtools (--debug shows the traceback), 130 interrupted (Ctrl-C).",
)
@click.option(
    "--endpoint-url",
    envvar="AWS_ENDPOINT_URL",
    default=None,
    metavar="URL",
    help="An already running LocalStack-compatible emulator "
    "[env AWS_ENDPOINT_URL; default: the one `up` started, else http://127.0.0.1:4566].",
)
@click.option(
    "--region",
    envvar=["AWS_REGION", "AWS_DEFAULT_REGION"],
    default=DEFAULT_REGION,
    show_default=True,
    help="AWS region used against the emulator [env AWS_REGION].",
)
@click.option(
    "--state-dir",
    envvar=STATE_DIR_ENV,
    default=None,
    type=click.Path(file_okay=False),
    help=f"Local state folder [env {STATE_DIR_ENV}; default: <project>/.devtools].",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.version_option(package_name="realtime-analytics-devtools")
@click.pass_context
def main(
    ctx: click.Context,
    endpoint_url: str | None,
    region: str,
    state_dir: str | None,
    debug: bool,
) -> None:
    """Local cloud for the real-time analytics pipeline: emulator, deploy, driver, events.

    Runs the CDK stack on the embedded MiniStack emulator (or any LocalStack-compatible endpoint),
    drives its Kinesis event source mapping with AWS's semantics, sends events and scenarios and
    shows what landed.
    """
    terminal = Terminal()
    ctx.obj = Settings(
        explicit_endpoint=endpoint_url,
        region=region,
        paths=StatePaths.resolve(state_dir),
        debug=debug,
        terminal=terminal,
    )
    ctx.meta[TERMINAL_KEY] = terminal


# ---------------------------------------------------------------------------------------------
# Command registry: one module per command, imported when the command runs. To add a command,
# add its name and "module:attribute" here; nothing else in this file needs to change.
# ---------------------------------------------------------------------------------------------
COMMANDS: dict[str, str] = {
    "up": "devtools.cli.up:up",
    "down": "devtools.cli.down:down",
    "deploy": "devtools.cli.deploy:deploy",
    "sync": "devtools.cli.sync:sync",
    "destroy": "devtools.cli.destroy:destroy",
    "logs": "devtools.cli.logs:logs",
    "put": "devtools.cli.put:put",
    "status": "devtools.cli.status:status",
    "replay": "devtools.cli.replay:replay_command",
    "query": "devtools.cli.query:query",
    "watch": "devtools.cli.watch:watch",
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(prog_name=os.path.basename(sys.argv[0])))
