"""Custom metrics as CloudWatch Embedded Metric Format documents (Powertools), no API calls."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal

from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.types import CloudWatchEMFOutput

from processor.batch import BatchOutcome

NAMESPACE = "RealTimeAnalytics"
# Powertools publishes a document by itself when a metric reaches 100 values; stay below.
_MAX_VALUES_PER_DOCUMENT = 99

Emit = Callable[[str], None]


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


def _chunks(values: list[float]) -> Iterable[list[float]]:
    for start in range(0, len(values), _MAX_VALUES_PER_DOCUMENT):
        yield values[start : start + _MAX_VALUES_PER_DOCUMENT]


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
    documents: list[CloudWatchEMFOutput] = []
    by_type_device = Counter((p.event.event_type, p.event.device_type) for p in outcome.stored)
    for (event_type, device_type), count in sorted(by_type_device.items()):
        documents.append(
            _document(
                provider,
                {"EventType": event_type, "DeviceType": device_type},
                [("EventsProcessed", "Count", [count])],
            )
        )
    amounts: dict[str, list[float]] = {}
    load_times: list[float] = []
    for prepared in outcome.stored:
        fields = prepared.event.fields
        if prepared.event.event_type == "purchase":
            amount = fields["amount"]
            assert isinstance(amount, int | Decimal)
            amounts.setdefault(str(fields["currency"]), []).append(float(amount))
        elif prepared.event.event_type == "page_view":
            load_time = fields["loadTime"]
            assert isinstance(load_time, int | Decimal)
            load_times.append(float(load_time))
    for currency, values in sorted(amounts.items()):
        for chunk in _chunks(values):
            documents.append(
                _document(provider, {"Currency": currency}, [("PurchaseAmount", "None", chunk)])
            )
    for chunk in _chunks(load_times):
        documents.append(_document(provider, {}, [("PageLoadTime", "Milliseconds", chunk)]))
    for reason, count in sorted(outcome.quarantined_by_reason.items()):
        documents.append(
            _document(provider, {"Reason": reason}, [("Quarantined", "Count", [count])])
        )
    documents.append(
        _document(
            provider,
            {},
            [
                ("Batch/Records", "Count", [outcome.records]),
                ("Batch/Stored", "Count", [len(outcome.stored)]),
                ("Batch/Duplicates", "Count", [len(outcome.duplicates)]),
                ("Batch/Quarantined", "Count", [len(outcome.quarantined)]),
                ("Batch/Failed", "Count", [len(outcome.failed)]),
                ("Batch/DynamoDBRequests", "Count", [outcome.dynamodb_requests]),
                ("Batch/Retries", "Count", [outcome.retries]),
            ],
        )
    )
    return documents


def send_custom_metrics(
    outcome: BatchOutcome, *, emit: Emit, namespace: str = NAMESPACE
) -> list[CloudWatchEMFOutput]:
    """Emit the batch's metrics as EMF lines through `emit` (stdout in Lambda); return them.

    CloudWatch turns these log lines into metrics asynchronously: no PutMetricData on the hot
    path. Adding an event type's metric means adding it to build_metric_documents.
    """
    documents = build_metric_documents(outcome, namespace=namespace)
    for document in documents:
        emit(json.dumps(document, separators=(",", ":")))
    return documents
