"""Which deployed alarms would fire on this run: their definitions against what was observed.

The emulator does not turn EMF into metrics and publishes no Kinesis, SQS or DynamoDB metrics,
so each alarm's metric is read from CloudWatch when datapoints exist (the emulator records
AWS/Lambda ones per invocation) and otherwise derived from the replay's own observations.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devtools.report.model import AlarmVerdict, MetricSummary

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

_COMPARE: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanOrEqualToThreshold": (">=", operator.ge),
    "GreaterThanThreshold": (">", operator.gt),
    "LessThanThreshold": ("<", operator.lt),
    "LessThanOrEqualToThreshold": ("<=", operator.le),
}


# CDK names alarms `<Stack>-<ConstructPath><LogicalIdHash>-<Suffix>`; people think in the
# construct's own id (`LambdaErrors`), which is also what scenario expectations name.
_CDK_ALARM_NAME = re.compile(r"^(?:[A-Za-z0-9]+-)?(?:Monitoring)?(?P<id>.+?)[0-9A-F]{8}-[0-9A-Z]+$")


def display_name(alarm_name: str) -> str:
    """The construct id inside a CDK-generated alarm name; any other name unchanged."""
    match = _CDK_ALARM_NAME.match(alarm_name)
    return match.group("id") if match else alarm_name


@dataclass(frozen=True)
class Signals:
    """What the replay measured itself, for metrics the emulator does not publish."""

    incoming_records: int = 0
    function_errors: int | None = None
    max_duration_ms: float | None = None
    max_iterator_age_ms: float | None = None
    queue_depth: int | None = None
    # onFailureDestination=s3: objects the mapping wrote to the bucket during the replay
    failure_objects_written: int | None = None
    dynamodb_throttles: int = 0
    emf: tuple[MetricSummary, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AlarmDefinition:
    """The parts of a DescribeAlarms MetricAlarm this evaluation uses."""

    name: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    period: int
    comparison: str
    threshold: float
    treat_missing: str
    actions: tuple[str, ...] = ()


def definitions(
    cloudwatch: CloudWatchClient, topic_arn: str | None = None
) -> list[AlarmDefinition]:
    """Metric alarms (all, or those notifying `topic_arn`); metric-math alarms are skipped."""
    found = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page.get("MetricAlarms", []):
            if "MetricName" not in alarm:
                continue
            actions = tuple(alarm.get("AlarmActions", []))
            if topic_arn and topic_arn not in actions:
                continue
            found.append(
                AlarmDefinition(
                    name=alarm["AlarmName"],
                    namespace=alarm.get("Namespace", ""),
                    metric=alarm["MetricName"],
                    dimensions={d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])},
                    statistic=str(alarm.get("Statistic") or alarm.get("ExtendedStatistic", "")),
                    period=int(alarm.get("Period", 60)),
                    comparison=alarm.get("ComparisonOperator", "GreaterThanOrEqualToThreshold"),
                    threshold=float(alarm.get("Threshold", 0.0)),
                    treat_missing=alarm.get("TreatMissingData", "missing"),
                    actions=actions,
                )
            )
    return sorted(found, key=lambda a: a.name)


def cloudwatch_value(
    cloudwatch: CloudWatchClient, alarm: AlarmDefinition, start: dt.datetime, end: dt.datetime
) -> float | None:
    """The worst period value of the alarm's metric in [start, end], or None without data."""
    if alarm.statistic not in ("Sum", "Maximum", "Minimum", "Average", "SampleCount"):
        return None
    answer = cloudwatch.get_metric_statistics(
        Namespace=alarm.namespace,
        MetricName=alarm.metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in alarm.dimensions.items()],
        StartTime=start,
        EndTime=end,
        Period=max(1, alarm.period),
        Statistics=[alarm.statistic],  # type: ignore[list-item]
    )
    values: list[float] = [
        float(point[alarm.statistic])  # type: ignore[literal-required]
        for point in answer.get("Datapoints", [])
        if alarm.statistic in point
    ]
    if not values:
        return None
    return min(values) if alarm.comparison.startswith("Less") else max(values)


