"""`devtools query`: ad-hoc questions on the stored results (aggregates, an event, quarantine)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import click
from rich.table import Table

from devtools.cli.context import Settings, pass_settings
from devtools.cli.render import key_value_table
from devtools.deploy.outputs import StackOutputs, require_outputs
from devtools.errors import UserError
from devtools.query import (
    AggregatesAnswer,
    QuarantineAnswer,
    StoredEvent,
    TypeMinute,
    find_event,
    query_aggregates,
    query_quarantine,
)
from processor import model
from processor.types import Reason


def _outputs(settings: Settings) -> StackOutputs:
    return require_outputs(settings.paths.outputs, settings.client("cloudformation"))


def parse_until(value: str | None) -> dt.datetime:
    """`--until`: a minute (`2026-11-28T01:05Z`) or an ISO timestamp, UTC; default now."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    text = value.strip().removesuffix("Z").removesuffix("z")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"--until {value!r} is not a minute like 2026-11-28T01:05Z or an ISO timestamp"
        ) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _pairs(values: dict[str, int] | dict[str, float]) -> str:
    if not values:
        return "-"
    return ", ".join(
        f"{k} {v:g}" if isinstance(v, int) else f"{k} {v:.2f}" for k, v in values.items()
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _family(event_type: str) -> model.Family | None:
    declared = model.get(event_type)
    return declared.family if declared is not None else None


def _type_columns(event_type: str) -> tuple[str, ...]:
    """The columns of a type's own family, as the event model declares it."""
    family = _family(event_type)
    if family is None:
        return ()
    if family.histogram is not None:
        return (f"{family.name} ({family.histogram}) p50 / p95 / p99 (n)",)
    if family.sums is not None:
        by = f" by {family.dimension_labels[0]}" if family.dimensions else ""
        return (f"{family.name}{by} ({event_type}s)",)
    return tuple(f"by {label}" for label in family.dimension_labels)


def _type_cells(event_type: str, row: TypeMinute) -> tuple[str, ...]:
    family = _family(event_type)
    if family is None:
        return ()
    if family.histogram is not None:
        if not row.load_time_count:
            return ("-",)
        return (
            f"{_ms(row.load_time_p50)} / {_ms(row.load_time_p95)} / {_ms(row.load_time_p99)} "
            f"({row.load_time_count})",
        )
    if family.sums is not None:
        return (
            ", ".join(
                f"{key} {amount:.2f} ({row.purchases.get(key, 0)})"
                for key, amount in row.revenue.items()
            )
            or "-",
        )
    return tuple(_pairs(row.breakdowns.get(label, {})) for label in family.dimension_labels)


class _EventTypeChoice(click.Choice):  # type: ignore[type-arg]
    """The registered event types, read when the option is parsed (a type may be added later)."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(sorted(model.event_types()))

    @choices.setter
    def choices(self, _value: object) -> None:
        pass


def aggregates_table(answer: AggregatesAnswer) -> Table:
    table = Table(
        title=f"{answer.event_type} per minute, {answer.first_minute} .. {answer.last_minute}",
        title_justify="left",
        title_style="bold",
    )
    for column in ("minute", "events", "by device", *_type_columns(answer.event_type)):
        table.add_column(column, overflow="fold", justify="right" if column == "events" else "left")
    for row in (*answer.minutes, answer.total):
        label = "[bold]total[/bold]" if row.minute == "*" else row.minute
        table.add_row(
            label, str(row.count), _pairs(row.by_device), *_type_cells(answer.event_type, row)
        )
    return table


def event_table(event: StoredEvent) -> Table:
    return key_value_table(
        f"{event.event_type} {event.event_id}",
        {name: str(value) for name, value in event.attributes.items()},
    )


def quarantine_table(answer: QuarantineAnswer) -> Table:
    which = f" ({answer.reason})" if answer.reason else ""
    table = Table(
        title=f"Quarantine{which}: {answer.total} records, newest {len(answer.entries)} shown",
        title_justify="left",
        title_style="bold",
    )
    for column in ("reason", "detail", "shard", "sequence", "bytes", "preview"):
        table.add_column(column, overflow="fold", justify="right" if column == "bytes" else "left")
    for entry in answer.entries:
        table.add_row(
            entry.reason,
            entry.detail,
            entry.shard_id,
            entry.sequence_number,
            "-" if entry.size is None else str(entry.size),
            entry.preview,
        )
    return table


@click.group("query")
def query() -> None:
    """Ad-hoc questions on the stored results: aggregates, one event, quarantined records."""


@query.command("aggregates")
@click.option("--type", "event_type", required=True, type=_EventTypeChoice(), help="Event type.")
@click.option(
    "--minutes",
    default=15,
    show_default=True,
    type=int,
    help="How many minutes back, this one included.",
)
@click.option("--until", help="Last minute of the window (e.g. 2026-11-28T01:05Z) [now, UTC].")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@pass_settings
def aggregates_command(
    settings: Settings, event_type: str, minutes: int, until: str | None, as_json: bool
) -> None:
    """Per-minute aggregates of one event type over the last N minutes.

    Counts by device for every type, plus: revenue and purchases by currency (purchase),
    load-time p50/p95/p99 from the histogram (page_view), counts by errorType and page (error),
    by element (click), by campaign source (user_signup).
    """
    outputs = _outputs(settings)
    answer = query_aggregates(
        settings.client("dynamodb"),
        outputs.get("AggregatesTableName"),
        event_type,
        minutes=minutes,
        until=parse_until(until),
    )
    if as_json:
        settings.terminal.json(dataclasses.asdict(answer))
        return
    settings.terminal.table(aggregates_table(answer))


@query.command("event")
@click.argument("event_id")
@click.option("--json", "as_json", is_flag=True, help="Print the stored item(s) as JSON.")
@pass_settings
def event_command(settings: Settings, event_id: str, as_json: bool) -> None:
    """The stored results item of EVENT_ID, derived fields included (exit 1 if none)."""
    outputs = _outputs(settings)
    found = find_event(settings.client("dynamodb"), outputs.get("ResultsTableName"), event_id)
    if as_json:
        settings.terminal.json({"eventId": event_id, "items": [e.attributes for e in found]})
        return
    for event in found:
        settings.terminal.table(event_table(event))


@query.command("quarantine")
@click.option("--reason", type=click.Choice([r.value for r in Reason]), help="Only this reason.")
@click.option("--limit", default=20, show_default=True, type=int, help="Newest N records.")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@pass_settings
def quarantine_command(settings: Settings, reason: str | None, limit: int, as_json: bool) -> None:
    """Quarantined records, newest first: reason, detail, shard, sequence, bytes preview."""
    outputs = _outputs(settings)
    answer = query_quarantine(
        settings.client("s3"), outputs.quarantine_bucket, reason=reason, limit=limit
    )
    if as_json:
        settings.terminal.json(dataclasses.asdict(answer))
        return
    settings.terminal.table(quarantine_table(answer))
