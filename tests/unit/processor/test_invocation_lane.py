"""The lane lease: overlapping invocations hold distinct lane ids, sequential ones share one."""

from __future__ import annotations

import threading

import pytest

from processor.invocation_lane import LanePool


def test_overlapping_invocations_in_threads_hold_distinct_lanes() -> None:
    # GIVEN one process whose host runs 6 invocations at once in threads
    pool = LanePool()
    held = threading.Barrier(6, timeout=10)
    lanes: list[str] = []
    lock = threading.Lock()

    def invocation() -> None:
        with pool.lease() as lane:
            with lock:
                lanes.append(lane)
            held.wait()  # every invocation holds its lease at this moment

    # WHEN they all run
    threads = [threading.Thread(target=invocation) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    # THEN each held its own lane id, all made of this process's token
    assert len(lanes) == 6
    assert len(set(lanes)) == 6
    token = min(lanes)
    assert sorted(lanes) == [token, *(f"{token}.{n}" for n in range(1, 6))]


def test_sequential_invocations_share_one_lane() -> None:
    # GIVEN a process running one invocation at a time (a Lambda execution environment)
    pool = LanePool()
    # WHEN it runs three, one after another, the second one failing
    with pool.lease() as first:
        pass
    with pytest.raises(RuntimeError), pool.lease() as second:
        raise RuntimeError("the handler failed")
    with pool.lease() as third:
        pass
    # THEN all three wrote under the same lane id: the bare token, 12 hex characters
    assert first == second == third
    assert len(first) == 12
    int(first, 16)


def test_a_released_slot_is_reused_lowest_first() -> None:
    pool = LanePool("abc")
    with pool.lease() as one, pool.lease() as two:
        assert (one, two) == ("abc", "abc.1")
        with pool.lease() as three:
            assert three == "abc.2"
    with pool.lease() as again, pool.lease() as next_one:
        assert (again, next_one) == ("abc", "abc.1")


def test_processes_draw_their_own_tokens() -> None:
    # Two environments (two pools, as two processes would have) never share a lane id.
    with LanePool().lease() as one, LanePool().lease() as other:
        assert one != other
