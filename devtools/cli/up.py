"""`devtools up`: start the embedded emulator (MiniStack) on 127.0.0.1."""

from __future__ import annotations

import click

from devtools.cli.context import DEFAULT_PORT, Settings, pass_settings
from devtools.cli.help import examples
from devtools.deploy.clients import AwsClients
from devtools.deploy.flow import resume_driver
from devtools.emulator import start


@click.command(
    short_help="Start the embedded emulator (MiniStack) on 127.0.0.1.",
    epilog=examples(
        "devtools up",
        "devtools up --port 4567      # 4566 taken? later commands find this one",
        "devtools up --json",
    ),
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port on 127.0.0.1 to listen on.",
)
@click.option(
    "--deadline",
    type=click.FloatRange(0.5, 300),
    default=20.0,
    show_default=True,
    help="Seconds to wait for the health endpoint.",
)
@click.option(
    "--no-driver", is_flag=True, help="Do not resume the mapping driver of a deployed stack."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_settings
def up(settings: Settings, port: int, deadline: float, no_driver: bool, as_json: bool) -> None:
    """Start MiniStack from this virtualenv on 127.0.0.1, state kept under .devtools/ministack/.

    Idempotent: an emulator `up` started earlier is reused. The mapping driver of a stack
    deployed before the last `down` is resumed.
    """
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
    resumed = None
    if not no_driver and settings.explicit_endpoint is None:
        # a stack deployed before the restart: its driver stopped with `down`
        resumed = resume_driver(
            settings.paths,
            endpoint_url=record.endpoint_url,
            region=settings.region,
            clients=AwsClients.build(settings.client),
        )
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
                "driverPid": resumed.driver_pid if resumed else None,
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
    if resumed is not None:
        terminal.success(
            f"mapping driver resumed for the deployed stack (pid {resumed.driver_pid}); "
            f"emulator poller {resumed.mapping_state}"
        )
