"""`devtools up`: start the embedded emulator (MiniStack) on 127.0.0.1."""

from __future__ import annotations

import click

from devtools.cli.context import DEFAULT_PORT, Settings, pass_settings
from devtools.cli.help import examples
from devtools.deploy.clients import AwsClients
from devtools.deploy.flow import resume_driver
from devtools.emulator import ownership, start
from devtools.emulator.recovery import UncleanStop


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
    default=None,
    help=f"Port on 127.0.0.1 to listen on. [default: the running emulator's port, else the "
    f"last one used here, else {DEFAULT_PORT}]",
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
def up(
    settings: Settings, port: int | None, deadline: float, no_driver: bool, as_json: bool
) -> None:
    """Start MiniStack from this virtualenv on 127.0.0.1, state kept under .devtools/ministack/.

    Idempotent: an emulator `up` started earlier is reused. The mapping driver of a stack
    deployed before the last `down` is resumed.
    """
    terminal = settings.terminal
    settings.paths.ensure()
    port = port or ownership.preferred_port(settings.paths)
    if settings.explicit_endpoint:
        terminal.warn(
            f"--endpoint-url/AWS_ENDPOINT_URL is set ({settings.explicit_endpoint}); "
            "other commands will use it instead of the emulator started here"
        )
    with terminal.status(f"Starting MiniStack on 127.0.0.1:{port}"):
        result = start(settings.paths, port=port, region=settings.region, deadline_seconds=deadline)
    record = result.record
    if result.unclean_stop is not None and not as_json:
        for line in unclean_stop_lines(result.unclean_stop):
            terminal.warn(line)
    ownership.remember_port(settings.paths, record.port)
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
                "uncleanStop": result.unclean_stop.to_json() if result.unclean_stop else None,
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


def unclean_stop_lines(found: UncleanStop) -> list[str]:
    """What the crash of the previous emulator rolled back, exactly, and what happens next."""
    lost = found.rollback
    lines = [
        f"the previous emulator (pid {found.pid}) stopped without saving its state: "
        f"restored the last saved state, which lacks {lost.entries} acknowledged write "
        f"call(s) made after it"
    ]
    for stream, shards in sorted(lost.records.items()):
        per_shard = ", ".join(f"{shard} {count:,}" for shard, count in sorted(shards.items()))
        lines.append(
            f"  stream {stream}: {sum(shards.values()):,} record(s) rolled back ({per_shard})"
        )
    for table, count in sorted(lost.writes.items()):
        lines.append(f"  table {table}: {count:,} item write(s) rolled back")
    others = {call: n for call, n in lost.calls.items() if call not in _COUNTED_ABOVE}
    if others:
        shown = ", ".join(f"{call} x{n}" for call, n in sorted(others.items()))
        lines.append(f"  other calls rolled back: {shown}")
    how = {
        "restored": "the mapping driver resumes from the checkpoints saved with that state "
        "(records processed since are re-delivered; processing is idempotent)",
        "reset": "the mapping driver starts over from the mapping's starting position "
        "(no checkpoint existed when the state was saved)",
        "none": "no mapping driver checkpoints to realign",
    }[found.checkpoints]
    lines.append(f"  {how}; send the lost records again if you need them")
    return lines


_DDB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
_COUNTED_ABOVE = frozenset(
    {"kinesis PutRecord", "kinesis PutRecords", *(f"dynamodb {a}" for a in _DDB_WRITES)}
)
