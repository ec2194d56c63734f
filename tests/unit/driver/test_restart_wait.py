"""Restarting the engine waits out an emulator that does not answer, and only that."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from devtools.driver.runner import when_available

UNREACHABLE = EndpointConnectionError(endpoint_url="http://127.0.0.1:4566")


def flaky(failures: list[Exception], result: str) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return result

    return calls, attempt


def test_an_emulator_that_comes_back_is_waited_for() -> None:
    calls, attempt = flaky([UNREACHABLE, UNREACHABLE], "engine")
    assert when_available(attempt, threading.Event()) == "engine"
    assert len(calls) == 3


def test_a_refusal_is_not_retried() -> None:
    gone = ClientError(
        {"Error": {"Code": "ResourceNotFoundException", "Message": "no such mapping"},
         "ResponseMetadata": {"HTTPStatusCode": 404}},
        "GetEventSourceMapping",
    )  # fmt: skip
    calls, attempt = flaky([gone], "engine")
    with pytest.raises(ClientError):
        when_available(attempt, threading.Event())
    assert len(calls) == 1


def test_an_emulator_gone_for_good_fails_after_the_wait() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 30.0  # every look at the clock, half a minute has passed
        return now[0]

    calls, attempt = flaky([UNREACHABLE] * 10, "engine")
    with pytest.raises(EndpointConnectionError):
        when_available(attempt, threading.Event(), wait_seconds=60.0, clock=clock)
    assert 1 < len(calls) < 10


def test_stop_ends_the_wait() -> None:
    stop = threading.Event()
    stop.set()
    calls, attempt = flaky([UNREACHABLE] * 10, "engine")
    assert when_available(attempt, stop) is None
    assert len(calls) == 1
