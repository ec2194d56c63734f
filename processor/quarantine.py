"""Quarantine of poison records to S3 under a deterministic key (idempotent on redelivery)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from processor.model.rules import format_timestamp
from processor.retry import RetryPolicy, is_transient
from processor.types import RecordRef, Rejection

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)
KEY_PREFIX = "quarantine"


def quarantine_record(
    client: S3Client, bucket: str, ref: RecordRef, rejection: Rejection, policy: RetryPolicy
) -> bool:
    """Write the quarantine object; True once durable. A redelivery rewrites the same object.

    False when S3 kept failing: the caller reports the record as a batch item failure (it is
    then redelivered and quarantined again, or reaches the on-failure destination).
    """
    # The key and the document of docs/contracts.md.
    key = f"{KEY_PREFIX}/{rejection.reason.value}/{ref.shard_id}/{ref.sequence_number}.json"
    document = {
        "reason": rejection.reason.value,
        "detail": rejection.detail,
        "shardId": ref.shard_id,
        "sequenceNumber": ref.sequence_number,
        "partitionKey": ref.partition_key,
        "approximateArrivalTimestamp": format_timestamp(ref.arrival),
        "dataBase64": ref.data_base64,
    }
    body = json.dumps(document, sort_keys=True).encode("utf-8")
    attempt = 1
    while True:
        try:
            client.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
        except (ClientError, BotoCoreError) as exc:
            if not is_transient(exc) or not policy.backoff(attempt):
                logger.error("quarantine of %s failed: %s", ref.sequence_number, exc)
                return False
            attempt += 1
        else:
            return True
