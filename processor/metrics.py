"""Custom metrics as CloudWatch Embedded Metric Format documents (Powertools), no API calls."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable

from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.types import CloudWatchEMFOutput

from processor import model
from processor.batch import BatchOutcome

NAMESPACE = "RealTimeAnalytics"
# Powertools publishes a document by itself when a metric reaches 100 values; stay below.
_MAX_VALUES_PER_DOCUMENT = 99

Emit = Callable[[str], None]
_Group = tuple[str, str, tuple[tuple[str, str], ...]]  # metric, unit, dimensions


def _document(
    provider: AmazonCloudWatchEMFProvider,
    dimensions: dict[str, str],
    metrics: Iterable[tuple[str, str, Iterable[float]]],
) -> CloudWatchEMFOutput:
    """One document from `provider`, which is left empty for the next one (a provider costs
    more to create than a document to fill)."""
    for name, value in dimensions.items():
        provider.add_dimension(name=name, value=value)
    for name, unit, values in metrics:
        for number in values:
            provider.add_metric(name=name, unit=unit, value=number)
    document = provider.serialize_metric_set()
    provider.clear_metrics()
    return document


def build_metric_documents(
    outcome: BatchOutcome, *, namespace: str = NAMESPACE
) -> list[CloudWatchEMFOutput]:
    """The batch's EMF documents.

    EventsProcessed{EventType,DeviceType} and the per-type values count newly stored events only
    (duplicates are in Batch/Duplicates), so they match the aggregates table.
    """
    # service="" keeps Powertools from adding a `service` dimension from the environment:
    # the dimension sets below are the documented ones, exactly.
    provider = AmazonCloudWatchEMFProvider(namespace=namespace, service="")
    # (metric, unit, dimensions) -> values; one document per group of at most 99 values.
    counts = Counter((p.event.event_type, p.event.device_type) for p in outcome.stored)
    groups: dict[_Group, list[float]] = {
        ("EventsProcessed", "Count", (("EventType", kind), ("DeviceType", device))): [count]
        for (kind, device), count in counts.items()
    }
    for prepared in outcome.stored:  # per-event metrics, as each type declares them
        declared = model.get(prepared.event.event_type)
        fields = {**prepared.event.fields, **prepared.derived}
        for metric in declared.metrics if declared is not None else ():
            if metric.value in fields:
                named = tuple((name, str(fields[source])) for name, source in metric.dimensions)
                group = groups.setdefault((metric.name, metric.unit, named), [])
                group.append(float(fields[metric.value]))
    for reason, count in outcome.quarantined_by_reason.items():
        groups["Quarantined", "Count", (("Reason", reason),)] = [count]
    documents = []
    for (name, unit, dimensions), values in sorted(groups.items()):
        for start in range(0, len(values), _MAX_VALUES_PER_DOCUMENT):
            chunk = values[start : start + _MAX_VALUES_PER_DOCUMENT]
            documents.append(_document(provider, dict(dimensions), [(name, unit, chunk)]))
    batch = {
        "Records": outcome.records,
        "Stored": len(outcome.stored),
        "Duplicates": len(outcome.duplicates),
        "Quarantined": len(outcome.quarantined),
        "Failed": len(outcome.failed),
        "DynamoDBRequests": outcome.dynamodb_requests,
        "Retries": outcome.retries,
    }
    totals = [(f"Batch/{name}", "Count", [count]) for name, count in batch.items()]
    documents.append(_document(provider, {}, totals))
    return documents


def send_custom_metrics(
    outcome: BatchOutcome, *, emit: Emit, namespace: str = NAMESPACE
) -> list[CloudWatchEMFOutput]:
    """Emit the batch's metrics as EMF lines through `emit` (stdout in Lambda); return them.

    CloudWatch turns these log lines into metrics asynchronously: no PutMetricData on the hot
    path. An event type's own metrics are declared with it (processor.model).
    """
    documents = build_metric_documents(outcome, namespace=namespace)
    for document in documents:
        emit(json.dumps(document, separators=(",", ":")))
    return documents
