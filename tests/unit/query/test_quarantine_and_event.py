"""Pure parts of `query quarantine` and `query event`: previews, entries, attribute order."""

from __future__ import annotations

import base64
import datetime as dt

from devtools.query.event import ordered
from devtools.query.quarantine import entry_of, preview
from devtools.replay.quarantine import QuarantineKey


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_a_text_record_previews_as_escaped_text_with_its_size() -> None:
    size, shown = preview(b64(b'{"a": 1}\n\tx'))
    assert size == 11
    assert shown == '{"a": 1}\\n\\tx'


def test_a_long_text_record_is_cut_with_an_ellipsis() -> None:
    size, shown = preview(b64(b"x" * 500), limit=10)
    assert size == 500
    assert shown == "x" * 10 + "…"


def test_bytes_that_are_not_utf8_preview_as_hex() -> None:
    size, shown = preview(b64(b"\xff\xfe\xfd\xff"))
    assert (size, shown) == (4, "hex ff fe fd ff")


def test_missing_or_broken_data_is_said_so() -> None:
    assert preview(None) == (None, "(no data)")
    size, shown = preview("not base64!!")
    assert size is None
    assert shown.startswith("(not base64")


def test_an_entry_takes_reason_and_position_from_the_key_and_the_rest_from_the_document() -> None:
    # GIVEN a listed key and its document
    written = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    key = QuarantineKey(
        "quarantine/not_json/shardId-000000000001/42.json",
        "not_json",
        "shardId-000000000001",
        "42",
        written,
    )
    document = {
        "reason": "not_json",
        "detail": "payload is not JSON",
        "partitionKey": "user_1",
        "approximateArrivalTimestamp": "2030-01-01T00:00:00.000Z",
        "dataBase64": b64(b"{oops"),
    }
    # WHEN it becomes an entry
    entry = entry_of(key, document)
    # THEN every column is filled
    assert (entry.reason, entry.shard_id, entry.sequence_number) == (
        "not_json",
        "shardId-000000000001",
        "42",
    )
    assert entry.detail == "payload is not JSON"
    assert entry.partition_key == "user_1"
    assert (entry.size, entry.preview) == (5, "{oops")
    assert entry.written_at == written.isoformat()


def test_an_entry_survives_an_unreadable_document() -> None:
    entry = entry_of(QuarantineKey("k", "oversize", "s", "1"), {})
    assert (entry.detail, entry.size, entry.preview) == ("", None, "(no data)")


def test_event_attributes_put_keys_and_common_fields_first_then_the_rest_by_name() -> None:
    attributes = {"zeta": 1, "pagePath": "/", "eventType": "page_view", "eventId": "e", "alpha": 2}
    assert list(ordered(attributes)) == ["eventId", "eventType", "alpha", "pagePath", "zeta"]
