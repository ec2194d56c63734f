"""Quarantined records: reason, detail, stream position and a readable preview of the bytes."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devtools.query.errors import QueryArgumentError
from devtools.replay import quarantine as replay_quarantine

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREVIEW_CHARS = 80
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class QuarantineEntry:
    """One quarantine object as `query quarantine` shows it."""

    key: str
    reason: str
    detail: str
    shard_id: str
    sequence_number: str
    partition_key: str | None
    arrival: str | None
    size: int | None  # bytes of the original record; None when dataBase64 is unreadable
    preview: str
    written_at: str | None


@dataclass(frozen=True)
class QuarantineAnswer:
    """The newest `limit` entries (newest first) and how many objects matched in all."""

    reason: str | None
    total: int
    entries: tuple[QuarantineEntry, ...]


def preview(data_base64: object, limit: int = PREVIEW_CHARS) -> tuple[int | None, str]:
    """(size, preview) of a record's bytes: text when UTF-8 (escaped), else hex."""
    if not isinstance(data_base64, str):
        return None, "(no data)"
    try:
        raw = base64.b64decode(data_base64, validate=True)
    except (binascii.Error, ValueError):
        return None, f"(not base64: {data_base64[:limit]!r})"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        shown = raw[: limit // 2].hex(" ")
        return len(raw), f"hex {shown}" + (" …" if len(raw) > limit // 2 else "")
    # repr-style escapes keep control characters and newlines on one table line
    escaped = text.encode("unicode_escape").decode("ascii", "replace")
    return len(raw), escaped[:limit] + ("…" if len(escaped) > limit else "")


def entry_of(key: replay_quarantine.QuarantineKey, document: dict[str, Any]) -> QuarantineEntry:
    """An entry from a listed key and its document (the key wins for reason and position)."""
    size, shown = preview(document.get("dataBase64"))
    partition_key = document.get("partitionKey")
    arrival = document.get("approximateArrivalTimestamp")
    return QuarantineEntry(
        key=key.key,
        reason=key.reason,
        detail=str(document.get("detail", "")),
        shard_id=key.shard_id,
        sequence_number=key.sequence_number,
        partition_key=None if partition_key is None else str(partition_key),
        arrival=None if arrival is None else str(arrival),
        size=size,
        preview=shown,
        written_at=key.last_modified.isoformat() if key.last_modified else None,
    )


def query_quarantine(
    s3: S3Client, bucket: str, *, reason: str | None = None, limit: int = 20
) -> QuarantineAnswer:
    """The newest `limit` quarantined records (of `reason` when given), documents read."""
    if limit < 1:
        raise QueryArgumentError(f"--limit must be at least 1, got {limit}")
    keys = list(replay_quarantine.list_keys(s3, bucket, reason))
    # newest first; within one write time, later stream positions first
    newest = heapq.nlargest(
        limit,
        keys,
        key=lambda k: (k.last_modified or _EPOCH, k.shard_id, _number(k.sequence_number)),
    )
    entries = tuple(
        entry_of(key, replay_quarantine.read_document(s3, bucket, key.key) or {}) for key in newest
    )
    return QuarantineAnswer(reason=reason, total=len(keys), entries=entries)


def _number(sequence: str) -> int:
    return int(sequence) if sequence.isdigit() else -1
