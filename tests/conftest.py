"""Session fixtures: one real MiniStack process shared by every test that needs AWS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator import RunningEmulator, start, stop


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """A MiniStack on a free 127.0.0.1 port for the whole session; tests use unique names."""
    process, running = start(Path(tmp_path_factory.mktemp("ministack")))
    try:
        yield running
    finally:
        stop(process)