def derived_value(alarm: AlarmDefinition, signals: Signals) -> tuple[float | None, str]:
    """The alarm's metric as the replay observed it, and where the number comes from."""
    key = (alarm.namespace, alarm.metric)
    if key == ("AWS/Lambda", "Errors"):
        return _maybe(signals.function_errors), "function errors reported by the mapping driver"
    if key == ("AWS/Lambda", "Duration"):
        return signals.max_duration_ms, "slowest invocation seen by the mapping driver"
    if key == ("AWS/Lambda", "IteratorAge") or alarm.metric.startswith("GetRecords.IteratorAge"):
        return signals.max_iterator_age_ms, "largest iterator age seen by the mapping driver"
    if key == ("AWS/Kinesis", "IncomingRecords"):
        return float(signals.incoming_records), "records this replay put on the stream"
    if alarm.namespace == "AWS/SQS" and "NumberOfMessages" in alarm.metric:
        return _maybe(signals.queue_depth), "messages in the queue after the replay"
    if key == ("AWS/S3", "PutRequests"):
        # Only the on-failure bucket has request metrics (onFailureDestination=s3).
        return _maybe(signals.failure_objects_written), "objects the replay's batches wrote there"
    if alarm.namespace == "AWS/DynamoDB":
        return float(signals.dynamodb_throttles), "the emulator does not throttle DynamoDB"
    matching = [
        m
        for m in signals.emf
        if m.name == alarm.metric
        and all(m.dimensions.get(k) == v for k, v in alarm.dimensions.items())
    ]
    if matching:
        return _emf_stat(alarm.statistic, matching), "EMF lines in the function's logs"
    return None, "no data for this metric in the replay"


def _maybe(value: int | None) -> float | None:
    return None if value is None else float(value)


def _emf_stat(statistic: str, metrics: list[MetricSummary]) -> float:
    if statistic == "Maximum":
        return max(m.maximum for m in metrics)
    if statistic == "Minimum":
        return min(m.minimum for m in metrics)
    if statistic == "SampleCount":
        return float(sum(m.count for m in metrics))
    if statistic == "Average":
        return sum(m.sum for m in metrics) / max(1, sum(m.count for m in metrics))
    return sum(m.sum for m in metrics)


def verdict(alarm: AlarmDefinition, observed: float | None, basis: str) -> AlarmVerdict:
    """Compare the observed value with the threshold; no data follows TreatMissingData."""
    symbol, compare = _COMPARE.get(alarm.comparison, (">=", operator.ge))
    metric = f"{alarm.namespace}/{alarm.metric}"
    if observed is None:
        fires = alarm.treat_missing == "breaching"
        basis = f"{basis}; missing data treated as {alarm.treat_missing}"
    else:
        fires = bool(compare(observed, alarm.threshold))
    return AlarmVerdict(
        name=alarm.name,
        metric=metric,
        statistic=alarm.statistic,
        comparison=symbol,
        threshold=alarm.threshold,
        observed=observed,
        would_fire=fires,
        basis=basis,
    )


def evaluate(
    cloudwatch: CloudWatchClient,
    alarms: list[AlarmDefinition],
    signals: Signals,
    start: dt.datetime,
    end: dt.datetime,
) -> list[AlarmVerdict]:
    """A verdict per alarm: CloudWatch datapoints first, the replay's own signals otherwise."""
    verdicts = []
    for alarm in alarms:
        observed: Any = cloudwatch_value(cloudwatch, alarm, start, end)
        basis = f"CloudWatch {alarm.statistic} over the replay"
        if observed is None:
            observed, basis = derived_value(alarm, signals)
        verdicts.append(verdict(alarm, observed, basis))
    return verdicts
