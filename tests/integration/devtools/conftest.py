"""Fixtures for devtools integration tests: the shared deployment, a private MiniStack via `up`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.deployed import DeployedStack, deployed_stack, stop_driver
from tests.emulator import RunningEmulator


@pytest.fixture(scope="session")
def deployed(emulator: RunningEmulator) -> Iterator[DeployedStack]:
    """The real stack deployed once on the session emulator, driver running."""
    stack = deployed_stack(emulator)
    yield stack
    stop_driver(stack)
