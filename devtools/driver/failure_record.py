"""The invocation record AWS sends to a Kinesis mapping's on-failure destination."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from devtools.driver.records import StreamRecord
from devtools.driver.response import InvokeResult
from devtools.driver.types import InvocationRecord, ResponseContext


def iso_millis(epoch_seconds: float) -> str:
    """AWS's timestamp format in these records: `2019-11-14T00:38:06.021Z`."""
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _response_context(last: InvokeResult | None) -> ResponseContext:
    if last is None:
        # Expired before any invocation: nothing answered.
        return {"statusCode": 0, "executedVersion": "$LATEST"}
    context: ResponseContext = {
        "statusCode": last.status_code,
        "executedVersion": last.executed_version,
    }
    if last.function_error:
        context["functionError"] = last.function_error
    return context


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
) -> InvocationRecord:
    """Metadata of a discarded batch; a redrive reads the records back by sequence number."""
    first, last = records[0], records[-1]
    return {
        "requestContext": {
            "requestId": request_id or str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": _response_context(last_result),
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
