"""Engine: tumbling windows (state passed between invocations, final invocation per window)."""

from __future__ import annotations

from typing import Any

from devtools.driver.config import mapping_config
from tests.unit.driver.fakes import (
    FUNCTION_ARN,
    STREAM_ARN,
    FakeClock,
    FakeStream,
    MemoryCheckpointStore,
    decode,
    harness,
)


def counting(event: dict[str, Any]) -> dict[str, Any]:
    """Aggregates the sum of `n` over the window in its state."""
    state = dict(event.get("state") or {})
    state["sum"] = state.get("sum", 0) + sum(decode(r)["n"] for r in event["Records"])
    return {"state": state, "batchItemFailures": []}


def test_state_is_passed_within_a_window_and_a_final_invocation_closes_it() -> None:
    # GIVEN 60 s tumbling windows, BatchSize 2, and 3 records in the first window
    h = harness(counting, batch_size=2, tumbling_window_seconds=60)
    start = h.clock.time()  # aligned on a minute
    for n in (1, 2, 3):
        h.stream.put({"n": n})
    # WHEN the engine runs inside the window
    h.run(seconds=1)
    # THEN two invocations carried the records, the second got the first's state
    assert [len(e["Records"]) for e in h.function.events] == [2, 1]
    first, second = h.function.events
    assert first["state"] == {}
    assert second["state"] == {"sum": 3}
    assert first["window"] == {
        "start": "2027-01-15T08:00:00Z",
        "end": "2027-01-15T08:01:00Z",
    }
    assert first["shardId"] == "shardId-000000000000"
    assert first["eventSourceARN"] == STREAM_ARN
    assert first["isFinalInvokeForWindow"] is False
    assert first["isWindowTerminatedEarly"] is False
    # WHEN the window ends
    h.run(seconds=60, step=1)
    # THEN one final invocation with no records and the whole window's state
    final = h.function.events[2]
    assert final["Records"] == []
    assert final["isFinalInvokeForWindow"] is True
    assert final["state"] == {"sum": 6}
    assert len(h.function.events) == 3
    assert h.clock.time() - start >= 60


def test_a_record_of_the_next_window_closes_the_previous_one_first() -> None:
    # GIVEN records in two consecutive windows, already in the stream
    h = harness(counting, batch_size=10, tumbling_window_seconds=60, start=False)
    h.stream.put({"n": 1})
    h.clock.advance(60)
    h.stream.put({"n": 10})
    h.engine.start()
    # WHEN the engine runs
    h.run(seconds=1)
    # THEN the batches never mix windows; the first window is finalized before the second
    kinds = [
        (len(e["Records"]), e["isFinalInvokeForWindow"], e["state"]) for e in h.function.events
    ]
    assert kinds == [(1, False, {}), (0, True, {"sum": 1}), (1, False, {})]


def test_the_setting_is_read_from_the_mapping() -> None:
    config = mapping_config(
        {"EventSourceArn": STREAM_ARN, "FunctionArn": FUNCTION_ARN, "TumblingWindowInSeconds": 30}
    )
    assert config.tumbling_window_seconds == 30
    assert config.unsupported == ()


def test_a_restart_continues_the_open_window_with_its_state() -> None:
    # GIVEN a window whose first two records were processed (state {"sum": 3}) when the driver
    # stops, the window still open
    clock = FakeClock()
    stream = FakeStream(clock)
    store = MemoryCheckpointStore()
    h = harness(counting, stream=stream, clock=clock, store=store, tumbling_window_seconds=60)
    for n in (1, 2):
        stream.put({"n": n})
    h.run(seconds=1)
    assert [e["state"] for e in h.function.events] == [{}]
    # WHEN a new driver starts from the checkpoints, a third record arrives, the window ends
    h2 = harness(counting, stream=stream, clock=clock, store=store, tumbling_window_seconds=60)
    stream.put({"n": 3})
    h2.run(seconds=60, step=1)
    # THEN the window went on with the saved state, and its final invocation had all of it
    assert [(len(e["Records"]), e["state"]) for e in h2.function.events] == [
        (1, {"sum": 3}),
        (0, {"sum": 6}),
    ]
    assert h2.function.events[-1]["isFinalInvokeForWindow"] is True
    # ... and the closed window is gone from the checkpoints
    assert store.current is not None
    assert store.current.shards["shardId-000000000000"].lane_windows == {}
