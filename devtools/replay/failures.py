"""The on-failure queue: depth and the invocation records that concern this run's records."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from devtools.report.model import FailureMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


def queue_depth(sqs: SQSClient, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def parse_invocation_record(body: str) -> FailureMessage | None:
    """The KinesisBatchInfo of an AWS on-failure invocation record, or None if it is not one."""
    try:
        document: Any = json.loads(body)
        info = document["KinesisBatchInfo"]
        return FailureMessage(
            condition=str(document.get("requestContext", {}).get("condition", "")),
            shard_id=str(info["shardId"]),
            start_sequence=str(info["startSequenceNumber"]),
            end_sequence=str(info["endSequenceNumber"]),
            batch_size=int(info.get("batchSize", 0)),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def peek(sqs: SQSClient, queue_url: str, limit: int = 100) -> list[FailureMessage]:
    """Read up to `limit` messages without consuming them (visibility timeout 0)."""
    found: dict[str, FailureMessage] = {}
    for _ in range(max(1, limit // 10)):
        answer = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
        )
        messages = answer.get("Messages", [])
        if not messages:
            break
        new = 0
        for message in messages:
            parsed = parse_invocation_record(message.get("Body", ""))
            if parsed is not None and message["MessageId"] not in found:
                found[message["MessageId"]] = parsed
                new += 1
        if not new:
            break
    return list(found.values())


def concerning(
    messages: list[FailureMessage], last_sequences: Mapping[str, tuple[str, str]]
) -> list[FailureMessage]:
    """Messages whose sequence range overlaps what this run put (shard -> (first, last))."""
    mine = []
    for message in messages:
        span = last_sequences.get(message.shard_id)
        if span is None:
            continue
        first, last = (int(s) for s in span)
        if int(message.start_sequence) <= last and int(message.end_sequence) >= first:
            mine.append(message)
    return mine
