"""`devtools watch`: a live terminal view of the pipeline while traffic flows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import click
from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from devtools.cli import fmt
from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.deploy.outputs import require_outputs
from devtools.watch import (
    DEFAULT_WINDOW_MINUTES,
    Sample,
    WatchSources,
    WatchView,
    take_sample,
    view,
)


def events_table(watch: WatchView) -> Table:
    sample = watch.sample
    this_minute = sample.minutes.get(sample.current_minute, {})
    window = sample.events_by_type
    table = Table(title="Events by type", title_justify="left", title_style="bold")
    table.add_column("type")
    for column in ("events/s", f"minute {sample.current_minute[11:16]}", "window"):
        table.add_column(column, justify="right")
    kinds = sorted(set(window) | set(watch.events_per_second))
    for kind in kinds:
        table.add_row(
            kind,
            fmt.rate(watch.events_per_second.get(kind, 0.0) if watch.seconds else None),
            str(this_minute.get(kind, 0)),
            str(window.get(kind, 0)),
        )
    table.add_row(
        "[bold]all[/bold]",
        fmt.rate(watch.events_per_second_total),
        str(sum(this_minute.values())),
        str(sum(window.values())),
    )
    return table


def shards_table(sample: Sample) -> Table:
    table = Table(title="Mapping driver lag per shard", title_justify="left", title_style="bold")
    table.add_column("shard")
    for column in ("iterator age", "behind latest", "pending", "delivered", "to DLQ"):
        table.add_column(column, justify="right")
    for shard in sample.shards:
        name = fmt.shard(shard.shard_id)
        table.add_row(
            name + ("" if shard.phase == "active" else f" ({shard.phase})"),
            fmt.age(shard.iterator_age_ms),
            fmt.age(shard.millis_behind_latest),
            str(shard.pending_records),
            str(shard.records_delivered),
            str(shard.records_to_destination),
        )
    return table


def render(watch: WatchView) -> RenderableType:
    sample = watch.sample
    moment = dt.datetime.fromtimestamp(sample.taken_at, tz=dt.UTC).strftime("%H:%M:%S")
    driver = (
        Text("driver: no status (is it running? `devtools status`)", style="yellow")
        if sample.driver_state is None
        else Text(
            f"driver {sample.driver_state}, {fmt.rate(watch.delivered_per_second)} records/s "
            f"delivered, {fmt.count(sample.invocations)} invocations"
        )
    )
    p95 = (
        f"{sample.load_time_p95:.0f} ms (n={sample.load_time_count})"
        if sample.load_time_p95 is not None
        else "-"
    )
    counters = Table(show_header=False, box=None, padding=(0, 2))
    counters.add_column(style="bold")
    counters.add_column()
    counters.add_row(
        "function errors", fmt.count(sample.function_errors) + fmt.plus(watch.new_function_errors)
    )
    counters.add_row(
        "to on-failure queue",
        f"{fmt.count(sample.records_to_destination)} records{fmt.plus(watch.new_to_destination)}, "
        f"queue depth {fmt.count(sample.failure_queue_depth)}",
    )
    counters.add_row("quarantined", fmt.count(sample.quarantined) + fmt.plus(watch.new_quarantined))
    if sample.load_time_minute and sample.load_time_minute != sample.current_minute:
        p95 += f" in {sample.load_time_minute[11:16]}"
    elif sample.load_time_minute:
        p95 += " this minute"
    counters.add_row("p95 load time", p95)
    parts: list[RenderableType] = [Text(f"{moment} UTC", style="bold"), driver, counters]
    parts.append(events_table(watch))
    if sample.shards:
        parts.append(shards_table(sample))
    return Group(*parts)


def view_json(watch: WatchView) -> dict[str, Any]:
    """The view as JSON, with the totals the live view derives from the sample."""
    data = dataclasses.asdict(watch)
    sample = watch.sample
    data["sample"].update(
        events_by_type=sample.events_by_type,
        records_delivered=sample.records_delivered,
        records_to_destination=sample.records_to_destination,
        max_iterator_age_ms=sample.max_iterator_age_ms,
    )
    return data


@click.command(
    "watch",
    short_help="Live view of the pipeline while traffic flows.",
    epilog=examples(
        "devtools watch                   # until Ctrl-C",
        "devtools watch --interval 2 --duration 60",
        "devtools watch --once --json     # one snapshot for scripts",
    ),
)
@click.option(
    "--interval", default=1.0, show_default=True, type=float, help="Seconds between samples."
)
@click.option("--duration", type=float, help="Stop after this many seconds [until Ctrl-C].")
@click.option(
    "--window",
    default=DEFAULT_WINDOW_MINUTES,
    show_default=True,
    type=click.IntRange(1, 60),
    help="Minutes of aggregates to count events over.",
)
@click.option("--once", is_flag=True, help="One snapshot (rates over one --interval) and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --once: print the snapshot as JSON.")
@pass_settings
def watch(
    settings: Settings,
    interval: float,
    duration: float | None,
    window: int,
    once: bool,
    as_json: bool,
) -> None:
    """Live view: events/s by type, driver lag per shard, errors, DLQ, quarantine, p95 load time."""
    if as_json and not once:
        raise click.UsageError("--json needs --once")
    if interval < 0 or (not once and interval <= 0):
        raise click.UsageError("--interval must be positive")
    outputs = require_outputs(settings.paths.outputs, settings.client("cloudformation"))
    sources = WatchSources(
        dynamodb=settings.client("dynamodb"),
        s3=settings.client("s3"),
        sqs=settings.client("sqs"),
        aggregates_table=outputs.get("AggregatesTableName"),
        quarantine_bucket=outputs.quarantine_bucket,
        failure_queue_url=outputs.values.get("FailureQueueUrl"),
        driver_dir=settings.paths.driver_dir,
        failure_bucket=outputs.values.get("FailureBucketName"),
    )

    def sample() -> Sample:
        return take_sample(sources, now=dt.datetime.now(dt.UTC), window_minutes=window)

    if once:
        first = sample()
        current = first
        if interval > 0:
            time.sleep(interval)
            current = sample()
        snapshot = view(first if current is not first else None, current)
        if as_json:
            settings.terminal.json(view_json(snapshot))
        else:
            settings.terminal.print(render(snapshot))
        return
    _live(settings, sample, interval, duration)


def _live(
    settings: Settings, sample: Callable[[], Sample], interval: float, duration: float | None
) -> None:
    started = time.monotonic()
    previous: Sample | None = None
    try:
        with Live(console=settings.terminal.out, auto_refresh=False, transient=False) as live:
            while True:
                current = sample()
                live.update(render(view(previous, current)), refresh=True)
                previous = current
                left = None if duration is None else duration - (time.monotonic() - started)
                if left is not None and left <= 0:
                    break
                time.sleep(interval if left is None else min(interval, left))
    except KeyboardInterrupt:
        # Ctrl-C is how a watch normally ends: not an error
        pass
