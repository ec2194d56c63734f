"""pytest plugin: the session-scoped `pipeline` fixture (a private, deployed local pipeline)."""

from __future__ import annotations

import atexit
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from devtools.testing.pipeline import Pipeline


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """This project's stack and mapping driver on a private MiniStack (free 127.0.0.1 port).

    Started once per session; stopped at the end of the session, also when a test fails or
    the session is interrupted (and at interpreter exit should teardown never run).
    """
    # imported here: every pytest run loads this plugin, only sessions using it pay for it
    from devtools.testing.pipeline import Pipeline

    running = Pipeline.start(tmp_path_factory.mktemp("devtools-pipeline"))
    atexit.register(running.stop)
    try:
        yield running
    finally:
        running.stop()
        atexit.unregister(running.stop)
