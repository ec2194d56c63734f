"""Lane turn-taking: the next lane starts when the one before announces its request."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from processor import lane_turns
from processor.lane_turns import LaneTurns


def run_lanes(turns: LaneTurns, bodies: list[object]) -> dict[str, float]:
    """Run each body in its own thread inside its turn; return when things happened."""
    moments: dict[str, float] = {}

    def lane(index: int) -> None:
        with turns.turn(index):
            moments[f"start{index}"] = time.monotonic()
            body = bodies[index]
            if callable(body):
                body(moments)
            moments[f"end{index}"] = time.monotonic()  # before the turn passes on

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        list(pool.map(lane, range(len(bodies))))
    return moments


def test_next_lane_starts_once_the_previous_request_is_leaving() -> None:
    # GIVEN a first lane that announces its request, then waits 0.2 s for the answer
    def first(moments: dict[str, float]) -> None:
        time.sleep(0.05)  # building the request
        moments["announced"] = time.monotonic()
        lane_turns._announce()  # what botocore's before-send does in this thread
        time.sleep(0.2)  # the table at work

    # WHEN two lanes run
    moments = run_lanes(LaneTurns(2), [first, None])
    # THEN the second started after the announcement, while the first was still waiting
    assert moments["announced"] <= moments["start1"] < moments["end0"]


def test_a_lane_that_sends_nothing_releases_the_next_when_it_ends() -> None:
    moments = run_lanes(LaneTurns(3), [lambda m: time.sleep(0.05), None, None])
    assert moments["end0"] <= moments["start1"] <= moments["start2"]


def test_announcements_from_other_threads_release_nothing() -> None:
    # GIVEN a lane 0 that is waiting for its answer without having announced anything
    turns = LaneTurns(2)
    entered, finish = threading.Event(), threading.Event()

    def lane_zero() -> None:
        with turns.turn(0):
            entered.set()
            finish.wait(5)

    thread = threading.Thread(target=lane_zero)
    thread.start()
    entered.wait(5)
    # WHEN another thread's request leaves (botocore calls the hook for every transaction)
    lane_turns._announce()
    # THEN lane 1 still waits for lane 0
    assert not turns._leaving[0].is_set()
    finish.set()
    thread.join(5)
    assert turns._leaving[0].is_set()
