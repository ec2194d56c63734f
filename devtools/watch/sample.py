"""Take one watch sample: aggregates of the last minutes, driver status, queue and quarantine."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from devtools import aggregates as agg
from devtools.driver import status as driver_status
from devtools.replay import failures, quarantine
from devtools.replay.run import minutes_between
from devtools.watch.model import Sample, ShardLag

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

DEFAULT_WINDOW_MINUTES = 5


@dataclass(frozen=True)
class WatchSources:
    """Where a sample is read from: clients, the stack's resources and the driver's folder."""

    dynamodb: DynamoDBClient
    s3: S3Client
    sqs: SQSClient
    aggregates_table: str
    quarantine_bucket: str
    failure_queue_url: str | None
    driver_dir: Path
    failure_bucket: str | None = None  # onFailureDestination=s3: objects count as the depth


def fold_minutes(
    rows: list[agg.AggregateRow], current_minute: str
) -> tuple[dict[str, dict[str, int]], agg.AggregateRow | None]:
    """(minute -> events by type, the newest load-time row up to the current minute).

    The current minute has no page views yet right after it starts: the newest minute that
    has some stands in, so the p95 does not blink to nothing at every minute boundary.
    """
    by_minute: defaultdict[str, list[agg.AggregateRow]] = defaultdict(list)
    for row in rows:
        by_minute[row.minute].append(row)
    minutes: dict[str, dict[str, int]] = {}
    load_row: agg.AggregateRow | None = None
    for minute, group in sorted(by_minute.items()):
        folded = agg.fold(group)
        if folded.events:
            minutes[minute] = folded.events
        histogram = folded.histograms.get(agg.LOAD_TIME)
        has_views = histogram is not None and int(histogram.values.get(agg.COUNT, 0)) > 0
        if minute <= current_minute and has_views:
            load_row = histogram
    return minutes, load_row


def _shards(status: driver_status.DriverStatus | None) -> tuple[ShardLag, ...]:
    if status is None:
        return ()
    return tuple(
        ShardLag(
            shard_id=s.shard_id,
            phase=s.phase,
            iterator_age_ms=s.iterator_age_ms,
            millis_behind_latest=s.millis_behind_latest,
            pending_records=s.pending_records,
            records_delivered=s.records_delivered,
            records_to_destination=s.records_to_destination,
        )
        for s in status.shards
    )


def _queue_depth(sources: WatchSources) -> int | None:
    try:
        store = failures.FailureStore(sources.failure_queue_url, sources.failure_bucket)
        return failures.depth(sources.sqs, sources.s3, store)
    except (ClientError, BotoCoreError):
        return None


def _quarantined(sources: WatchSources) -> int | None:
    try:
        return sum(1 for _ in quarantine.list_keys(sources.s3, sources.quarantine_bucket))
    except (ClientError, BotoCoreError):
        return None


def take_sample(
    sources: WatchSources, *, now: dt.datetime, window_minutes: int = DEFAULT_WINDOW_MINUTES
) -> Sample:
    """Read every counter once; `now` (UTC) picks the current minute and the window."""
    current = now.strftime(agg.MINUTE_FORMAT)
    watched = minutes_between(now - dt.timedelta(minutes=max(0, window_minutes - 1)), now)
    rows = list(agg.snapshot(sources.dynamodb, sources.aggregates_table, watched).values())
    minutes, load_row = fold_minutes(rows, current)
    percentiles = agg.load_time_percentiles(load_row, (0.95,)) if load_row else {}
    p95 = percentiles.get(0.95)
    status = driver_status.load(sources.driver_dir)
    return Sample(
        taken_at=now.timestamp(),
        current_minute=current,
        minutes=minutes,
        load_time_minute=load_row.minute if load_row else None,
        load_time_count=int(load_row.values.get(agg.COUNT, 0)) if load_row else 0,
        load_time_p95=None if p95 is None else round(p95, 1),
        driver_state=status.state if status else None,
        driver_updated_at=status.updated_at if status else None,
        shards=_shards(status),
        invocations=status.invocations.invocations if status else None,
        function_errors=status.invocations.function_errors if status else None,
        invoke_errors=status.invocations.invoke_errors if status else None,
        failure_queue_depth=_queue_depth(sources),
        quarantined=_quarantined(sources),
    )
