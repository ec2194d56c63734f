"""The byEventType index's write-sharded partition key."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections import Counter

from processor.pipeline import TYPE_SHARDS, type_shard, type_shard_key, type_shard_keys
from stack.storage import EVENT_TYPE_SHARD_ATTRIBUTE


def test_key_is_the_type_and_a_shard_derived_from_the_event_id() -> None:
    key = type_shard_key("page_view", "evt-1")
    assert key in type_shard_keys("page_view")
    assert key == f"page_view#{type_shard('evt-1')}"
    assert len(set(type_shard_keys("click"))) == TYPE_SHARDS


def test_shard_is_stable_across_processes() -> None:
    # A redelivered record, handled by another container, must land on the same key.
    ids = [f"evt-{n}" for n in range(50)]
    here = [type_shard(i) for i in ids]
    code = (
        "import sys; from processor.pipeline import type_shard; "
        "print([type_shard(i) for i in sys.argv[1:]])"
    )
    there = subprocess.run(
        [sys.executable, "-c", code, *ids], capture_output=True, text=True, check=True
    ).stdout
    assert there.strip() == str(here)


def test_one_type_spreads_evenly_over_its_shards() -> None:
    counts = Counter(type_shard(str(uuid.uuid4())) for _ in range(20_000))
    assert set(counts) == set(range(TYPE_SHARDS))
    expected = 20_000 / TYPE_SHARDS
    assert all(abs(c - expected) < 0.15 * expected for c in counts.values()), counts


def test_the_stack_indexes_the_attribute_the_processor_writes() -> None:
    from processor.pipeline import TYPE_SHARD_ATTRIBUTE

    assert EVENT_TYPE_SHARD_ATTRIBUTE == TYPE_SHARD_ATTRIBUTE
