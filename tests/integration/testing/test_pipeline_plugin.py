"""The `pipeline` pytest plugin, as a user's own test session sees it (run with pytester)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devtools.emulator import process

pytest_plugins = ("pytester",)

pytestmark = pytest.mark.emulator

USER_TESTS = """
import json, os, time
from pathlib import Path


def test_put_wait_and_read(pipeline):
    ids = pipeline.put([
        {"eventType": "click", "userId": "u-1", "elementId": "buy-button"},
        {"eventId": "given-1", "eventType": "click", "userId": "u-2", "elementId": "nav"},
        b"not json at all",
    ])
    assert ids[1] == "given-1"
    pipeline.wait(timeout=90)
    stored = pipeline.stored(ids[0])
    assert stored["eventType"] == "click" and stored["elementId"] == "buy-button"
    assert pipeline.stored("given-1")["userId"] == "u-2"
    assert pipeline.stored(ids[2]) is None
    assert [q["reason"] for q in pipeline.quarantined()] == ["not_json"]
    assert pipeline.quarantined(reason="unknown_type") == []
    assert pipeline.aggregates("click")["total"]["count"] == 2
    assert pipeline.failures() == []
    assert any("START RequestId" in line for line in pipeline.logs())
    Path(os.environ["PIPELINE_PIDS"]).write_text(json.dumps(pipeline.pids))


def test_reset_is_fast(pipeline):
    began = time.monotonic()
    pipeline.reset()
    Path(os.environ["PIPELINE_RESET"]).write_text(str(time.monotonic() - began))
    assert pipeline.quarantined() == []
    assert pipeline.aggregates("click")["total"]["count"] == 0


def test_min_and_max_start_again_after_reset(pipeline):
    from datetime import datetime, timezone
    from devtools.emulator_session import emulator_session

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    page = {"eventType": "page_view", "userId": "u-4", "pageUrl": "/a", "timestamp": stamp}
    pipeline.put([{**page, "loadTime": 900}])
    pipeline.wait(timeout=90)
    pipeline.reset()
    pipeline.put([{**page, "loadTime": 300}])  # the same minute, after the reset
    pipeline.wait(timeout=90)
    dynamodb = emulator_session("us-east-1").client("dynamodb", endpoint_url=pipeline.endpoint_url)
    items = dynamodb.scan(TableName=pipeline.outputs.get("AggregatesTableName"))["Items"]
    extremes = [(i.get("min", {}).get("N"), i.get("max", {}).get("N")) for i in items
                if "min" in i or "max" in i]
    assert [(float(low), float(high)) for low, high in extremes] == [(300.0, 300.0)], items


def test_a_failing_user_assertion(pipeline):
    ids = pipeline.put([{"eventType": "click", "userId": "u-3", "elementId": "x"}])
    pipeline.wait(timeout=90)
    assert pipeline.stored(ids[0])["elementId"] == "expected-something-else"


def test_interrupted(pipeline):
    raise KeyboardInterrupt


def test_never_reached(pipeline):
    pass
"""


def test_user_session_passes_fails_and_is_interrupted_with_nothing_left_running(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a user's test file using only the fixture the installed plugin provides
    pytester.makepyfile(test_user=USER_TESTS)
    pids_file, reset_file = tmp_path / "pids.json", tmp_path / "reset.txt"
    monkeypatch.setenv("PIPELINE_PIDS", str(pids_file))
    monkeypatch.setenv("PIPELINE_RESET", str(reset_file))
    # WHEN the user runs pytest (a separate process, like `pytest` in their checkout)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=400)
    output = result.stdout.str()
    # THEN three tests pass (min/max are right after a reset), the user's assertion fails with
    # its own message, the interrupt stops the session before the last test
    assert result.ret == pytest.ExitCode.INTERRUPTED, output
    result.stdout.fnmatch_lines(["*KeyboardInterrupt*"])
    assert "expected-something-else" in output
    assert "test_never_reached" not in output.split("short test summary")[0].split("FAILURES")[0]
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 3, output
    assert outcomes.get("failed") == 1, output
    # AND reset ran (its duration is measured by `make bench`, not asserted here)
    assert float(reset_file.read_text()) > 0
    # AND the emulator and the driver the fixture started are gone
    pids = json.loads(pids_file.read_text())
    assert pids["emulator"]
    assert pids["driver"]
    for pid in pids.values():
        assert not process.alive(pid), f"pid {pid} still running after the session"
