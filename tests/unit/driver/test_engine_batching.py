"""Engine: batch size, batching window, payload limit, starting position, order, event shape."""

from __future__ import annotations

import base64

from devtools.driver.records import MAX_PAYLOAD_BYTES
from tests.unit.driver.fakes import FakeClock, FakeStream, decode, harness


def test_batch_size_caps_each_invocation() -> None:
    # GIVEN 25 records and BatchSize 10 with no batching window
    h = harness(batch_size=10)
    for i in range(25):
        h.stream.put({"n": i})
    # WHEN the engine runs
    h.run()
    # THEN three invocations of 10, 10 and 5 records carry them in order
    assert h.function.batch_sizes == [10, 10, 5]
    assert [decode(r)["n"] for e in h.function.events for r in e["Records"]] == list(range(25))


def test_batching_window_waits_until_the_window_expires() -> None:
    # GIVEN a 5 s batching window, BatchSize 100 and 3 records
    h = harness(batch_size=100, batching_window_seconds=5)
    for i in range(3):
        h.stream.put({"n": i})
    # WHEN 4.9 s pass
    h.run(seconds=4.9, step=0.1)
    # THEN nothing was invoked yet
    assert h.function.events == []
    # WHEN the window expires
    h.run(seconds=0.2, step=0.1)
    # THEN one invocation carries all three
    assert h.function.batch_sizes == [3]


def test_full_batch_does_not_wait_for_the_window() -> None:
    # GIVEN a 60 s window and BatchSize 10
    h = harness(batch_size=10, batching_window_seconds=60)
    for i in range(10):
        h.stream.put({"n": i})
    # WHEN the engine runs without the clock moving
    h.run()
    # THEN the full batch is invoked at once
    assert h.function.batch_sizes == [10]


def test_payload_limit_of_6_mb_closes_a_batch() -> None:
    # GIVEN 8 records of 1 MB each (base64 ~1.33 MB) and BatchSize 100 with a long window
    h = harness(batch_size=100, batching_window_seconds=300)
    for _ in range(8):
        h.stream.put(b"x" * 1_000_000)
    # WHEN the engine runs
    h.run()
    # THEN the first batch is cut below 6 MB of payload without waiting for the window
    assert h.function.batch_sizes == [4]
    # ... and the rest waits for the window, as it fits one payload
    h.run(seconds=301, step=1)
    assert h.function.batch_sizes == [4, 4]
    for event in h.function.events:
        size = sum(len(r["kinesis"]["data"]) for r in event["Records"])
        assert size <= MAX_PAYLOAD_BYTES


def test_trim_horizon_delivers_records_put_before_start() -> None:
    # GIVEN records already in the stream
    clock = FakeClock()
    stream = FakeStream(clock)
    old = [stream.put({"n": i}) for i in range(3)]
    # WHEN a TRIM_HORIZON mapping starts
    h = harness(stream=stream, clock=clock, starting_position="TRIM_HORIZON")
    h.run()
    # THEN it delivers them
    assert h.function.batches == [[r.sequence_number for r in old]]


def test_latest_skips_records_put_before_start_and_survives_restart() -> None:
    # GIVEN records already in the stream
    clock = FakeClock()
    stream = FakeStream(clock)
    stream.put({"old": True})
    clock.advance(1)
    # WHEN a LATEST mapping starts and a record arrives later
    h = harness(stream=stream, clock=clock, starting_position="LATEST")
    h.run()
    clock.advance(1)
    new = stream.put({"new": True})
    # ... and the driver is restarted before it read it
    h2 = harness(stream=stream, clock=clock, store=h.store, starting_position="LATEST")
    h2.run()
    # THEN only the new record is delivered, once
    assert h.function.events == []
    assert h2.function.batches == [[new.sequence_number]]


def test_at_timestamp_starts_at_the_first_record_at_or_after_it() -> None:
    # GIVEN records at t0, t0+10, t0+20
    clock = FakeClock()
    stream = FakeStream(clock)
    stream.put({"n": 0})
    clock.advance(10)
    middle = stream.put({"n": 1})
    clock.advance(10)
    last = stream.put({"n": 2})
    # WHEN an AT_TIMESTAMP mapping starts at t0+10
    h = harness(
        stream=stream,
        clock=clock,
        starting_position="AT_TIMESTAMP",
        starting_position_timestamp=middle.arrival,
    )
    h.run()
    # THEN delivery starts at the middle record
    assert h.function.batches == [[middle.sequence_number, last.sequence_number]]


def test_records_of_a_shard_stay_in_order_across_batches() -> None:
    # GIVEN two shards with interleaved puts and BatchSize 3
    h = harness(shards=2, batch_size=3)
    for i in range(20):
        h.stream.put({"n": i}, shard=f"shardId-{i % 2:012d}")
    # WHEN the engine runs
    h.run()
    # THEN each shard's sequence numbers arrive strictly increasing
    for shard in ("shardId-000000000000", "shardId-000000000001"):
        seen = [
            int(r["kinesis"]["sequenceNumber"])
            for e in h.function.events
            for r in e["Records"]
            if r["eventID"].startswith(shard)
        ]
        assert len(seen) == 10
        assert seen == sorted(seen)


def test_event_has_aws_kinesis_shape() -> None:
    # GIVEN one record
    h = harness()
    put = h.stream.put({"hello": "world"}, key="user-1")
    # WHEN it is delivered
    h.run()
    record = h.function.events[0]["Records"][0]
    # THEN it has every field of AWS's Kinesis event record
    assert record == {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "user-1",
            "sequenceNumber": put.sequence_number,
            "data": base64.b64encode(b'{"hello": "world"}').decode(),
            "approximateArrivalTimestamp": put.arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{put.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::000000000000:role/fn-role",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:000000000000:stream/test",
    }
