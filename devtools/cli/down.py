"""`devtools down`: stop the driver and the emulator that `up` started; `--wipe` local state."""

from __future__ import annotations

import click

from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.deploy import driver_link
from devtools.emulator import stop, wipe


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
    result = stop(settings.paths)
    removed = wipe(settings.paths) if wipe_state else []
    if as_json:
        terminal.json(
            {
                "driverPid": driver_pid,
                "emulatorPid": result.pid,
                "graceful": result.graceful,
                "wiped": [str(path) for path in removed],
            }
        )
        return
    if driver_pid is not None:
        terminal.success(f"mapping driver stopped (pid {driver_pid})")
    if result.pid is not None:
        how = "" if result.graceful else " (killed: it did not exit in time, state may be stale)"
        terminal.success(f"MiniStack stopped (pid {result.pid}){how}")
    elif result.stale_record:
        terminal.info("MiniStack was not running (removed a stale pid file)")
    else:
        terminal.info("MiniStack was not running (nothing started by `devtools up`)")
    if wipe_state:
        terminal.success(f"wiped local state ({len(removed)} paths)")
