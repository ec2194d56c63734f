"""Reading and following CloudWatch Logs on the emulator (devtools.logs)."""

from __future__ import annotations

import time
import uuid

import pytest

from devtools.logs import follow, read_events
from tests.emulator import RunningEmulator

pytestmark = pytest.mark.emulator


def test_follow_yields_each_line_once_even_with_equal_timestamps_and_repeats(
    emulator: RunningEmulator,
) -> None:
    # GIVEN a log group whose first stream has three lines with one timestamp, two identical
    logs = emulator.client("logs")
    group, stream = f"/test/{uuid.uuid4()}", "2026/01/01/[$LATEST]abc"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": now, "message": m} for m in ("START", "same", "same")],
    )
    later = [{"timestamp": now, "message": "same"}, {"timestamp": now + 5, "message": "END"}]
    polls = 0

    def between_polls(_: float) -> None:
        # WHEN more lines arrive between two polls (one equal to an earlier line)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=later)

    def stop() -> bool:
        nonlocal polls
        polls += 1
        return polls >= 2

    seen = [e.message for e in follow(logs, group, start_ms=now - 1000, should_stop=stop,
                                      sleep=between_polls)]  # fmt: skip
    # THEN every line is yielded exactly as often as it was written, in order
    assert seen == ["START", "same", "same", "same", "END"]
    # AND a plain read returns the same lines
    assert [e.message for e in read_events(logs, group, start_ms=now - 1000)] == seen


def test_reading_a_group_that_does_not_exist_yet_gives_nothing(emulator: RunningEmulator) -> None:
    # the processor's group appears with its first invocation; `logs` must not fail before
    assert read_events(emulator.client("logs"), f"/missing/{uuid.uuid4()}") == []
