"""Turn-taking for lanes written at the same time: each starts as the one before is sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# botocore emits this in the sending thread once a request is built and signed, just before
# urllib3 writes it to the socket.
_LEAVING = "before-send.dynamodb.TransactWriteItems"
_HOOK_ID = "processor-lane-turns"
# Building a request is CPU work that holds the GIL. A lane that starts building while the lane
# before it is between before-send and its socket write (urllib3 polls the pooled connection
# first, which releases the GIL) keeps that write waiting for up to the interpreter's switch
# interval, 5 ms. The pause lets the write happen first; the request then travels while the
# next one is built, which takes less time than the table needs for the first. Measured on
# the emulator: with 0.5 ms, 45% of first requests still reached it 1-5 ms late; with 1.5 ms,
# none did.
_WRITE_PAUSE_SECONDS = 0.0015

# The running lane's "my request is leaving" event, per worker thread.
_running = threading.local()


def watch_requests_leaving(client: Any) -> None:
    """Let lanes written through `client` announce their requests (idempotent, cheap)."""
    client.meta.events.register(_LEAVING, _announce, unique_id=_HOOK_ID)


def _announce(**_: Any) -> None:
    leaving: threading.Event | None = getattr(_running, "leaving", None)
    if leaving is not None:
        leaving.set()


class LaneTurns:
    """One batch's lanes: lane i builds its first request once lane i-1's first is leaving.

    A lane that ends without sending anything (a spent deadline, say) releases the next one
    when it ends, so no lane waits for ever; on a client nobody watches, lanes simply run
    one after another.
    """

    def __init__(self, lanes: int) -> None:
        self._leaving = [threading.Event() for _ in range(lanes)]

    @contextmanager
    def turn(self, index: int) -> Iterator[None]:
        if index > 0:
            self._leaving[index - 1].wait()
            time.sleep(_WRITE_PAUSE_SECONDS)
        _running.leaving = self._leaving[index]
        try:
            yield
        finally:
            _running.leaving = None
            self._leaving[index].set()
