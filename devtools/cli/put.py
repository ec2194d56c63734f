"""`devtools put`: send one event, or a file of events, to the deployed stream."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from devtools.cli.context import Settings, pass_settings
from devtools.deploy.outputs import require_outputs
from devtools.errors import EventInputError, UserError
from devtools.producer import encode_events, parse_events, put_records

MAX_ROWS_SHOWN = 20


@click.command()
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
@click.option("--json", "as_json", is_flag=True, help="Print shard and sequence as JSON.")
@pass_settings
def put(
    settings: Settings,
    event: str | None,
    file_: str | None,
    partition_key: str | None,
    stream: str | None,
    as_json: bool,
) -> None:
    """Put EVENT (a JSON object) or the events of --file on the stream; print shard + sequence."""
    if (event is None) == (file_ is None):
        raise UserError("give exactly one of EVENT (a JSON object) or --file PATH")
    if event is not None:
        events = parse_events(event, source="EVENT")
    else:
        assert file_ is not None
        if file_ == "-":
            text, source = sys.stdin.read(), "<stdin>"
        else:
            try:
                text, source = Path(file_).read_text(encoding="utf-8"), file_
            except (OSError, UnicodeDecodeError) as exc:
                raise EventInputError(f"cannot read {file_}: {exc}") from exc
        events = parse_events(text, source=source)
    records = encode_events(events, partition_key)
    stream_name = (
        stream
        or require_outputs(settings.paths.outputs, settings.client("cloudformation")).stream_name
    )
    summary = put_records(settings.client("kinesis"), stream_name, records)
    if as_json:
        settings.terminal.json(
            {
                "stream": stream_name,
                "records": [
                    {
                        "index": r.index,
                        "shardId": r.shard_id,
                        "sequenceNumber": r.sequence_number,
                        "partitionKey": records[r.index].partition_key,
                    }
                    for r in summary.results
                ],
                "requests": summary.requests,
                "retriedEntries": summary.retried_entries,
            }
        )
        return
    table = Table(title=f"Put on {stream_name}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("partition key")
    table.add_column("shard")
    table.add_column("sequence number")
    for result in summary.results[:MAX_ROWS_SHOWN]:
        table.add_row(
            str(result.index),
            records[result.index].partition_key,
            result.shard_id,
            result.sequence_number,
        )
    settings.terminal.table(table)
    hidden = len(summary.results) - MAX_ROWS_SHOWN
    if hidden > 0:
        settings.terminal.info(f"... and {hidden} more (use --json for all)")
    retried = f", {summary.retried_entries} entries retried" if summary.retried_entries else ""
    settings.terminal.success(
        f"{len(summary.results)} events put in {summary.requests} request(s), "
        f"{summary.seconds:.2f} s{retried}"
    )
