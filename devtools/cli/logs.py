"""`devtools logs`: the function's CloudWatch Logs from the emulator; `--follow` tails them."""

from __future__ import annotations

import json
from collections.abc import Iterable

import click
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from devtools.cli.context import Settings, pass_settings
from devtools.cli.fmt import fit_words
from devtools.cli.help import examples
from devtools.cli.log_lines import describe
from devtools.cli.metrics_view import MetricRow, metrics_table
from devtools.cli.terminal import Terminal
from devtools.deploy.outputs import require_outputs
from devtools.emf import parse_lines, summarize
from devtools.logs import LogEvent, follow, parse_since, read_events

_LEVEL_STYLES = {
    "ERROR": "bold red",
    "CRITICAL": "bold red",
    "WARN": "yellow",
    "EMF": "cyan",
    "START": "dim",
    "END": "dim",
    "REPORT": "dim",
}
_LEVEL_WIDTH = 6


def log_line(event: LogEvent, *, width: int) -> Text:
    """`20:14:51.655 INFO   batch processed records=2`, words kept whole at `width`."""
    line = describe(event.message)
    stamp = event.time.strftime("%H:%M:%S.%f")[:-3]
    prefix = len(stamp) + 1 + _LEVEL_WIDTH + 1
    return Text.assemble(
        (stamp, "dim"),
        " ",
        (line.level[:_LEVEL_WIDTH].ljust(_LEVEL_WIDTH), _LEVEL_STYLES.get(line.level, "")),
        " ",
        fit_words(line.text, max(width - prefix, 20)),
    )


def _print_events(
    terminal: Terminal, events: Iterable[LogEvent], *, as_json: bool, raw: bool
) -> None:
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
        if not raw:
            terminal.out.print(log_line(event, width=terminal.width))
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
    return metrics_table(
        f"Metrics emitted as EMF in the logs ({', '.join(namespaces) or 'none'})",
        (
            MetricRow(
                name=s.name if len(namespaces) < 2 else f"{s.namespace}/{s.name}",
                unit=s.unit,
                dimensions=s.dimensions,
                samples=s.sample_count,
                total=s.total,
                minimum=s.minimum,
                maximum=s.maximum,
            )
            for s in summaries
        ),
    )


@click.command(
    short_help="The function's logs: level, time, message per line.",
    epilog=examples(
        "devtools logs --since 10m",
        "devtools logs -f                 # keep following (Ctrl-C ends)",
        "devtools logs --raw              # each line as logged (EMF JSON too)",
        "devtools logs --metrics          # the EMF metrics summed up",
    ),
)
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
@click.option(
    "--raw", is_flag=True, help="Print each message exactly as logged (EMF JSON included)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (or summary).")
@pass_settings
def logs(
    settings: Settings,
    follow_lines: bool,
    since: str,
    group: str | None,
    metrics: bool,
    raw: bool,
    as_json: bool,
) -> None:
    """Show the processor function's CloudWatch Logs, one line per event.

    Each line: time, level, message. Lambda's START/END/REPORT lines and the EMF metric
    documents are summarized; --raw prints them as logged; --metrics sums the EMF metrics up.
    """
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
        _print_events(terminal, events, as_json=as_json, raw=raw)
        if not events and not as_json:
            terminal.info(
                f"no log events in {group_name} since {since}: try --since 1d, or send an "
                "event (`devtools put ...`) and follow with `devtools logs -f`"
            )
        return
    terminal.info(f"following {group_name} (Ctrl-C to stop)")
    try:
        _print_events(
            terminal, follow(client, group_name, start_ms=start_ms), as_json=as_json, raw=raw
        )
    except KeyboardInterrupt:
        return
