"""`devtools destroy`: stop the mapping driver and remove the stack from the emulator."""

from __future__ import annotations

import click

from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.deploy.clients import AwsClients
from devtools.deploy.flow import DeployOptions
from devtools.deploy.flow import destroy as run_destroy
from devtools.paths import project_root


@click.command(
    short_help="Stop the driver and remove the stack from the emulator.",
    epilog=examples("devtools destroy", "devtools destroy --json"),
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_settings
def destroy(settings: Settings, as_json: bool) -> None:
    """Stop the driver and `cdk destroy` the stack on the emulator (local state stays)."""
    options = DeployOptions(
        project_root=project_root(),
        endpoint_url=settings.endpoint_url,
        region=settings.region,
        paths=settings.paths,
    )
    with settings.terminal.status("destroy") as spinner:

        class _Progress:
            def step(self, name: str) -> None:
                spinner.update(name)

            def detail(self, line: str) -> None:
                spinner.update(line.strip()[:100])

        result = run_destroy(options, AwsClients.build(settings.client), _Progress())
    if as_json:
        settings.terminal.json(
            {
                "destroyed": result.destroyed,
                "driverPid": result.driver_pid,
                "seconds": round(result.seconds, 3),
            }
        )
        return
    if result.driver_pid is not None:
        settings.terminal.success(f"mapping driver stopped (pid {result.driver_pid})")
    if result.destroyed:
        settings.terminal.success(f"stack destroyed in {result.seconds:.1f} s")
    else:
        settings.terminal.info("the stack was not deployed here; nothing to destroy")
