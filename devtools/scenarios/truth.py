"""What a plan should produce if the pipeline is right: counts and sums computed from the plan."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from devtools.scenarios.plan import Plan

UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class PlanTruth:
    """Exact expected results of a plan: stored events are unique by eventId, first copy wins."""

    records: int
    stored: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    revenue: dict[str, float] = field(default_factory=dict)
    purchases: dict[str, int] = field(default_factory=dict)
    load_times: tuple[float, ...] = ()
    errors_by_page: dict[str, int] = field(default_factory=dict)
    errors_by_type: dict[str, int] = field(default_factory=dict)

    @property
    def stored_total(self) -> int:
        return sum(self.stored.values())

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())

    def load_time_percentile(self, percent: float) -> float | None:
        """Nearest-rank percentile of the exact load times (the pipeline's is a histogram)."""
        if not self.load_times:
            return None
        ordered = sorted(self.load_times)
        rank = max(1, math.ceil(percent / 100 * len(ordered)))
        return ordered[rank - 1]


def compute(plan: Plan) -> PlanTruth:
    """Fold the plan's records the way an exactly-once pipeline would."""
    seen: set[str] = set()
    stored: Counter[str] = Counter()
    quarantined: Counter[str] = Counter()
    revenue: defaultdict[str, float] = defaultdict(float)
    purchases: Counter[str] = Counter()
    load_times: list[float] = []
    errors_by_page: Counter[str] = Counter()
    errors_by_type: Counter[str] = Counter()
    for record in plan.records:
        if record.kind == "malformed" or (record.kind == "duplicate" and record.event is None):
            # a resent poison record is a new stream record: quarantined again, at its position
            quarantined[record.reason or UNCLASSIFIED] += 1
            continue
        event = record.event or {}
        event_id = record.event_id
        if event_id is not None:
            if event_id in seen:
                continue
            seen.add(event_id)
        kind = str(event.get("eventType"))
        stored[kind] += 1
        if kind == "purchase":
            currency = str(event.get("currency"))
            revenue[currency] += float(event.get("amount", 0))
            purchases[currency] += 1
        elif kind == "page_view" and isinstance(event.get("loadTime"), int | float):
            load_times.append(float(event["loadTime"]))
        elif kind == "error":
            errors_by_page[str(event.get("pageUrl"))] += 1
            errors_by_type[str(event.get("errorType"))] += 1
    return PlanTruth(
        records=len(plan.records),
        stored=dict(sorted(stored.items())),
        quarantined=dict(sorted(quarantined.items())),
        revenue={k: round(v, 2) for k, v in sorted(revenue.items())},
        purchases=dict(sorted(purchases.items())),
        load_times=tuple(load_times),
        errors_by_page=dict(sorted(errors_by_page.items())),
        errors_by_type=dict(sorted(errors_by_type.items())),
    )
