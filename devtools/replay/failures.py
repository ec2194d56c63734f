"""The on-failure destination (SQS queue or S3 bucket): depth and the records about this run."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from devtools.driver.failure_record import S3_KEY_PREFIX
from devtools.report.model import FailureMessage

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class FailureStore:
    """Where the deployed stack's mapping sends discarded batches: one of queue / bucket.

    Chosen by the stack's `onFailureDestination` and read from its outputs: `FailureQueueUrl`
    (SQS) or `FailureBucketName` (S3).
    """

    queue_url: str | None = None
    bucket: str | None = None

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, str]) -> FailureStore:
        return cls(
            queue_url=outputs.get("FailureQueueUrl"), bucket=outputs.get("FailureBucketName")
        )

    @property
    def kind(self) -> str:
        """ "bucket", "queue" or "none" (a stack deployed without either output)."""
        return "bucket" if self.bucket else "queue" if self.queue_url else "none"


def queue_depth(sqs: SQSClient, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def parse_invocation_record(body: str | bytes) -> FailureMessage | None:
    """The KinesisBatchInfo of an AWS on-failure invocation record, or None if it is not one."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        return None
    return batch_info(document)


def batch_info(document: Any) -> FailureMessage | None:
    """The KinesisBatchInfo of a parsed invocation record, or None if it is not one."""
    try:
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


def bucket_keys(s3: S3Client, bucket: str, since: dt.datetime | None = None) -> list[str]:
    """Every object key the mapping wrote (written at or after `since`), in key order."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=S3_KEY_PREFIX):
        for entry in page.get("Contents", []):
            modified = entry.get("LastModified")
            if since is None or modified is None or modified >= since:
                keys.append(entry["Key"])
    return keys


def bucket_records(
    s3: S3Client, bucket: str, since: dt.datetime | None = None
) -> dict[str, dict[str, Any]]:
    """Object key -> invocation record (with `payload`, the batch's event), read once each.

    Keys are unique, so no record is returned twice; every page is listed, so none is left
    out. Nothing is deleted: the objects stay for the operator (and expire with the bucket's
    lifecycle rule). An object deleted between the listing and the read is skipped.
    """
    found: dict[str, dict[str, Any]] = {}
    for key in bucket_keys(s3, bucket, since):
        try:
            document = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                continue
            raise
        except ValueError:
            continue  # not JSON: not the mapping's
        if isinstance(document, dict):
            found[key] = document
    return found


def peek_bucket(
    s3: S3Client, bucket: str, since: dt.datetime | None = None
) -> list[FailureMessage]:
    """The on-failure bucket's invocation records as messages, in key order."""
    messages = []
    for document in bucket_records(s3, bucket, since).values():
        parsed = batch_info(document)
        if parsed is not None:
            messages.append(parsed)
    return messages


def depth(sqs: SQSClient, s3: S3Client, store: FailureStore) -> int | None:
    """Messages in the queue, or objects in the bucket; None when the stack has neither."""
    if store.bucket:
        return len(bucket_keys(s3, store.bucket))
    if store.queue_url:
        return queue_depth(sqs, store.queue_url)
    return None


def read_all(
    sqs: SQSClient, s3: S3Client, store: FailureStore, since: dt.datetime | None = None
) -> list[FailureMessage]:
    """The destination's invocation records, without consuming any (`since`: S3 only)."""
    if store.bucket:
        return peek_bucket(s3, store.bucket, since)
    if store.queue_url:
        return peek(sqs, store.queue_url)
    return []


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
