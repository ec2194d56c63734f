"""Watch dataclasses: raw counters of one sample, and the view computed from two samples."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ShardLag:
    """One shard as the mapping driver last reported it."""

    shard_id: str
    phase: str
    iterator_age_ms: int
    millis_behind_latest: int
    pending_records: int
    records_delivered: int
    records_to_destination: int


@dataclass(frozen=True)
class Sample:
    """Cumulative counters read at one instant (None: that source could not be read).

    `minutes` maps each watched minute bucket to its event counts by type (aggregates table).
    """

    taken_at: float  # epoch seconds
    current_minute: str
    minutes: dict[str, dict[str, int]] = field(default_factory=dict)
    load_time_minute: str | None = None  # the current minute, else the newest with page views
    load_time_count: int = 0  # page views of that minute
    load_time_p95: float | None = None
    driver_state: str | None = None
    driver_updated_at: float | None = None
    shards: tuple[ShardLag, ...] = ()
    invocations: int | None = None
    function_errors: int | None = None
    invoke_errors: int | None = None
    failure_queue_depth: int | None = None
    quarantined: int | None = None

    @property
    def events_by_type(self) -> dict[str, int]:
        """Events by type summed over the watched minutes."""
        totals: dict[str, int] = {}
        for counts in self.minutes.values():
            for kind, count in counts.items():
                totals[kind] = totals.get(kind, 0) + count
        return dict(sorted(totals.items()))

    @property
    def records_delivered(self) -> int | None:
        return sum(s.records_delivered for s in self.shards) if self.shards else None

    @property
    def records_to_destination(self) -> int | None:
        return sum(s.records_to_destination for s in self.shards) if self.shards else None

    @property
    def max_iterator_age_ms(self) -> int | None:
        return max(s.iterator_age_ms for s in self.shards) if self.shards else None


@dataclass(frozen=True)
class WatchView:
    """What the live view shows: the latest sample plus rates since the previous one.

    Rates are None on the first sample, or when a counter went backwards (driver restart).
    """

    sample: Sample
    seconds: float | None = None  # since the previous sample
    events_per_second: dict[str, float] = field(default_factory=dict)
    events_per_second_total: float | None = None
    delivered_per_second: float | None = None
    new_function_errors: int | None = None
    new_to_destination: int | None = None
    new_quarantined: int | None = None
