"""Aggregates of this run: the delta of the touched minutes, summarized per minute and overall."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from devtools.aggregates import ERRORS, LOAD_TIME, REVENUE, AggregateRow, fold, merge_rows
from devtools.report.model import AggregateSummary


def summarize(rows: Iterable[AggregateRow], minute: str) -> AggregateSummary:
    """One summary of rows (all from one minute, or merged over the run)."""
    folded = fold(rows)
    load_count, percentiles = folded.percentiles(LOAD_TIME)
    errors = folded.breakdowns.get(ERRORS, {})
    return AggregateSummary(
        minute=minute,
        events=folded.events,
        revenue={k: float(v) for k, v in folded.sums.get(REVENUE, {}).items() if v},
        purchases=folded.sum_counts.get(REVENUE, {}),
        load_time_count=load_count,
        load_time_p50=_round(percentiles.get(0.5)),
        load_time_p95=_round(percentiles.get(0.95)),
        load_time_p99=_round(percentiles.get(0.99)),
        errors_by_page=errors.get("page", {}),
        errors_by_type=errors.get("errorType", {}),
    )


def per_minute(rows: list[AggregateRow]) -> tuple[tuple[AggregateSummary, ...], AggregateSummary]:
    """Summaries per minute (sorted) and over the whole run."""
    by_minute: defaultdict[str, list[AggregateRow]] = defaultdict(list)
    for row in rows:
        by_minute[row.minute].append(row)
    minutes = tuple(summarize(group, minute) for minute, group in sorted(by_minute.items()))
    totals = summarize(merge_rows(rows).values(), "*")
    return minutes, totals


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
