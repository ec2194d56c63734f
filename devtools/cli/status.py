"""`devtools status`: emulator, deployed stack, mapping driver per shard, queue and quarantine."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import click
from rich.table import Table

from devtools.cli import fmt
from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.cli.render import outputs_view, verification_summary, verification_view
from devtools.cli.terminal import Terminal
from devtools.deploy.clients import AwsClients
from devtools.deploy.status import LocalStatus, collect


def _render(terminal: Terminal, status: LocalStatus, *, verification: bool) -> None:
    health = status.health
    if health.reachable:
        who = (
            f"started by devtools (pid {status.emulator.pid})"
            if status.emulator and status.emulator.endpoint_url == status.endpoint_url
            else "not started by devtools"
        )
        terminal.print(
            f"[green]●[/green] emulator [bold]{status.endpoint_url}[/bold] "
            f"(MiniStack {health.version or '?'}), {who}"
        )
    else:
        terminal.print(
            f"[red]●[/red] emulator {status.endpoint_url} not reachable (run `devtools up`)"
        )
        return
    if status.stack is None:
        terminal.print("[yellow]●[/yellow] stack not deployed (run `devtools deploy`)")
    else:
        terminal.print(f"[green]●[/green] stack {status.stack.name}: {status.stack.status}")
        terminal.print(outputs_view(status.stack.outputs, width=terminal.width))
    source = status.source
    if source is not None and source.synced_since_deploy and source.synced_at is not None:
        terminal.print(
            f"[yellow]●[/yellow] function code synced {time.time() - source.synced_at:.0f} s ago, "
            "newer than the last deploy (`devtools deploy` brings CloudFormation up to date)"
        )
    if verification and status.verification is not None:
        terminal.print(verification_view(status.verification, width=terminal.width))
    elif verification:
        terminal.print("[yellow]●[/yellow] no verification recorded (run `devtools deploy`)")
    elif status.verification is not None:
        line, unexpected = verification_summary(status.verification)
        dot = "[yellow]●[/yellow]" if unexpected else "[green]●[/green]"
        terminal.print(f"{dot} last deploy {line} (details: --verification)")
    poller = f"emulator poller {status.mapping_state}" if status.mapping_state else ""
    if status.driver_pid is None:
        terminal.print(f"[yellow]●[/yellow] mapping driver not running {poller}")
    else:
        terminal.print(
            f"[green]●[/green] mapping driver running (pid {status.driver_pid}), {poller}"
        )
    driver = status.driver
    if driver is not None:
        age = time.time() - driver.updated_at
        inv = driver.invocations
        terminal.print(
            f"  {driver.state}, updated {age:.0f} s ago; {inv.invocations} invocations, "
            f"{inv.function_errors} function errors, {inv.invoke_errors} invoke errors, "
            f"p95 {inv.duration_ms_p95:.0f} ms"
            + (f"; last error: {driver.last_error}" if driver.last_error else "")
        )
        table = Table(title="Mapping driver per shard", title_justify="left")
        table.add_column("shard", no_wrap=True)
        table.add_column("checkpoint", no_wrap=True)
        table.add_column("age", no_wrap=True, justify="right")
        for column in ("inv", "err", "ok", "DLQ", "pend"):
            table.add_column(column, justify="right", no_wrap=True)
        table.add_column("last result", overflow="fold")
        for shard in driver.shards:
            checkpoint = shard.checkpoint or "-"
            table.add_row(
                fmt.shard(shard.shard_id)
                + ("" if shard.phase == "active" else f" ({shard.phase})"),
                fmt.tail(checkpoint),
                fmt.age(shard.iterator_age_ms),
                str(shard.invocations),
                str(shard.failures),
                str(shard.records_delivered),
                str(shard.records_to_destination),
                str(shard.pending_records),
                shard.last_result,
            )
        terminal.table(table)
    if status.backlog is not None:
        backlog = status.backlog
        failed = (
            f"failure bucket: {fmt.count(backlog.failure_bucket_objects)} objects"
            if backlog.failure_bucket_objects is not None
            else f"failure queue: {fmt.count(backlog.failure_queue_visible)} visible, "
            f"{fmt.count(backlog.failure_queue_in_flight)} in flight"
        )
        terminal.print(f"{failed} · quarantine: {fmt.count(backlog.quarantine_objects)} objects")


def _as_json(status: LocalStatus) -> dict[str, Any]:
    return {
        "endpointUrl": status.endpoint_url,
        "emulator": {
            "reachable": status.health.reachable,
            "version": status.health.version,
            "iamEnforced": status.health.iam_enforced,
            "pid": status.emulator.pid if status.emulator else None,
        },
        "stack": asdict(status.stack) if status.stack else None,
        "mappingState": status.mapping_state,
        "driver": {
            "pid": status.driver_pid,
            "status": status.driver.to_json() if status.driver else None,
        },
        "backlog": asdict(status.backlog) if status.backlog else None,
        "codeSyncedSinceDeploy": bool(status.source and status.source.synced_since_deploy),
        "verificationProblems": [f.to_json() for f in status.verification.problems]
        if status.verification
        else None,
    }


@click.command(
    short_help="Emulator, stack, mapping driver per shard, backlog.",
    epilog=examples(
        "devtools status",
        "devtools status --verification   # the last deploy's findings in full",
        "devtools status --json",
    ),
)
@click.option(
    "--verification",
    is_flag=True,
    help="List the last deploy's template-vs-emulator findings in full.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_settings
def status(settings: Settings, verification: bool, as_json: bool) -> None:
    """Emulator health, the deployed stack, the mapping driver per shard, backlog counts."""
    result = collect(settings.paths, settings.endpoint_url, AwsClients.build(settings.client))
    if as_json:
        settings.terminal.json(_as_json(result))
    else:
        _render(settings.terminal, result, verification=verification)
