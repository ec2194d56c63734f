"""Pure report dataclasses: observations of one replay and the expectation checks."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SendSummary:
    """How the records went out: counts, PutRecords calls, time, retries, records per shard."""

    records: int = 0
    batches: int = 0
    seconds: float = 0.0
    retried: int = 0
    per_shard: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class StoredRow:
    """One results-table item of this run, reduced to what a summary shows."""

    event_id: str
    event_type: str
    timestamp: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AggregateSummary:
    """Aggregates of one minute (or the whole run when `minute` is `*`)."""

    minute: str
    events: dict[str, int] = field(default_factory=dict)
    revenue: dict[str, float] = field(default_factory=dict)
    purchases: dict[str, int] = field(default_factory=dict)
    load_time_count: int = 0
    load_time_p50: float | None = None
    load_time_p95: float | None = None
    load_time_p99: float | None = None
    errors_by_page: dict[str, int] = field(default_factory=dict)
    errors_by_type: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class QuarantinedRecord:
    """A quarantine object of this run, with the step and reason the scenario gave it."""

    reason: str
    detail: str
    shard_id: str
    sequence_number: str
    step: str | None = None
    expected_reason: str | None = None


@dataclass(frozen=True)
class FailureMessage:
    """One invocation record from the on-failure queue (metadata only, as on AWS)."""

    condition: str
    shard_id: str
    start_sequence: str
    end_sequence: str
    batch_size: int


@dataclass(frozen=True)
class MetricSummary:
    """One EMF metric with one dimension set, folded over the run's log lines."""

    name: str
    dimensions: dict[str, str]
    unit: str
    count: int
    sum: float
    minimum: float
    maximum: float


@dataclass(frozen=True)
class AlarmVerdict:
    """Whether a deployed alarm would fire on what this run produced, and why."""

    name: str
    metric: str
    statistic: str
    comparison: str
    threshold: float
    observed: float | None
    would_fire: bool
    basis: str


@dataclass(frozen=True)
class Latency:
    """End-to-end latency (put to stored) of this run's stored events, in seconds."""

    count: int
    p50: float
    p95: float
    maximum: float


@dataclass(frozen=True)
class Observations:
    """Everything read back after the replay drained; only this run's items are counted."""

    stored_by_type: dict[str, int] = field(default_factory=dict)
    sample_rows: tuple[StoredRow, ...] = ()
    minutes: tuple[AggregateSummary, ...] = ()
    totals: AggregateSummary = field(default_factory=lambda: AggregateSummary(minute="*"))
    quarantined: tuple[QuarantinedRecord, ...] = ()
    failure_messages: tuple[FailureMessage, ...] = ()
    failure_queue_depth: int = 0
    metrics: tuple[MetricSummary, ...] = ()
    alarms: tuple[AlarmVerdict, ...] = ()
    latency: Latency | None = None
    notes: tuple[str, ...] = ()
    # the stored items `expect.items` names, by "<step>#<event>" (None: not stored)
    items: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def stored_total(self) -> int:
        return sum(self.stored_by_type.values())

    @property
    def quarantined_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(q.reason for q in self.quarantined).items()))


@dataclass(frozen=True)
class CheckResult:
    """One expectation: what the scenario said, what was measured, and the verdict."""

    name: str
    expected: str
    actual: str
    passed: bool


@dataclass(frozen=True)
class ReplayReport:
    """The whole outcome of replaying one scenario file."""

    scenario: str
    file: str
    run_id: str
    started_at: str
    send: SendSummary
    drained: bool
    drain_seconds: float
    observations: Observations
    checks: tuple[CheckResult, ...] = ()

    @property
    def passed(self) -> bool:
        return self.drained and all(check.passed for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (`--json`): every dataclass field plus the verdict."""
        data = dataclasses.asdict(self)
        data["passed"] = self.passed
        data["observations"]["stored_total"] = self.observations.stored_total
        data["observations"]["quarantined_by_reason"] = self.observations.quarantined_by_reason
        data["send"]["rate"] = round(self.send.rate, 1)
        return data
