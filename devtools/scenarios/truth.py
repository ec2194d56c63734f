"""What a plan should produce: the processor's own pure path run over the planned records."""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

from devtools import aggregates as agg
from devtools.scenarios.plan import Plan, PlannedRecord
from processor.pipeline import Poison, Prepared, prepare_record
from processor.store import coalesce
from processor.types import RecordRef

# Stand-in stream position for the dry run; the real one is only known after PutRecords.
_SHARD = "shardId-000000000000"


@dataclass(frozen=True)
class RecordVerdict:
    """What the processor will do with one planned record: store it (type) or quarantine it."""

    index: int
    event_type: str | None
    reason: str | None
    detail: str


@dataclass(frozen=True)
class PlanTruth:
    """Exact expected results of a plan; events are unique by (eventId, timestamp), first wins."""

    records: int
    verdicts: tuple[RecordVerdict, ...] = ()
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


def classify(record: PlannedRecord, arrival: dt.datetime) -> Poison | Prepared:
    """Run the processor's decode/validate/analyse path on one planned record (no I/O)."""
    ref = RecordRef(
        shard_id=_SHARD,
        sequence_number=f"{record.index + 1:056d}",
        partition_key=record.partition_key,
        arrival=arrival.timestamp(),
        data_base64=base64.b64encode(record.data).decode("ascii"),
    )
    return prepare_record(ref, ttl_days=30)


def compute(plan: Plan) -> PlanTruth:
    """Fold the plan's records the way the exactly-once pipeline does.

    Each unique event's aggregate contributions (the processor's own, from the event model)
    are summed into aggregates rows and read back with the same fold as `replay` and `query`.
    """
    seen: set[tuple[str, str]] = set()
    verdicts: list[RecordVerdict] = []
    stored: Counter[str] = Counter()
    quarantined: Counter[str] = Counter()
    unique: list[Prepared] = []
    for record in plan.records:
        outcome = classify(record, plan.start)
        if isinstance(outcome, Poison):
            reason = str(outcome.rejection.reason)
            quarantined[reason] += 1
            verdicts.append(RecordVerdict(record.index, None, reason, outcome.rejection.detail))
            continue
        event = outcome.event
        verdicts.append(RecordVerdict(record.index, event.event_type, None, "stored"))
        if outcome.key in seen:
            continue
        seen.add(outcome.key)
        stored[event.event_type] += 1
        unique.append(outcome)
    folded = agg.fold(_rows(unique))
    errors = folded.breakdowns.get(agg.ERRORS, {})
    return PlanTruth(
        records=len(plan.records),
        verdicts=tuple(verdicts),
        stored=dict(sorted(stored.items())),
        quarantined=dict(sorted(quarantined.items())),
        revenue={k: float(v) for k, v in folded.sums.get(agg.REVENUE, {}).items()},
        purchases=folded.sum_counts.get(agg.REVENUE, {}),
        load_times=tuple(
            float(p.extreme[1])
            for p in unique
            if p.extreme is not None and p.extreme[0][0] == agg.LOAD_TIME
        ),
        errors_by_page=errors.get("page", {}),
        errors_by_type=errors.get("errorType", {}),
    )


def _rows(events: list[Prepared]) -> list[agg.AggregateRow]:
    """The aggregates rows these events add up to, as the store would write them."""
    return [
        agg.decode_item(
            {
                "metricKey": {"S": metric_key},
                "minute": {"S": minute},
                **{name: {"N": str(value)} for name, value in values.items()},
            }
        )
        for (metric_key, minute), values in coalesce(events).items()
    ]
