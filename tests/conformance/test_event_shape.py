"""The invocation event, compared with the Lambda developer guide's Kinesis example.

Source: awsdocs/aws-lambda-developer-guide doc_source/with-kinesis.md ("Example Kinesis record
event"; https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html), and LocalStack's
AWS-validated snapshot test_create_kinesis_event_source_mapping (`kinesis_records`), whose
records have the same keys.
"""

from __future__ import annotations

import json

from devtools.driver.failure_record import invocation_record
from devtools.driver.records import EventContext, StreamRecord, encode_event
from devtools.driver.response import InvokeResult
from tests.conformance.recorded import load

GUIDE = load("lambda_developer_guide.json")


def _records(arrivals: list[float] | None = None) -> list[StreamRecord]:
    example = GUIDE["kinesis_event"]
    records = []
    for index, item in enumerate(example["event"]["Records"]):
        kinesis = item["kinesis"]
        arrival = kinesis["approximateArrivalTimestamp"] if arrivals is None else arrivals[index]
        records.append(
            StreamRecord(
                shard_id=example["context"]["shard_id"],
                sequence_number=kinesis["sequenceNumber"],
                partition_key=kinesis["partitionKey"],
                data_base64=kinesis["data"],
                arrival=arrival,
            )
        )
    return records


def _context() -> EventContext:
    context = GUIDE["kinesis_event"]["context"]
    return EventContext(context["stream_arn"], context["region"], context["role_arn"])


def test_the_event_equals_the_guides_example() -> None:
    # GIVEN the guide's two records / WHEN the driver builds their event
    event = json.loads(encode_event(_records(), _context()))
    # THEN it is the guide's event, key for key and value for value
    assert event == GUIDE["kinesis_event"]["event"]


def test_arrival_times_are_sent_with_millisecond_precision() -> None:
    # GIVEN arrival times with sub-millisecond digits (an emulator may report them)
    records = _records([1545084650.9871234, 1545084711.1664999])
    # WHEN the event is built
    event = json.loads(encode_event(records, _context()))
    # THEN the event has AWS's precision, as in the guide's example
    arrivals = [r["kinesis"]["approximateArrivalTimestamp"] for r in event["Records"]]
    assert arrivals == [1545084650.987, 1545084711.166]


def test_the_invocation_record_equals_the_guides_example() -> None:
    # GIVEN the guide's discarded batch: 500 records, first/last arrivals as in its example
    example = GUIDE["invocation_record"]["record"]
    info = example["KinesisBatchInfo"]
    first = StreamRecord(info["shardId"], info["startSequenceNumber"], "k", "", 1573691884.835)
    last = StreamRecord(info["shardId"], info["endSequenceNumber"], "k", "", 1573691885.580)
    middle = [first] * (info["batchSize"] - 2)
    # WHEN the driver writes the record of its single failed invocation
    record = invocation_record(
        records=[first, *middle, last],
        condition="RetryAttemptsExhausted",
        function_arn=example["requestContext"]["functionArn"],
        stream_arn=info["streamArn"],
        invoke_count=1,
        last_result=InvokeResult(200, b"{}", "Unhandled", "$LATEST"),
        wall_now=1573691886.021,
        request_id=example["requestContext"]["requestId"],
    )
    # THEN it equals the guide's example
    assert record == example
