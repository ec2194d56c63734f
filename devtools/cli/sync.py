"""`devtools sync [--watch]`: processor code live in about a second, without CloudFormation."""

from __future__ import annotations

import time
from typing import Any

import click

from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.deploy.clients import AwsClients
from devtools.errors import UserError
from devtools.paths import project_root
from devtools.sync import imports
from devtools.sync.flow import NeedsDeployError, SyncResult
from devtools.sync.flow import sync as run_sync


def _render(settings: Settings, result: SyncResult, *, began: float) -> None:
    terminal = settings.terminal
    if not result.pushed:
        terminal.info("the function already runs this processor code (nothing to push)")
        return
    steps = " · ".join(f"{name} {seconds:.2f}s" for name, seconds in result.steps.items())
    terminal.success(
        f"synced processor/ to {result.function_name} in {time.monotonic() - began:.1f} s "
        f"({result.code_bytes / 1e6:.1f} MB; {steps}); the next batch runs it"
    )


def _as_json(result: SyncResult) -> dict[str, Any]:
    return {
        "functionName": result.function_name,
        "pushed": result.pushed,
        "codeSha256": result.code_sha256,
        "codeBytes": result.code_bytes,
        "steps": {name: round(seconds, 3) for name, seconds in result.steps.items()},
    }


def watch_loop(settings: Settings, clients: AwsClients, deploy_again: Any) -> None:
    """Sync on processor-only saves; call `deploy_again()` when stack/ or the pins changed."""
    from devtools.sync.watching import changes  # the file watcher only where it is used

    root = project_root()
    terminal = settings.terminal
    imports.warm(root)  # forked import checks then start with the dependencies loaded
    terminal.info("watching processor/, stack/ and cdk.json (Ctrl-C to stop)")
    try:
        for change in changes(root):
            began = time.monotonic()
            shown = ", ".join(change.files[:3]) + (" ..." if len(change.files) > 3 else "")
            try:
                if change.needs_deploy:
                    terminal.info(f"{shown} changed: full deploy")
                    deploy_again()
                else:
                    _render(settings, run_sync(root, settings.paths, clients), began=began)
            except UserError as exc:
                terminal.error(str(exc))
    except KeyboardInterrupt:
        # Ctrl-C is how a watch normally ends (`sync --watch`, `deploy --watch`): not an error
        terminal.info("stopped watching")


@click.command(
    short_help="Push processor/ to the function in seconds (no CloudFormation).",
    epilog=examples(
        "devtools sync           # import check; the next batch runs the new code",
        "devtools sync --watch   # on every save; stack/ saves run a full deploy",
        "devtools sync --force --json",
    ),
)
@click.option("--watch", is_flag=True, help="Keep watching; stack/ changes run a full deploy.")
@click.option("--force", is_flag=True, help="Push even when the function runs this code.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_settings
def sync(settings: Settings, watch: bool, force: bool, as_json: bool) -> None:
    """Push processor/ to the deployed function (no CloudFormation), after an import check."""
    began = time.monotonic()
    clients = AwsClients.build(settings.client)
    try:
        result = run_sync(project_root(), settings.paths, clients, force=force)
    except NeedsDeployError as exc:
        if not watch:
            raise
        from devtools.cli.deploy import deploy_from_watch

        settings.terminal.info(f"{exc}: deploying first")
        deploy_from_watch(settings)
    else:
        if as_json:
            settings.terminal.json(_as_json(result))
        else:
            _render(settings, result, began=began)
    if watch:
        from devtools.cli.deploy import deploy_from_watch

        watch_loop(settings, clients, lambda: deploy_from_watch(settings))
