"""`devtools logs`: the function's CloudWatch Logs from the emulator; `--follow` tails them."""

from __future__ import annotations

import json
from collections.abc import Iterable

import click
from rich.markup import escape
from rich.table import Table

from devtools.cli.context import Settings, pass_settings
from devtools.cli.terminal import Terminal
from devtools.deploy.outputs import require_outputs
from devtools.emf import parse_lines, summarize
from devtools.logs import LogEvent, follow, parse_since, read_events


def _print_events(terminal: Terminal, events: Iterable[LogEvent], *, as_json: bool) -> None:
    for event in events:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "timestamp": event.time.isoformat(timespec="milliseconds"),
                        "stream": event.stream,
                        "message": event.message,
                    }
                )
            )
            continue
        stamp = event.time.strftime("%H:%M:%S.%f")[:-3]
        # one stream per invocation: its last characters tell invocations apart
        terminal.out.print(
            f"[dim]{stamp}[/dim] [cyan]{escape(event.stream[-8:])}[/cyan] {escape(event.message)}",
            soft_wrap=True,
        )


def _metrics_table(events: list[LogEvent]) -> Table:
    summaries = summarize(parse_lines(e.message for e in events))
    namespaces = sorted({s.namespace for s in summaries})
    table = Table(
        title=f"Metrics emitted as EMF in the logs ({', '.join(namespaces) or 'none'})",
        title_justify="left",
    )
    table.add_column("metric", no_wrap=True)
    table.add_column("dimensions", overflow="fold", min_width=24)
    table.add_column("unit", no_wrap=True)
    for column in ("samples", "sum", "min", "max"):
        table.add_column(column, justify="right", no_wrap=True)
    for summary in summaries:
        table.add_row(
            summary.name if len(namespaces) < 2 else f"{summary.namespace}/{summary.name}",
            ", ".join(f"{k}={v}" for k, v in summary.dimensions) or "-",
            summary.unit,
            str(summary.sample_count),
            f"{summary.total:g}",
            f"{summary.minimum:g}",
            f"{summary.maximum:g}",
        )
    return table


@click.command()
@click.option(
    "--follow", "-f", "follow_lines", is_flag=True, help="Keep printing new lines (Ctrl-C stops)."
)
@click.option(
    "--since",
    default="1h",
    show_default=True,
    help="How far back: 30s, 10m, 2h, 1d, or an ISO-8601 time.",
)
@click.option("--group", help="Log group [default: the stack's ProcessorLogGroupName].")
@click.option("--metrics", is_flag=True, help="Summarize the EMF metrics instead of lines.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (or summary).")
@pass_settings
def logs(
    settings: Settings,
    follow_lines: bool,
    since: str,
    group: str | None,
    metrics: bool,
    as_json: bool,
) -> None:
    """Show the processor function's CloudWatch Logs (START/END/REPORT, its output, EMF)."""
    start_ms = parse_since(since)
    group_name = (
        group
        or require_outputs(settings.paths.outputs, settings.client("cloudformation")).log_group_name
    )
    client = settings.client("logs")
    terminal = settings.terminal
    if metrics:
        events = read_events(client, group_name, start_ms=start_ms)
        if as_json:
            terminal.json(
                [
                    {
                        "namespace": s.namespace,
                        "name": s.name,
                        "dimensions": dict(s.dimensions),
                        "unit": s.unit,
                        "samples": s.sample_count,
                        "sum": s.total,
                        "min": s.minimum,
                        "max": s.maximum,
                    }
                    for s in summarize(parse_lines(e.message for e in events))
                ]
            )
        else:
            terminal.table(_metrics_table(events))
        return
    if not follow_lines:
        events = read_events(client, group_name, start_ms=start_ms)
        _print_events(terminal, events, as_json=as_json)
        if not events and not as_json:
            terminal.info(f"no log events in {group_name} since {since}")
        return
    terminal.info(f"following {group_name} (Ctrl-C to stop)")
    try:
        _print_events(terminal, follow(client, group_name, start_ms=start_ms), as_json=as_json)
    except KeyboardInterrupt:
        return
