"""Fixtures for processor integration tests: fresh tables and bucket on the session emulator."""

from __future__ import annotations

import boto3
import pytest

from tests.emulator import RunningEmulator
from tests.integration.processor.tables import Resources, create_resources

__all__ = ["Resources"]


@pytest.fixture(scope="session")
def aws_session(emulator: RunningEmulator) -> boto3.Session:
    return emulator.session()


@pytest.fixture
def resources(emulator: RunningEmulator, aws_session: boto3.Session) -> Resources:
    return create_resources(emulator, aws_session)
