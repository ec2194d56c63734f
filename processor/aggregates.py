"""Aggregates table layout on the write side: metricKey formats and load-time histogram buckets."""

from __future__ import annotations

from decimal import Decimal

# metricKey = <family>#<dimension values...>; free-form values come last so a key splits
# unambiguously. The families are declared by the event types (processor.model).
SEPARATOR = "#"

# Value attributes.
COUNT = "count"
SUM = "sum"
MIN = "min"
MAX = "max"

# Histogram: upper bounds in milliseconds (inclusive); one attribute per bucket, `le<bound>`
# plus `leInf`. Roughly 25% steps keep p50/p95/p99 within one bucket's width.
LOAD_TIME_BOUNDS_MS: tuple[int, ...] = (
    50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1000, 1250, 1500, 1750, 2000,
    2500, 3000, 3500, 4000, 5000, 6000, 7500, 10000, 12500, 15000, 20000, 30000, 60000,
)  # fmt: skip
INF_BUCKET = "leInf"
_BUCKETS = tuple((bound, f"le{bound}") for bound in LOAD_TIME_BOUNDS_MS)


def bucket_attribute(value: Decimal | int) -> str:
    """The histogram attribute counting `value` (first bound >= the value)."""
    for bound, attribute in _BUCKETS:
        if value <= bound:
            return attribute
    return INF_BUCKET


# Partial items: the sort key is `<minute>/<lane id>`, the lane id of the invocation that wrote
# it (processor/invocation_lane.py). Concurrent invocations hold distinct lane ids, so they never
# update one item at the same time (no TransactionConflict); readers add a minute's partials up
# (devtools/aggregates.py). A bare `<minute>` (items written before lanes) reads as one more
# partial. Exactly-once does not depend on the lane: the conditional put of the results item in
# the same transaction cancels a redelivered event's contributions, whichever lane it lands in.
LANE_SEPARATOR = "/"


def partial_minute(minute: str, lane: str) -> str:
    """The sort key of a lane's partial item of `minute` (`YYYY-MM-DDTHH:MMZ`)."""
    return f"{minute}{LANE_SEPARATOR}{lane}"
