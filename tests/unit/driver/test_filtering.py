"""FilterCriteria patterns against Kinesis records (AWS event filtering rules)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from devtools.driver.exceptions import InvalidMappingError
from devtools.driver.filtering import keep, parse_filters
from devtools.driver.records import StreamRecord
from tests.unit.driver.fakes import STREAM_ARN, harness


def _record(data: Any, key: str = "user-1") -> StreamRecord:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return StreamRecord("shardId-0", "100", key, base64.b64encode(raw).decode(), 1.0)


def _keep(pattern: dict[str, Any], record: StreamRecord) -> bool:
    return keep(record, [pattern], region="us-east-1", stream_arn=STREAM_ARN)


PURCHASE = {"eventType": "purchase", "amount": 42.5, "tags": ["a", "b"], "meta": {"device": "ios"}}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"data": {"eventType": ["purchase"]}}, True),
        ({"data": {"eventType": ["click", "purchase"]}}, True),
        ({"data": {"eventType": ["click"]}}, False),
        ({"data": {"eventType": [{"prefix": "pur"}]}}, True),
        ({"data": {"eventType": [{"suffix": "chase"}]}}, True),
        ({"data": {"eventType": [{"equals-ignore-case": "PURCHASE"}]}}, True),
        ({"data": {"eventType": [{"anything-but": ["click"]}]}}, True),
        ({"data": {"eventType": [{"anything-but": "purchase"}]}}, False),
        ({"data": {"eventType": [{"anything-but": {"prefix": "pur"}}]}}, False),
        ({"data": {"amount": [{"numeric": [">", 40, "<=", 50]}]}}, True),
        ({"data": {"amount": [{"numeric": ["<", 40]}]}}, False),
        ({"data": {"amount": [42.5]}}, True),
        ({"data": {"tags": ["b"]}}, True),  # a list value matches if any element does
        ({"data": {"meta": {"device": ["ios"]}}}, True),
        ({"data": {"coupon": [{"exists": False}]}}, True),
        ({"data": {"coupon": [{"exists": True}]}}, False),
        ({"data": {"eventType": ["purchase"]}, "partitionKey": ["user-1"]}, True),
        ({"data": {"eventType": ["purchase"]}, "partitionKey": ["user-2"]}, False),
        ({"partitionKey": [{"prefix": "user-"}]}, True),
    ],
)
def test_pattern_rules(pattern: dict[str, Any], expected: bool) -> None:
    assert _keep(pattern, _record(PURCHASE)) is expected


def test_non_json_data_matches_only_metadata_patterns() -> None:
    record = _record(b"\xff not json")
    assert not _keep({"data": {"eventType": ["purchase"]}}, record)
    assert _keep({"partitionKey": ["user-1"]}, record)


def test_filters_are_ored_and_no_filters_keep_everything() -> None:
    record = _record(PURCHASE)
    patterns: list[dict[str, Any]] = [
        {"data": {"eventType": ["click"]}},
        {"data": {"amount": [{"numeric": [">", 1]}]}},
    ]
    assert keep(record, patterns, region="us-east-1", stream_arn=STREAM_ARN)
    assert keep(record, [], region="us-east-1", stream_arn=STREAM_ARN)


def test_bad_patterns_are_rejected_with_the_filter_index() -> None:
    with pytest.raises(InvalidMappingError, match="filter 1"):
        parse_filters({"Filters": [{"Pattern": "{}"}, {"Pattern": "{nope"}]})


def test_filtered_records_are_not_delivered_but_checkpointed() -> None:
    # GIVEN a mapping whose filter keeps only purchases
    h = harness(
        batch_size=10,
        filters=parse_filters({"Filters": [{"Pattern": '{"data": {"eventType": ["purchase"]}}'}]}),
    )
    kept = h.stream.put({"eventType": "purchase"})
    h.stream.put({"eventType": "click"})
    last = h.stream.put({"eventType": "click"})
    # WHEN it runs
    h.run()
    # THEN only the purchase is delivered, and the checkpoint passes the filtered records
    assert h.function.batches == [[kept.sequence_number]]
    assert h.checkpoint() == last.sequence_number
    assert h.engine.snapshot().shards[0].records_filtered == 2
