"""`devtools deploy`: deploy the CDK app to the emulator, verify it, start the mapping driver."""

from __future__ import annotations

import time
from typing import Any

import click
from rich.status import Status

from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.cli.render import (
    findings_view,
    outputs_view,
    verification_summary,
    verification_view,
)
from devtools.cli.terminal import Terminal
from devtools.deploy.clients import AwsClients
from devtools.deploy.flow import DeployOptions, DeployResult
from devtools.deploy.flow import deploy as run_deploy
from devtools.emulator.health import probe
from devtools.errors import UserError
from devtools.paths import project_root


class SpinnerProgress:
    """Renders deploy steps on a spinner: step name, elapsed seconds, latest CLI line."""

    def __init__(self, spinner: Status) -> None:
        self.spinner = spinner
        self.began = time.monotonic()
        self.name = "starting"
        self.line = ""

    def _render(self) -> None:
        elapsed = time.monotonic() - self.began
        line = self.line if len(self.line) <= 90 else self.line[:87] + "..."
        self.spinner.update(f"[bold]{self.name}[/bold] [dim]{elapsed:5.1f}s[/dim]  {line}")

    def step(self, name: str) -> None:
        self.name = name
        self.line = ""
        self._render()

    def detail(self, line: str) -> None:
        # CDK's event lines: "Stack | 3/24 | 1:00:00 AM | CREATE_COMPLETE | AWS::X | path"
        parts = [part.strip() for part in line.split("|")]
        self.line = " ".join(parts[3:6]) if len(parts) >= 6 else line.strip()
        self._render()


def _parse_context(values: tuple[str, ...]) -> dict[str, str]:
    context: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--context {item!r}: expected key=value (e.g. lambdaBatchSize=50)")
        context[key] = value
    return context


def _deploy_once(settings: Settings, options: DeployOptions) -> DeployResult:
    clients = AwsClients.build(settings.client)
    with settings.terminal.status("deploy") as spinner:
        progress = SpinnerProgress(spinner)
        return run_deploy(
            options,
            clients,
            progress,
            iam_enforced=lambda: probe(options.endpoint_url).iam_enforced,
        )


def _render(terminal: Terminal, result: DeployResult, *, show_all: bool) -> None:
    steps = " · ".join(f"{s.name} {s.seconds:.1f}s" for s in result.steps)
    terminal.success(f"deployed in {result.total_seconds:.1f} s ({steps})")
    if result.report is not None:
        line, unexpected = verification_summary(result.report)
        if show_all:
            terminal.print(verification_view(result.report, width=terminal.width, show_all=True))
        elif unexpected:
            # only what nobody expects in full; the known gaps stay one line
            terminal.print(
                findings_view(
                    result.report.unexpected,
                    width=terminal.width,
                    title="Unexpected differences between the template and the emulator",
                )
            )
        (terminal.warn if unexpected else terminal.success)(line)
        if not show_all:
            terminal.info("  the full table: devtools status --verification")
    terminal.print(outputs_view(result.outputs.values, width=terminal.width))
    if result.driver_pid is not None:
        terminal.success(
            f"mapping driver running (pid {result.driver_pid}); "
            f"emulator poller for the mapping: {result.mapping_state}"
        )


def _as_json(result: DeployResult) -> dict[str, Any]:
    return {
        "outputs": result.outputs.values,
        "bootstrapped": result.bootstrapped,
        "mappingState": result.mapping_state,
        "driverPid": result.driver_pid,
        "steps": {s.name: round(s.seconds, 3) for s in result.steps},
        "totalSeconds": round(result.total_seconds, 3),
        "verification": result.report.to_json() if result.report else None,
    }


def deploy_from_watch(settings: Settings, options: DeployOptions | None = None) -> None:
    """A full deploy from a watch loop (stack/ or the pins changed)."""
    options = options or _options(settings, verify=True, start_driver=True, context={})
    result = _deploy_once(settings, options)
    settings.terminal.success(f"redeployed in {result.total_seconds:.1f} s")


def _options(
    settings: Settings, *, verify: bool, start_driver: bool, context: dict[str, str]
) -> DeployOptions:
    return DeployOptions(
        project_root=project_root(),
        endpoint_url=settings.endpoint_url,
        region=settings.region,
        paths=settings.paths,
        verify=verify,
        start_driver=start_driver,
        context=context,
    )


@click.command(
    short_help="Deploy the stack to the emulator, verify it, start the driver.",
    epilog=examples(
        "devtools deploy",
        "devtools deploy -c lambdaBatchSize=50 -c kinesisShardCount=4",
        "devtools deploy --watch      # then sync or redeploy on every save",
        "devtools deploy --all        # every compared setting",
    ),
)
@click.option("--no-verify", is_flag=True, help="Skip the template-vs-emulator verification.")
@click.option(
    "--no-driver", is_flag=True, help="Leave the emulator's own poller in charge (no driver)."
)
@click.option(
    "--context",
    "-c",
    "context",
    multiple=True,
    metavar="KEY=VALUE",
    help="CDK context for the stack (e.g. -c lambdaBatchSize=50).",
)
@click.option(
    "--all", "show_all", is_flag=True, help="Show every compared setting, not only differences."
)
@click.option(
    "--watch",
    is_flag=True,
    help="Then watch: processor/ saves are synced, stack/ saves redeploy (Ctrl-C ends).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_settings
def deploy(
    settings: Settings,
    no_verify: bool,
    no_driver: bool,
    context: tuple[str, ...],
    show_all: bool,
    watch: bool,
    as_json: bool,
) -> None:
    """Deploy the stack to the emulator with the CDK CLI, verify it, start the mapping driver.

    Bootstraps CDK when needed, compares every deployed resource with the template (one summary
    line when only the emulator's known gaps differ), re-applies what the emulator dropped and
    starts the mapping driver. A redeploy keeps data and stream positions.
    """
    options = _options(
        settings, verify=not no_verify, start_driver=not no_driver, context=_parse_context(context)
    )
    result = _deploy_once(settings, options)
    if as_json:
        settings.terminal.json(_as_json(result))
    else:
        _render(settings.terminal, result, show_all=show_all)
    if watch:
        # processor-only saves take the sync path (seconds); stack/ or pin changes redeploy
        from devtools.cli.sync import watch_loop

        clients = AwsClients.build(settings.client)
        watch_loop(settings, clients, lambda: deploy_from_watch(settings, options))
