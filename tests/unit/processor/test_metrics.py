"""send_custom_metrics: EMF documents with the seed's names and the documented dimensions."""

from __future__ import annotations

import json
from typing import Any

from processor.batch import BatchOutcome
from processor.metrics import send_custom_metrics
from processor.pipeline import Prepared
from processor.types import Reason
from tests.unit.processor.factories import page_view, purchase
from tests.unit.processor.test_folding import prepared


def metrics_by_name(documents: list[Any]) -> dict[str, list[tuple[dict[str, str], Any]]]:
    found: dict[str, list[tuple[dict[str, str], Any]]] = {}
    for document in documents:
        directive = document["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == "RealTimeAnalytics"
        dimension_names = directive["Dimensions"][0]
        dims = {name: document[name] for name in dimension_names}
        for metric in directive["Metrics"]:
            found.setdefault(metric["Name"], []).append((dims, document[metric["Name"]]))
    return found


def test_metrics_of_a_batch() -> None:
    # GIVEN a batch with 2 stored purchases, 150 stored page views, a duplicate, a quarantine
    stored: list[Prepared] = [
        prepared(purchase(eventId="p1", amount=10)),
        prepared(purchase(eventId="p2", amount=5.5, currency="EUR", deviceType="mobile")),
    ]
    stored += [prepared(page_view(eventId=f"v{n}", loadTime=n)) for n in range(150)]
    outcome = BatchOutcome(
        stored=stored,
        duplicates=[prepared(purchase(eventId="p3"))],
        quarantined=[("1", Reason.NOT_JSON)],
        failed=["9"],
        records=155,
        dynamodb_requests=4,
    )
    lines: list[str] = []
    # WHEN the metrics are sent
    documents = send_custom_metrics(outcome, emit=lines.append)
    # THEN each document was emitted as one JSON line
    assert [json.loads(line) for line in lines] == documents
    found = metrics_by_name(documents)
    assert sorted((d["EventType"], d["DeviceType"], v) for d, v in found["EventsProcessed"]) == [
        ("page_view", "desktop", [150.0]),
        ("purchase", "mobile", [1.0]),
        ("purchase", "unknown", [1.0]),
    ]
    assert sorted((d["Currency"], v) for d, v in found["PurchaseAmount"]) == [
        ("EUR", [5.5]),
        ("USD", [10.0]),
    ]
    # 150 values are split so that Powertools never flushes a document by itself
    load_values = [v for _, values in found["PageLoadTime"] for v in values]
    assert sorted(load_values) == [float(n) for n in range(150)]
    assert all(dims == {} for dims, _ in found["PageLoadTime"])
    assert found["Quarantined"] == [({"Reason": "not_json"}, [1.0])]
    assert found["Batch/Records"] == [({}, [155.0])]
    assert found["Batch/Stored"] == [({}, [152.0])]
    assert found["Batch/Duplicates"] == [({}, [1.0])]
    assert found["Batch/Failed"] == [({}, [1.0])]
    assert found["Batch/DynamoDBRequests"] == [({}, [4.0])]


def test_no_service_dimension_even_when_powertools_service_is_set(monkeypatch: Any) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "realtime-analytics")
    documents = send_custom_metrics(BatchOutcome(records=0), emit=lambda _: None)
    assert documents[-1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]
    assert "service" not in documents[-1]
