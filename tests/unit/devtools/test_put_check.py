"""`put` checks each event with the processor's own validation before sending it."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from click.testing import CliRunner

from devtools.cli.main import main
from devtools.event_check import check_record, event_id_after_put, field_names, unknown_fields
from processor.pipeline import Prepared, prepare_record
from processor.types import RecordRef
from tests.emulator import free_port


def _put(tmp_path: Path, *args: str) -> tuple[int, str]:
    # a closed port and no deployed stack: a refused event must be refused before any call
    result = CliRunner().invoke(
        main,
        ["--endpoint-url", f"http://127.0.0.1:{free_port()}", "--state-dir", str(tmp_path),
         "put", *args],
        env={"NO_COLOR": "1", "AWS_MAX_ATTEMPTS": "1"},
    )  # fmt: skip
    return result.exit_code, result.output


def test_an_event_the_processor_would_quarantine_is_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    code, output = _put(tmp_path, '{"eventType":"clck","userId":"u1","elementId":"x"}')
    assert code == 1
    assert "EVENT event 1: would be quarantined as unknown_type: unknown eventType 'clck'" in (
        output
    )
    assert "nothing was sent" in output
    assert "--raw" in output


def test_every_bad_event_of_a_file_is_named(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"eventType":"click","userId":"u1","elementId":"ok"}\n'
        '{"eventType":"purchase","userId":"u1","amount":5,"currency":"usd","itemsCount":1}\n'
        '{"eventType":"page_view","userId":"u1","pageUrl":"/"}\n'
    )
    code, output = _put(tmp_path, "--file", str(events))
    assert code == 1
    assert f"{events} event 2: would be quarantined as invalid_field: currency 'usd'" in output
    assert f"{events} event 3: would be quarantined as missing_field" in output
    assert "event 1:" not in output
    assert "2 of 3 events would be quarantined" in output


def test_raw_sends_anyway(tmp_path: Path) -> None:
    # with --raw the refusal becomes a warning and the put goes on (here: to a closed port,
    # where no stack is deployed, hence the one-line error after the warning)
    code, output = _put(tmp_path, "--raw", '{"eventType":"clck","userId":"u1"}')
    assert "would be quarantined as unknown_type" in output
    assert "nothing was sent" not in output
    assert "not deployed" in output or "cannot reach" in output
    assert code == 1


def test_the_event_id_printed_is_the_one_the_processor_stores() -> None:
    # GIVEN an event without eventId, landed at a stream position
    data = json.dumps({"eventType": "click", "userId": "u1", "elementId": "cta"}).encode()
    shard, sequence = "shardId-000000000001", "49670000000000000000000000000000000000000000000017"
    verdict = check_record(data)
    assert verdict.valid
    assert verdict.event_id is None
    # WHEN the processor prepares that record
    ref = RecordRef(shard, sequence, "u1", time.time(), base64.b64encode(data).decode())
    prepared = prepare_record(ref, ttl_days=30)
    # THEN put's eventId is the processor's
    assert isinstance(prepared, Prepared)
    assert event_id_after_put(verdict, shard, sequence) == prepared.event.event_id


def test_a_given_event_id_is_kept() -> None:
    data = b'{"eventType":"click","userId":"u1","elementId":"cta","eventId":"my-1"}'
    verdict = check_record(data)
    assert event_id_after_put(verdict, "shardId-000000000000", "1") == "my-1"


def test_not_json_is_refused_like_the_processor_does() -> None:
    verdict = check_record(b"{not json")
    assert verdict.reason == "not_json"
    assert not verdict.valid


def test_unknown_field_names_come_with_a_suggestion() -> None:
    assert "errorType" in (field_names("error") or ())
    assert field_names("clck") is None
    found = unknown_fields({"eventType": "error", "errorTpe": "js", "userId": "u"})
    assert found == ["'errorTpe' (did you mean 'errorType'?)"]
