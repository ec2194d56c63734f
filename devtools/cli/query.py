"""`devtools query`: ad-hoc questions on the stored results (aggregates, an event, quarantine)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import click
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from devtools.cli import fmt
from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.cli.layout import key_values
from devtools.cli.terminal import Terminal
from devtools.deploy.outputs import StackOutputs, require_outputs
from devtools.errors import UserError
from devtools.query import (
    AggregatesAnswer,
    EventNotFoundError,
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
            f"{fmt.whole(row.load_time_p50)} / {fmt.whole(row.load_time_p95)} / "
            f"{fmt.whole(row.load_time_p99)} ({row.load_time_count})",
        )
    if family.sums is not None:
        return (
            ", ".join(
                f"{key} {amount:.2f} ({row.purchases.get(key, 0)})"
                for key, amount in row.revenue.items()
            )
            or "-",
        )
    return tuple(fmt.pairs(row.breakdowns.get(label, {})) for label in family.dimension_labels)


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
    # one day: minutes as HH:MM under a title that names the day (UTC)
    one_day = answer.first_minute[:10] == answer.last_minute[:10]
    span = (
        f"{answer.first_minute[:10]} {answer.first_minute[11:16]} .. {answer.last_minute[11:16]}"
        if one_day
        else f"{answer.first_minute} .. {answer.last_minute}"
    )
    table = Table(
        title=f"{answer.event_type} per minute, {span} (UTC)",
        min_width=len(answer.event_type) + len(span) + 19,  # the title on one line
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("minute", "events", "by device", *_type_columns(answer.event_type)):
        table.add_column(
            column,
            no_wrap=column in ("minute", "events"),
            justify="right" if column == "events" else "left",
        )
    for row in (*answer.minutes, answer.total):
        minute = row.minute[11:16] if one_day else row.minute
        label = "[bold]total[/bold]" if row.minute == "*" else minute
        table.add_row(
            label, str(row.count), fmt.pairs(row.by_device), *_type_cells(answer.event_type, row)
        )
    return table


def event_view(event: StoredEvent, *, width: int) -> RenderableType:
    return key_values(
        {name: str(value) for name, value in event.attributes.items()},
        width=width,
        title=f"{event.event_type} {event.event_id}",
    )


def quarantine_view(answer: QuarantineAnswer, *, width: int) -> RenderableType:
    """One block per record: reason and position on a line, then detail and bytes preview."""
    which = f" ({answer.reason})" if answer.reason else ""
    parts: list[RenderableType] = [
        Text(
            f"Quarantine{which}: {answer.total} records, newest {len(answer.entries)} shown",
            style="bold",
        )
    ]
    for entry in answer.entries:
        size = "" if entry.size is None else f" · {entry.size} bytes"
        parts.append(
            Text.assemble(
                (entry.reason, "bold red"),
                f"  shard {fmt.shard(entry.shard_id)} · sequence {fmt.tail(entry.sequence_number)}"
                f"{size}",
            )
        )
        parts.append(
            key_values([("detail", entry.detail), ("bytes", entry.preview)], width=width, indent=2)
        )
    return Group(*parts)


def _hint_empty_aggregates(terminal: Terminal, answer: AggregatesAnswer) -> None:
    terminal.info(
        f"no {answer.event_type} events in {answer.first_minute} .. {answer.last_minute} "
        "(UTC): widen --minutes, check --until, or send some with `devtools put` / "
        "`devtools replay scenarios/realistic_mix.yaml`"
    )


@click.group(
    "query",
    short_help="Ask the stored results: aggregates, an event, quarantine.",
    epilog=examples(
        "devtools query aggregates --type purchase --minutes 15",
        "devtools query event 3f0c2a9e-7d1b-4c55-9a0e-1b2c3d4e5f60",
        "devtools query quarantine --reason not_json --limit 5",
    ),
)
def query() -> None:
    """Ad-hoc questions on the stored results: aggregates, one event, quarantined records."""


@query.command(
    "aggregates",
    short_help="Per-minute aggregates of one event type.",
    epilog=examples(
        "devtools query aggregates --type page_view   # the last 15 minutes",
        "devtools query aggregates --type purchase --minutes 60 --json",
        "devtools query aggregates --type error --until 2026-11-28T01:05Z --minutes 5",
    ),
)
@click.option(
    "--type",
    "event_type",
    required=True,
    type=_EventTypeChoice(),
    help="Event type whose aggregates to show.",
)
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
    if answer.total.count == 0:
        _hint_empty_aggregates(settings.terminal, answer)
        return
    settings.terminal.table(aggregates_table(answer))


@query.command(
    "event",
    short_help="The stored item of one eventId.",
    epilog=examples(
        "devtools query event 3f0c2a9e-7d1b-4c55-9a0e-1b2c3d4e5f60",
        "devtools query event my-event-1 --json",
        "# `devtools put` prints the eventId of every event it sends",
    ),
)
@click.argument("event_id")
@click.option("--json", "as_json", is_flag=True, help="Print the stored item(s) as JSON.")
@pass_settings
def event_command(settings: Settings, event_id: str, as_json: bool) -> None:
    """The stored results item of EVENT_ID, derived fields included (exit 1 if none)."""
    outputs = _outputs(settings)
    try:
        found = find_event(settings.client("dynamodb"), outputs.get("ResultsTableName"), event_id)
    except EventNotFoundError as exc:
        raise EventNotFoundError(
            f"{exc}: the event may still be on its way (`devtools watch` shows the driver's lag), "
            f"or it was quarantined (`devtools query quarantine`); `devtools put` prints the "
            "eventId of each event it sends"
        ) from exc
    if as_json:
        settings.terminal.json({"eventId": event_id, "items": [e.attributes for e in found]})
        return
    for event in found:
        settings.terminal.print(event_view(event, width=settings.terminal.width))


@query.command(
    "quarantine",
    short_help="Quarantined records, newest first.",
    epilog=examples(
        "devtools query quarantine",
        "devtools query quarantine --reason invalid_field --limit 5",
        "devtools query quarantine --json",
    ),
)
@click.option(
    "--reason",
    type=click.Choice([r.value for r in Reason]),
    metavar="REASON",
    help=f"Only records of this reason: {', '.join(r.value for r in Reason)}.",
)
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1), help="Newest N records."
)
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
    if not answer.entries:
        which = f" with reason {reason}" if reason else ""
        settings.terminal.info(
            f"no quarantined records{which}: every record sent so far was valid "
            "(`devtools query aggregates --type ...` shows what was stored)"
        )
        return
    settings.terminal.print(quarantine_view(answer, width=settings.terminal.width))
