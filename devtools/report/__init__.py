"""Replay reports: what was sent, what was observed, and how the expectations fared."""

from devtools.report.model import (
    AggregateSummary,
    AlarmVerdict,
    CheckResult,
    FailureMessage,
    Latency,
    MetricSummary,
    Observations,
    QuarantinedRecord,
    ReplayReport,
    SendSummary,
    StoredRow,
)

__all__ = [
    "AggregateSummary",
    "AlarmVerdict",
    "CheckResult",
    "FailureMessage",
    "Latency",
    "MetricSummary",
    "Observations",
    "QuarantinedRecord",
    "ReplayReport",
    "SendSummary",
    "StoredRow",
]
