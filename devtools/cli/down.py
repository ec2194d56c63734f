"""`devtools down`: stop the driver and the emulator that `up` started; `--wipe` local state."""

from __future__ import annotations

import click

from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.deploy import driver_link
from devtools.emulator import stop, wipe
from devtools.emulator.control import SaveProgress
from devtools.errors import UserError


@click.command(
    short_help="Stop the mapping driver and the emulator `up` started.",
    epilog=examples(
        "devtools down",
        "devtools down --wipe             # start from scratch next time",
    ),
)
@click.option(
    "--wipe",
    "wipe_state",
    is_flag=True,
    help="Also delete the emulator state, CDK output and driver checkpoints.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_settings
def down(settings: Settings, wipe_state: bool, as_json: bool) -> None:
    """Stop the mapping driver and MiniStack (only processes devtools started)."""
    terminal = settings.terminal
    driver_pid = driver_link.stop(settings.paths)
    with terminal.status("Stopping MiniStack (saving its state)") as spinner:

        def show(progress: SaveProgress) -> None:
            spinner.update(
                f"Saving emulator state: {progress.service or 'done'} "
                f"({progress.done}/{progress.total} services, "
                f"{progress.bytes_written / 2**20:.1f} MiB written)"
            )

        result = stop(settings.paths, on_progress=show)
    removed = wipe(settings.paths) if wipe_state else []
    if as_json:
        terminal.json(
            {
                "driverPid": driver_pid,
                "emulatorPid": result.pid,
                "graceful": result.graceful,
                "saved": result.saved,
                "savedBytes": result.saved_bytes,
                "wiped": [str(path) for path in removed],
            }
        )
        return
    if driver_pid is not None:
        terminal.success(f"mapping driver stopped (pid {driver_pid})")
    if result.pid is not None and not result.graceful:
        raise UserError(
            f"MiniStack (pid {result.pid}) made no progress saving its state within "
            f"{result.bound_seconds:.0f} s and was killed; the previous saved state is intact "
            f"and the next `devtools up` reports exactly what was rolled back "
            f"(log: {settings.paths.ministack_log})"
        )
    if result.pid is not None:
        terminal.success(
            f"MiniStack stopped (pid {result.pid}), state saved "
            f"({result.saved_bytes / 2**20:.1f} MiB in {result.seconds:.1f} s)"
        )
    elif result.stale_record and not result.saved:
        terminal.warn(
            "MiniStack had stopped without saving its state (crashed or killed); the next "
            "`devtools up` reports exactly what was rolled back"
        )
    elif result.stale_record:
        terminal.info("MiniStack was not running (removed a stale pid file)")
    else:
        terminal.info("MiniStack was not running (nothing started by `devtools up`)")
    if wipe_state:
        terminal.success(f"wiped local state ({len(removed)} paths)")
