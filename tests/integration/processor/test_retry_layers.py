"""One retry layer: with the handler's client config the request metric counts HTTP requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from processor.batch import process_batch
from processor.retry import CLIENT_CONFIG
from tests.integration.processor.tables import Resources
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

pytestmark = pytest.mark.emulator

THROTTLED = {
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "injected throttle",
}


class _Body:
    """The raw body botocore reads an AWSResponse's content from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def _throttle() -> AWSResponse:
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.0"
    return AWSResponse("http://injected", 400, headers, _Body(json.dumps(THROTTLED).encode()))


def test_a_throttled_chunk_is_retried_by_one_layer_and_every_request_counted(
    resources: Resources,
) -> None:
    # GIVEN a DynamoDB client configured as the handler's, whose first three HTTP requests of
    # TransactWriteItems are throttled at the wire (before-send: botocore's retry handler sees
    # them as it would see DynamoDB's answers)
    dynamodb: Any = resources.session.client(
        "dynamodb", endpoint_url=resources.emulator.endpoint_url, config=CLIENT_CONFIG
    )
    sent: list[str] = []
    throttled: list[str] = []

    def count(**_: Any) -> None:
        sent.append("request")

    def throttle(**_: Any) -> AWSResponse | None:
        if len(throttled) < 3:
            throttled.append("TransactWriteItems")
            return _throttle()
        return None

    # Every request of every operation is counted; only transactions are throttled.
    dynamodb.meta.events.register("before-send.dynamodb", count)
    dynamodb.meta.events.register("before-send.dynamodb.TransactWriteItems", throttle)
    events = mixed_events(40)
    batch = kinesis_event([kinesis_record(e, i) for i, e in enumerate(events)])
    # WHEN a batch is processed
    outcome = process_batch(batch, resources.dependencies(dynamodb=dynamodb))
    # THEN the processor's own loop retried three times, and the metric equals the requests
    # that left the client (botocore "standard" retries would have sent more than it counted)
    assert len(throttled) == 3
    assert outcome.failed == []
    assert outcome.retries == 3
    assert outcome.dynamodb_requests == len(sent)
