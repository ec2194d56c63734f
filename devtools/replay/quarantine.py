"""Quarantine objects: listed by key (optionally one reason), matched to stream positions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from devtools.report.model import QuarantinedRecord

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "quarantine/"


@dataclass(frozen=True)
class QuarantineKey:
    """One listed quarantine object: its key, the parts of the key, and when it was written."""

    key: str
    reason: str
    shard_id: str
    sequence_number: str
    last_modified: dt.datetime | None = None


def parse_key(key: str) -> tuple[str, str, str] | None:
    """(reason, shardId, sequenceNumber) of `quarantine/<reason>/<shardId>/<seq>.json`."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "quarantine" or not parts[3].endswith(".json"):
        return None
    return parts[1], parts[2], parts[3][: -len(".json")]


def list_keys(s3: S3Client, bucket: str, reason: str | None = None) -> Iterator[QuarantineKey]:
    """Every quarantine object (of one `reason` when given), in S3's key order."""
    prefix = f"{PREFIX}{reason}/" if reason else PREFIX
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            parsed = parse_key(entry["Key"])
            if parsed is not None:
                yield QuarantineKey(entry["Key"], *parsed, entry.get("LastModified"))


def read_document(s3: S3Client, bucket: str, key: str) -> dict[str, Any] | None:
    """The JSON document of one quarantine object, or None when unreadable or gone."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        document = json.loads(body)
    except (ClientError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def quarantined(
    s3: S3Client,
    bucket: str,
    positions: Mapping[tuple[str, str], tuple[str, str | None]],
) -> list[QuarantinedRecord]:
    """Objects whose (shard, sequence) is in `positions` (-> step name, declared reason)."""
    found: list[QuarantinedRecord] = []
    for entry in list_keys(s3, bucket):
        origin = positions.get((entry.shard_id, entry.sequence_number))
        if origin is None:
            continue
        document = read_document(s3, bucket, entry.key) or {}
        found.append(
            QuarantinedRecord(
                reason=entry.reason,
                detail=str(document.get("detail", "")),
                shard_id=entry.shard_id,
                sequence_number=entry.sequence_number,
                step=origin[0],
                expected_reason=origin[1],
            )
        )
    return sorted(found, key=lambda q: (q.shard_id, int(q.sequence_number)))
