"""The invocation record AWS sends to a Kinesis mapping's on-failure destination."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from devtools.driver.policy import RECORD_AGE_EXCEEDED
from devtools.driver.records import EventContext, StreamRecord, build_event
from devtools.driver.response import InvokeResult
from devtools.driver.types import InvocationRecord, ResponseContext


def iso_millis(epoch_seconds: float) -> str:
    """AWS's timestamp format in these records: `2019-11-14T00:38:06.021Z`."""
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# Every object key the mapping writes to an S3 on-failure destination starts here.
S3_KEY_PREFIX = "aws/lambda/"


def is_s3_destination(destination_arn: str) -> bool:
    """`arn:<partition>:s3:::<bucket>`: the destination that also receives the records."""
    parts = destination_arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "s3"


def s3_object_key(mapping_uuid: str, shard_id: str, wall_now: float, suffix: str = "") -> str:
    """`aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`
    (Lambda developer guide, kinesis-on-failure-destination), at the record's `timestamp`."""
    moment = datetime.fromtimestamp(wall_now, tz=UTC)
    return (
        f"{S3_KEY_PREFIX}{mapping_uuid}/{shard_id}/{moment:%Y/%m/%d}/"
        f"{moment:%Y-%m-%dT%H.%M.%S}-{suffix or uuid.uuid4()}"
    )


def _response_context(last: InvokeResult) -> ResponseContext:
    # AWS sends `functionError: null` when the function answered normally (a partial or
    # malformed batch response), "Unhandled" etc. when it raised (LocalStack's AWS-validated
    # snapshots, tests/conformance/recordings).
    return {
        "statusCode": last.status_code,
        "executedVersion": last.executed_version,
        "functionError": last.function_error or None,
    }


def invocation_record(
    *,
    records: Sequence[StreamRecord],
    condition: str,
    function_arn: str,
    stream_arn: str,
    invoke_count: int,
    last_result: InvokeResult | None,
    wall_now: float,
    request_id: str | None = None,
    payload_context: EventContext | None = None,
) -> InvocationRecord:
    """Metadata of a discarded batch; a redrive reads the records back by sequence number.

    RecordAgeExceeded records carry no `responseContext` and count at least one invocation
    even when the records expired before any (AWS's recordings); `payload_context` adds the
    batch's invocation event, which AWS puts only in S3 destination objects.
    """
    first, last = records[0], records[-1]
    expired = condition == RECORD_AGE_EXCEEDED
    record: InvocationRecord = {
        "requestContext": {
            "requestId": request_id or str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": max(1, invoke_count) if expired else invoke_count,
        },
        "version": "1.0",
        "timestamp": iso_millis(wall_now),
        "KinesisBatchInfo": {
            "shardId": first.shard_id,
            "startSequenceNumber": first.sequence_number,
            "endSequenceNumber": last.sequence_number,
            "approximateArrivalOfFirstRecord": iso_millis(first.arrival),
            "approximateArrivalOfLastRecord": iso_millis(last.arrival),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
    if not expired and last_result is not None:
        record["responseContext"] = _response_context(last_result)
    if payload_context is not None:
        record["payload"] = build_event(records, payload_context)
    return record
