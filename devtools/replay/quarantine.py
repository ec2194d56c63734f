"""This run's quarantine objects: listed by key, matched to the stream positions we put."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from devtools.report.model import QuarantinedRecord

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "quarantine/"


def parse_key(key: str) -> tuple[str, str, str] | None:
    """(reason, shardId, sequenceNumber) of `quarantine/<reason>/<shardId>/<seq>.json`."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "quarantine" or not parts[3].endswith(".json"):
        return None
    return parts[1], parts[2], parts[3][: -len(".json")]


def quarantined(
    s3: S3Client,
    bucket: str,
    positions: Mapping[tuple[str, str], tuple[str, str | None]],
) -> list[QuarantinedRecord]:
    """Objects whose (shard, sequence) is in `positions` (-> step name, declared reason)."""
    found: list[QuarantinedRecord] = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=PREFIX):
        for entry in page.get("Contents", []):
            parsed = parse_key(entry["Key"])
            if parsed is None:
                continue
            reason, shard_id, sequence = parsed
            origin = positions.get((shard_id, sequence))
            if origin is None:
                continue
            found.append(
                QuarantinedRecord(
                    reason=reason,
                    detail=_detail(s3, bucket, entry["Key"]),
                    shard_id=shard_id,
                    sequence_number=sequence,
                    step=origin[0],
                    expected_reason=origin[1],
                )
            )
    return sorted(found, key=lambda q: (q.shard_id, int(q.sequence_number)))


def _detail(s3: S3Client, bucket: str, key: str) -> str:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        document = json.loads(body)
    except (ClientError, ValueError):
        return ""
    return str(document.get("detail", "")) if isinstance(document, dict) else ""
