"""A floor for the pure path in CPython: page_view records, everything written out by hand.

The processor's pure path is generic (any registered type, precise rejections, every rule).
This one knows a single type and the shape of the benchmark's records, skips the careful
checks a real payload needs (the timestamp's calendar, fractional numbers, odd URLs), and is
written as straight-line code: no registry, no rule objects, no intermediate event. It must
still produce exactly the processor's results item, aggregate contributions and min/max for
those records (`check_same` refuses to time it otherwise). Whatever it reaches is more than
any Python pure path that does the processor's job can reach, so it tells how far the
issue's target (half of a bare `json.loads`) is from what CPython allows.
"""

from __future__ import annotations

import binascii
import bisect
import zlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any

import msgspec

from processor.aggregates import INF_BUCKET, LOAD_TIME_BOUNDS_MS
from processor.model.rules import CANONICAL
from processor.pipeline import prepare_record, record_ref

_ONE = Decimal(1)
TTL_DAYS = 30
_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class _PageView(msgspec.Struct, gc=False, rename="camel"):
    user_id: _Id
    page_url: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
    load_time: msgspec.Raw
    event_id: _Id
    session_id: _Id
    device_type: str
    timestamp: str
    session_length: msgspec.Raw
    pages_viewed: Annotated[int, msgspec.Meta(ge=1, le=10_000)]


_DECODER = msgspec.json.Decoder(_PageView)


def _text(value: str) -> str:
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"not plain text: {value!r}")
    return value


def _whole(raw: msgspec.Raw, maximum: int) -> int:
    text = bytes(raw)
    if not text.isdigit() or int(text) > maximum:
        raise ValueError(f"not a whole number in range: {text!r}")
    return int(text)


def floor_path(records: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """(item, contributions, extreme) of each page_view record, as the processor makes them."""
    out = []
    for record in records:
        kinesis = record["kinesis"]
        shard_id = record["eventID"].rpartition(":")[0]
        arrival = float(kinesis["approximateArrivalTimestamp"])
        wire = _DECODER.decode(binascii.a2b_base64(kinesis["data"], strict_mode=True))
        event_id, url = _text(wire.event_id), _text(wire.page_url)
        timestamp = wire.timestamp
        if not CANONICAL.fullmatch(timestamp):
            raise ValueError(f"not a canonical timestamp: {timestamp!r}")
        minute = timestamp[:16] + "Z"
        load_time = _whole(wire.load_time, 600_000)
        session_length = _whole(wire.session_length, 86_400)
        engagement = min(100, 10 * wire.pages_viewed + session_length // 30)
        load_class = "fast" if load_time < 1000 else "moderate" if load_time < 3000 else "slow"
        item = {
            "eventId": {"S": event_id},
            "timestamp": {"S": timestamp},
            "eventType": {"S": "page_view"},
            "eventTypeShard": {"S": f"page_view#{zlib.crc32(event_id.encode()) % 10}"},
            "userId": {"S": _text(wire.user_id)},
            "deviceType": {"S": wire.device_type},
            "minute": {"S": minute},
            "expiresAt": {"N": str(int(arrival) + TTL_DAYS * 86_400)},
            "shardId": {"S": shard_id},
            "sequenceNumber": {"S": kinesis["sequenceNumber"]},
            "sessionId": {"S": _text(wire.session_id)},
            "pageUrl": {"S": url},
            "loadTime": {"N": str(load_time)},
            "sessionLength": {"N": str(session_length)},
            "pagesViewed": {"N": str(wire.pages_viewed)},
            "pagePath": {"S": url},
            "loadTimeClass": {"S": load_class},
            "engagementScore": {"N": str(engagement)},
        }
        measured = Decimal(load_time)
        index = bisect.bisect_left(LOAD_TIME_BOUNDS_MS, load_time)
        bucket = (
            INF_BUCKET if index == len(LOAD_TIME_BOUNDS_MS) else f"le{LOAD_TIME_BOUNDS_MS[index]}"
        )
        key = ("loadtime", minute)
        adds = (
            ((f"events#page_view#{wire.device_type}", minute), "count", _ONE),
            (key, "count", _ONE),
            (key, "sum", measured),
            (key, bucket, _ONE),
        )
        out.append((item, adds, (key, measured)))
    return out


def check_same(records: Sequence[Mapping[str, Any]]) -> None:
    """Raise AssertionError unless the floor takes every record and gives the processor's
    outputs for it."""
    for record in records:
        try:
            ((item, adds, extreme),) = floor_path([record])
        except (ValueError, msgspec.ValidationError) as exc:
            raise AssertionError(f"the floor cannot take {record['eventID']}: {exc}") from exc
        prepared = prepare_record(record_ref(record), ttl_days=TTL_DAYS)
        theirs = getattr(prepared, "item", None), getattr(prepared, "contributions", None)
        if (item, adds) != theirs or extreme != getattr(prepared, "extreme", None):
            raise AssertionError(f"the floor differs from the processor for {record['eventID']}")
