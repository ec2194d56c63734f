"""Metrics emitted as CloudWatch Embedded Metric Format lines in the function's log group."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from devtools import emf, logs
from devtools.report.model import MetricSummary

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient


def fold(messages: Iterable[str]) -> list[MetricSummary]:
    """One summary per (metric, dimension set) of the EMF lines among `messages`."""
    return [
        MetricSummary(
            name=summary.name,
            dimensions=dict(summary.dimensions),
            unit=summary.unit,
            count=summary.sample_count,
            sum=summary.total,
            minimum=summary.minimum,
            maximum=summary.maximum,
        )
        for summary in emf.summarize(emf.parse_lines(messages))
    ]


def log_messages(
    logs_client: CloudWatchLogsClient, group: str, start_ms: int, end_ms: int
) -> list[str]:
    """Every log message of `group` between the two epoch-millisecond instants (none if the
    group does not exist yet); paged the way the emulator needs, see `devtools.logs`."""
    return [
        event.message
        for event in logs.read_events(logs_client, group, start_ms=start_ms, end_ms=end_ms)
    ]
