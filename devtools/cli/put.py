"""`devtools put`: send one event, or a file of events, to the deployed stream."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table

from devtools.cli import fmt
from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.deploy.outputs import require_outputs
from devtools.errors import EventInputError, UserError
from devtools.event_check import EventVerdict, check_record, event_id_after_put, unknown_fields
from devtools.producer import OutgoingRecord, encode_events, parse_events, put_records

MAX_ROWS_SHOWN = 20
MAX_PROBLEMS_SHOWN = 10


def _read(event: str | None, file_: str | None) -> list[Any]:
    if (event is None) == (file_ is None):
        raise UserError("give exactly one of EVENT (a JSON object) or --file PATH")
    if event is not None:
        return parse_events(event, source="EVENT")
    assert file_ is not None
    if file_ == "-":
        return parse_events(sys.stdin.read(), source="<stdin>")
    try:
        text = Path(file_).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EventInputError(f"cannot read {file_}: {exc}") from exc
    return parse_events(text, source=file_)


def _refuse_invalid(
    settings: Settings, verdicts: list[EventVerdict], source: str, *, raw: bool
) -> None:
    """Stop before sending what the processor would quarantine (unless --raw)."""
    bad = [(i, v) for i, v in enumerate(verdicts) if not v.valid]
    if not bad:
        return
    for index, verdict in bad[:MAX_PROBLEMS_SHOWN]:
        line = f"{source} event {index + 1}: would be quarantined as {verdict.reason}: "
        # one unwrapped line per event, like `file:line: problem`, for editors and scripts
        settings.terminal.err.print(
            line + verdict.detail,
            markup=False,
            highlight=False,
            style="yellow" if raw else "red",
            soft_wrap=True,
        )
    if len(bad) > MAX_PROBLEMS_SHOWN:
        settings.terminal.info(f"... and {len(bad) - MAX_PROBLEMS_SHOWN} more")
    if not raw:
        raise UserError(
            f"{len(bad)} of {len(verdicts)} events would be quarantined by the processor; "
            "nothing was sent (fix them, or add --raw to send them anyway)"
        )


def _table(records: list[OutgoingRecord], rows: list[tuple[int, str, str, str]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("eventId", no_wrap=True)
    table.add_column("shard", no_wrap=True)
    table.add_column("sequence", no_wrap=True)
    table.add_column("partition key", no_wrap=True, overflow="ellipsis")
    for index, event_id, shard_id, sequence in rows[:MAX_ROWS_SHOWN]:
        table.add_row(
            str(index + 1),
            event_id,
            fmt.shard(shard_id),
            fmt.tail(sequence),
            records[index].partition_key,
        )
    return table


@click.command(
    short_help="Put one event or a file of events on the stream.",
    epilog=examples(
        """devtools put '{"eventType":"click","userId":"user_1","elementId":"cta"}'""",
        "devtools put --file events.jsonl          # JSON Lines or a JSON array",
        "cat events.jsonl | devtools put --file -",
        "# send a record the processor will quarantine, on purpose:",
        """devtools put --raw '{"eventType":"clck","userId":"u1"}'""",
    ),
)
@click.argument("event", required=False)
@click.option(
    "--file",
    "-f",
    "file_",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="A file of events: JSON Lines or a JSON array ('-' for stdin).",
)
@click.option("--partition-key", "-k", help="Partition key for every event [default: userId].")
@click.option("--stream", help="Stream name [default: the deployed stack's StreamName].")
@click.option(
    "--raw",
    is_flag=True,
    help="Send events the processor would quarantine too (to test quarantine).",
)
@click.option("--json", "as_json", is_flag=True, help="Print eventId, shard, sequence as JSON.")
@pass_settings
def put(
    settings: Settings,
    event: str | None,
    file_: str | None,
    partition_key: str | None,
    stream: str | None,
    raw: bool,
    as_json: bool,
) -> None:
    """Put EVENT (a JSON object) or the events of --file on the stream.

    Each event is first checked with the processor's own validation: one it would quarantine
    is refused with the reason (exit 1, nothing sent) unless --raw. Prints each record's eventId
    (its own, or the one the processor derives from shard and sequence number), shard and
    sequence number.
    """
    events = _read(event, file_)
    records = encode_events(events, partition_key)
    verdicts = [check_record(record.data) for record in records]
    source = "EVENT" if event is not None else str(file_)
    _refuse_invalid(settings, verdicts, source, raw=raw)
    for index, document in enumerate(events):
        if isinstance(document, dict):
            for name in unknown_fields(document):
                settings.terminal.warn(
                    f"{source} event {index + 1}: field {name} is not a field of "
                    f"{document.get('eventType')} and will be ignored"
                )
    stream_name = (
        stream
        or require_outputs(settings.paths.outputs, settings.client("cloudformation")).stream_name
    )
    summary = put_records(settings.client("kinesis"), stream_name, records)
    rows = [
        (
            r.index,
            event_id_after_put(verdicts[r.index], r.shard_id, r.sequence_number),
            r.shard_id,
            r.sequence_number,
        )
        for r in summary.results
    ]
    if as_json:
        settings.terminal.json(
            {
                "stream": stream_name,
                "records": [
                    {
                        "index": index,
                        "eventId": event_id,
                        "valid": verdicts[index].valid,
                        "shardId": shard_id,
                        "sequenceNumber": sequence,
                        "partitionKey": records[index].partition_key,
                    }
                    for index, event_id, shard_id, sequence in rows
                ],
                "requests": summary.requests,
                "retriedEntries": summary.retried_entries,
            }
        )
        return
    settings.terminal.table(_table(records, rows))
    hidden = len(rows) - MAX_ROWS_SHOWN
    if hidden > 0:
        settings.terminal.info(f"... and {hidden} more (--json lists all)")
    retried = f", {summary.retried_entries} entries retried" if summary.retried_entries else ""
    settings.terminal.success(
        f"{len(rows)} events put on {stream_name} in {summary.requests} request(s), "
        f"{summary.seconds:.2f} s{retried}"
    )
    if rows:
        settings.terminal.info(f"  look one up: devtools query event {rows[0][1]}")
