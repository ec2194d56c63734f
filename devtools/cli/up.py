"""`devtools up`: start the embedded emulator (MiniStack) on 127.0.0.1."""

from __future__ import annotations

import click

from devtools.cli.context import DEFAULT_PORT, Settings, pass_settings
from devtools.emulator import start


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option(
    "--deadline",
    type=click.FloatRange(0.5, 300),
    default=20.0,
    show_default=True,
    help="Seconds to wait for the health endpoint.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_settings
def up(settings: Settings, port: int, deadline: float, as_json: bool) -> None:
    """Start MiniStack from this virtualenv, state kept under .devtools/ministack/."""
    terminal = settings.terminal
    settings.paths.ensure()
    if settings.explicit_endpoint:
        terminal.warn(
            f"--endpoint-url/AWS_ENDPOINT_URL is set ({settings.explicit_endpoint}); "
            "other commands will use it instead of the emulator started here"
        )
    with terminal.status(f"Starting MiniStack on 127.0.0.1:{port}"):
        result = start(settings.paths, port=port, region=settings.region, deadline_seconds=deadline)
    record = result.record
    if as_json:
        terminal.json(
            {
                "endpointUrl": record.endpoint_url,
                "pid": record.pid,
                "alreadyRunning": result.already_running,
                "readySeconds": result.ready_seconds,
                "version": result.health.version,
                "stateDir": record.state_dir,
                "log": record.log_path,
            }
        )
        return
    if result.already_running:
        terminal.success(f"MiniStack already running at {record.endpoint_url} (pid {record.pid})")
    else:
        terminal.success(
            f"MiniStack {result.health.version or ''} ready at {record.endpoint_url} "
            f"in {result.ready_seconds or 0:.2f} s (pid {record.pid})"
        )
    terminal.info(f"  state: {record.state_dir}")
    terminal.info(f"  log:   {record.log_path}")
