"""Engine: parallelization factor, reshards, checkpoints across restarts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from devtools.driver.engine import EngineOptions
from devtools.driver.records import StreamRecord
from tests.unit.driver.fakes import (
    FakeClock,
    FakeStream,
    ManualExecutor,
    MemoryCheckpointStore,
    decode,
    harness,
    report_poison,
)

KEYS = [f"user-{i}" for i in range(12)]


def _by_key(events: list[dict[str, Any]]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = defaultdict(list)
    for event in events:
        for record in event["Records"]:
            seen[record["kinesis"]["partitionKey"]].append(int(record["kinesis"]["sequenceNumber"]))
    return seen


def test_parallelization_factor_runs_concurrent_batches_per_shard() -> None:
    # GIVEN ParallelizationFactor 4, one shard, records of 12 partition keys
    executor = ManualExecutor()
    h = harness(executor=executor, batch_size=5, parallelization_factor=4)
    for i in range(120):
        h.stream.put({"n": i}, key=KEYS[i % 12])
    # WHEN one pass runs while nothing has completed
    h.engine.run_once()
    # THEN up to 4 batches of that shard are in flight at once
    assert len(executor.queued) == 4
    # WHEN everything completes
    while executor.complete():
        h.engine.run_once()
    # THEN every record arrived exactly once, in order per partition key
    by_key = _by_key(h.function.events)
    assert sum(len(v) for v in by_key.values()) == 120
    for sequences in by_key.values():
        assert sequences == sorted(sequences)
    # ... each key stayed in one lane (never in two concurrent batches)
    assert h.checkpoint() == h.stream.shards["shardId-000000000000"].records[-1].sequence_number


def test_factor_one_keeps_one_batch_in_flight_per_shard() -> None:
    # GIVEN the default factor 1
    executor = ManualExecutor()
    h = harness(executor=executor, batch_size=5)
    for i in range(50):
        h.stream.put({"n": i}, key=KEYS[i % 12])
    # WHEN one pass runs
    h.engine.run_once()
    # THEN one batch is in flight
    assert len(executor.queued) == 1


def test_a_failing_key_blocks_only_its_own_lane() -> None:
    # GIVEN factor 2 and a record that always fails (partial response), unlimited retries
    h = harness(
        report_poison, batch_size=5, parallelization_factor=2, report_batch_item_failures=True
    )
    poison = h.stream.put({"n": 0, "poison": True}, key="user-0")
    poison_lane = poison.lane(2)
    other_key = next(k for k in KEYS if _lane(k) != poison_lane)
    others = [h.stream.put({"n": i}, key=other_key) for i in range(1, 10)]
    # WHEN it runs
    h.run(seconds=2)
    # THEN the other lane delivered everything, while the shard checkpoint stays before the poison
    delivered = {s for e in h.function.events for s in _seqs(e)}
    assert {r.sequence_number for r in others} <= delivered
    assert h.checkpoint() is None


def _lane(key: str) -> int:
    return StreamRecord("s", "1", key, "", 0.0).lane(2)


def _seqs(event: dict[str, Any]) -> list[str]:
    return [r["kinesis"]["sequenceNumber"] for r in event["Records"]]


def test_children_start_after_the_parent_is_finished() -> None:
    # GIVEN a parent shard with records, then split into two children with records
    clock = FakeClock()
    stream = FakeStream(clock)
    parent = "shardId-000000000000"
    parent_records = [stream.put({"n": i}, shard=parent) for i in range(5)]
    stream.split(parent, ("shardId-000000000001", "shardId-000000000002"))
    child_records = [stream.put({"n": 10 + i}, shard="shardId-000000000001") for i in range(3)]
    # ... and a function that fails the first parent batch twice
    calls: list[int] = []

    def flaky(event: dict[str, Any]) -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("transient")

    # WHEN the driver (LATEST!) runs
    h = harness(flaky, stream=stream, clock=clock, batch_size=2, starting_position="LATEST")
    h.run(seconds=3)
    # THEN the parent's records come first (all of them: it was open at start), then the child's
    order = [decode(r)["n"] for e in h.function.events[2:] for r in e["Records"]]
    assert order == [0, 1, 2, 3, 4, 10, 11, 12]
    del parent_records, child_records
    status = h.engine.snapshot()
    assert status.shard(parent) is not None
    assert status.shard(parent).phase == "finished"  # type: ignore[union-attr]
    assert status.shard("shardId-000000000001").phase == "active"  # type: ignore[union-attr]


def test_new_shards_found_while_running_are_read_from_their_start() -> None:
    # GIVEN a running driver with LATEST
    h = harness(batch_size=10, starting_position="LATEST")
    h.run(seconds=0.1)
    # WHEN the shard is split and records go to a child before the driver notices
    h.clock.advance(1)
    first = h.stream.put({"n": 1})
    h.stream.split("shardId-000000000000", ("shardId-000000000001", "shardId-000000000002"))
    child = h.stream.put({"n": 2}, shard="shardId-000000000002")
    h.run(seconds=2)
    # THEN both records are delivered, parent first
    assert h.function.batches == [[first.sequence_number], [child.sequence_number]]


def test_vanished_parent_counts_as_finished() -> None:
    # GIVEN a shard that disappears (MiniStack deletes a split parent)
    h = harness(batch_size=10)
    h.stream.put({"n": 0})
    h.run()
    h.stream.shards["shardId-000000000000"].deleted = True
    h.stream.add_shard("shardId-000000000001", parents=("shardId-000000000000",))
    child = h.stream.put({"n": 1}, shard="shardId-000000000001")
    # WHEN it runs
    h.run(seconds=2)
    # THEN the child is read
    assert h.function.batches[-1] == [child.sequence_number]


def test_restart_redelivers_only_the_batch_in_flight() -> None:
    # GIVEN a driver that completed two batches and has a third in flight when it dies
    clock = FakeClock()
    stream = FakeStream(clock)
    records = [stream.put({"n": i}) for i in range(30)]
    store = MemoryCheckpointStore()
    executor = ManualExecutor()
    h = harness(stream=stream, clock=clock, store=store, executor=executor, batch_size=10)
    h.engine.run_once()
    executor.complete()
    h.engine.run_once()
    executor.complete()
    h.engine.run_once()  # collects batch 2, dispatches batch 3
    assert len(executor.queued) == 1
    assert h.checkpoint() == records[19].sequence_number
    # WHEN a new driver starts from the persisted checkpoints
    h2 = harness(stream=stream, clock=clock, store=store, batch_size=10)
    h2.run()
    # THEN it delivers exactly the third batch
    assert h2.function.batches == [[r.sequence_number for r in records[20:]]]


def test_restart_with_parallel_lanes_skips_what_other_lanes_finished() -> None:
    # GIVEN factor 2: lane A is stuck on a failing record, lane B finished everything
    clock = FakeClock()
    stream = FakeStream(clock)
    store = MemoryCheckpointStore()
    key_a = KEYS[0]
    key_b = next(k for k in KEYS if _lane(k) != _lane(key_a))
    stuck = stream.put({"n": 0, "poison": True}, key=key_a)
    b_records = [stream.put({"n": i}, key=key_b) for i in range(1, 6)]
    h = harness(
        report_poison,
        stream=stream,
        clock=clock,
        store=store,
        batch_size=10,
        parallelization_factor=2,
        report_batch_item_failures=True,
    )
    h.run(seconds=1)
    assert h.checkpoint() is None  # shard checkpoint is held back by lane A
    # WHEN the driver restarts with a fixed function
    h2 = harness(
        stream=stream,
        clock=clock,
        store=store,
        batch_size=10,
        parallelization_factor=2,
        report_batch_item_failures=True,
    )
    h2.run()
    # THEN only lane A's record is delivered again; lane B's are not repeated
    assert h2.function.batches == [[stuck.sequence_number]]
    assert h2.checkpoint() == b_records[-1].sequence_number


def test_a_full_read_buffer_stops_reading_until_invocations_finish() -> None:
    # GIVEN a buffer of 20 records per shard, batches of 10, invocations held in flight
    executor = ManualExecutor()
    h = harness(
        executor=executor,
        batch_size=10,
        options=EngineOptions(max_buffered_records=20, idle_poll_seconds=0.05),
    )
    for i in range(100):
        h.stream.put({"n": i})
    # WHEN the engine runs while nothing completes
    h.engine.run_once()
    reads = h.stream.get_records_calls
    h.engine.run_once()
    # THEN it read no more than the buffer holds, and does not poll again (nor spin)
    assert h.stream.get_records_calls == reads
    assert h.engine.next_due() > h.clock.monotonic()
    # WHEN the invocation completes
    executor.complete()
    h.engine.run_once()
    # THEN reading resumes
    assert h.stream.get_records_calls > reads


def test_a_merged_child_waits_for_both_parents() -> None:
    # GIVEN two shards merged into one child, one parent's function call held in flight
    clock = FakeClock()
    stream = FakeStream(clock, shards=2)
    a, b = "shardId-000000000000", "shardId-000000000001"
    stream.put({"n": 0}, shard=a)
    stream.put({"n": 1}, shard=b)
    stream.shards[a].closed = True
    stream.shards[b].closed = True
    stream.add_shard("shardId-000000000002", parents=(a, b))
    child = stream.put({"n": 2}, shard="shardId-000000000002")
    executor = ManualExecutor()
    h = harness(stream=stream, clock=clock, executor=executor, batch_size=10)
    # WHEN both parents' batches are in flight
    h.engine.run_once()
    assert len(executor.queued) == 2
    h.clock.advance(1)
    h.engine.run_once()
    # THEN the child is not read yet
    assert h.engine.snapshot().shard("shardId-000000000002").phase == "waiting"  # type: ignore[union-attr]
    # WHEN the parents finish
    while executor.complete() or h.engine.run_once():
        h.clock.advance(1)
    # THEN the child's record is delivered last
    assert h.function.batches[-1] == [child.sequence_number]


def test_an_unreachable_stream_is_retried_without_losing_position() -> None:
    # GIVEN a driver that delivered one record, then the emulator becomes unreachable
    h = harness(batch_size=10)
    h.stream.put({"n": 0})
    h.run()
    h.stream.unreachable = True
    later = h.stream.put({"n": 1})
    # WHEN it runs for a while
    h.run(seconds=3)
    # THEN it reports the error and keeps its checkpoint
    status = h.engine.snapshot()
    assert status.last_error is not None
    assert "connection refused" in status.last_error
    assert status.last_error_at is not None
    assert status.last_error_at > h.clock.time() - 1.0
    assert len(h.function.events) == 1
    # WHEN the emulator is back
    h.stream.unreachable = False
    h.run(seconds=2)
    # THEN the next record is delivered once
    assert h.function.batches[-1] == [later.sequence_number]
    assert len(h.function.events) == 2
