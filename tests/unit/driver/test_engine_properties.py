"""Properties of the engine over random streams, failures and settings (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.driver.fakes import decode, harness, is_poison, raise_on_poison, report_poison


def _covered(messages: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [
        (
            int(m["KinesisBatchInfo"]["startSequenceNumber"]),
            int(m["KinesisBatchInfo"]["endSequenceNumber"]),
        )
        for m in messages
    ]


@settings(max_examples=150, deadline=None)
@given(
    poison=st.lists(st.booleans(), min_size=1, max_size=30),
    keys=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=30, max_size=30),
    batch_size=st.integers(1, 7),
    bisect=st.booleans(),
    retries=st.integers(0, 3),
    factor=st.integers(1, 3),
    partial=st.booleans(),
)
def test_every_record_ends_delivered_or_at_the_destination(
    poison: list[bool],
    keys: list[str],
    batch_size: int,
    bisect: bool,
    retries: int,
    factor: int,
    partial: bool,
) -> None:
    # GIVEN a random stream with poison records and random error-handling settings
    h = harness(
        report_poison if partial else raise_on_poison,
        batch_size=batch_size,
        bisect_on_error=bisect,
        max_retry_attempts=retries,
        parallelization_factor=factor,
        report_batch_item_failures=partial,
    )
    records = [h.stream.put({"n": i, "poison": p}, key=keys[i]) for i, p in enumerate(poison)]
    # WHEN the engine settles
    h.run(seconds=30, step=0.25)
    # THEN the shard is drained: the checkpoint is the last record
    assert h.checkpoint() == records[-1].sequence_number
    covered = _covered(h.destination.messages)

    def at_destination(sequence: int) -> bool:
        return any(start <= sequence <= end for start, end in covered)

    # ... every poison record reached the destination
    for record, bad in zip(records, poison, strict=True):
        if bad:
            assert at_destination(record.sequence)
    # ... with bisect, nothing but poison records did
    if bisect:
        for record, bad in zip(records, poison, strict=True):
            assert bad or not at_destination(record.sequence)
    # ... every good record not sent to the destination was seen by a successful invocation
    seen_ok: set[int] = set()
    for event in h.function.events:
        failed = any(is_poison(r) for r in event["Records"])
        for record in event["Records"]:
            if not failed or (partial and not is_poison(record)):
                seen_ok.add(decode(record)["n"])
    for i, (record, bad) in enumerate(zip(records, poison, strict=True)):
        if not bad and not at_destination(record.sequence):
            assert i in seen_ok
    # ... and per partition key the first deliveries happened in put order
    first_seen: dict[str, list[int]] = {}
    done: set[int] = set()
    for event in h.function.events:
        for record in event["Records"]:
            n = decode(record)["n"]
            if n not in done:
                done.add(n)
                first_seen.setdefault(record["kinesis"]["partitionKey"], []).append(n)
    for sequence in first_seen.values():
        assert sequence == sorted(sequence)
