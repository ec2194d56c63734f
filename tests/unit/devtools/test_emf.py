"""EMF log lines -> metric name, dimensions, values (devtools.emf)."""

from __future__ import annotations

import json

from devtools.emf import parse_line, parse_lines, summarize


def _emf(**fields: object) -> str:
    document = {
        "_aws": {
            "Timestamp": 1_700_000_000_000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "RealTimeAnalytics",
                    "Dimensions": [["EventType", "DeviceType"]],
                    "Metrics": [{"Name": "EventsProcessed", "Unit": "Count"}],
                }
            ],
        },
        "EventType": "page_view",
        "DeviceType": "mobile",
        "EventsProcessed": 3,
    }
    document.update(fields)
    return json.dumps(document)


def test_a_powertools_line_gives_name_dimensions_and_value() -> None:
    # GIVEN an EMF line as Powertools prints it
    line = _emf()
    # WHEN it is parsed
    (datum,) = parse_line(line)
    # THEN the metric, its dimension values and the value come out
    assert datum.namespace == "RealTimeAnalytics"
    assert datum.name == "EventsProcessed"
    assert datum.unit == "Count"
    assert datum.dimensions == (("EventType", "page_view"), ("DeviceType", "mobile"))
    assert datum.values == (3.0,)
    assert datum.timestamp_ms == 1_700_000_000_000
    assert datum.dimension("DeviceType") == "mobile"


def test_array_values_and_an_empty_dimension_set() -> None:
    # GIVEN a metric with no dimensions and several values in one document
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1,
                "CloudWatchMetrics": [
                    {
                        "Namespace": "N",
                        "Dimensions": [[]],
                        "Metrics": [{"Name": "PageLoadTime", "Unit": "Milliseconds"}],
                    }
                ],
            },
            "PageLoadTime": [120, 80.5],
        }
    )
    # WHEN parsed
    (datum,) = parse_line(line)
    # THEN every value is kept and there are no dimensions
    assert datum.values == (120.0, 80.5)
    assert datum.dimensions == ()


def test_a_dimension_without_value_invalidates_only_that_set() -> None:
    # GIVEN two dimension sets, one naming a field the document lacks
    line = _emf(
        _aws={
            "Timestamp": 1,
            "CloudWatchMetrics": [
                {
                    "Namespace": "N",
                    "Dimensions": [["Missing"], ["EventType"]],
                    "Metrics": [{"Name": "EventsProcessed"}],
                }
            ],
        }
    )
    # WHEN parsed
    data = parse_line(line)
    # THEN only the complete set yields a datum (unit defaults to None like CloudWatch)
    assert [(d.dimensions, d.unit) for d in data] == [((("EventType", "page_view"),), "None")]


def test_ordinary_log_lines_and_broken_json_give_nothing() -> None:
    lines = [
        "START RequestId: 1 Version: $LATEST",
        '{"level":"INFO","message":"batch processed"}',
        '{"_aws": {"CloudWatchMetrics": "not a list"}}',
        '{"_aws": broken',
        _emf(EventsProcessed="three"),  # a non-numeric value is not a metric
    ]
    assert parse_lines(lines) == []


def test_a_text_prefix_before_the_document_is_accepted() -> None:
    # GIVEN Lambda's tab-separated text format with the EMF document last
    line = "2024-01-01T00:00:00Z\treq-1\tINFO\t" + _emf()
    # THEN the document is still found
    assert [d.name for d in parse_line(line)] == ["EventsProcessed"]


def test_summarize_folds_by_metric_and_dimensions() -> None:
    # GIVEN three lines: two for mobile page views, one for desktop
    data = parse_lines(
        [_emf(EventsProcessed=2), _emf(EventsProcessed=5), _emf(DeviceType="desktop")]
    )
    # WHEN summarized
    summaries = {dict(s.dimensions)["DeviceType"]: s for s in summarize(data)}
    # THEN counts, sums, min and max are per dimension set
    mobile = summaries["mobile"]
    assert (mobile.sample_count, mobile.total, mobile.minimum, mobile.maximum) == (2, 7.0, 2.0, 5.0)
    assert mobile.average == 3.5
    assert summaries["desktop"].total == 3.0
