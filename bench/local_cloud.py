"""A private local cloud for benchmarks: a fresh MiniStack, its clients, the stack deployed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devtools.deploy import driver_link
from devtools.deploy.clients import AwsClients
from devtools.deploy.flow import DeployOptions, DeployResult, deploy
from devtools.emulator import start, stop
from devtools.emulator_session import emulator_session
from devtools.paths import StatePaths, project_root
from tests.emulator import free_port

REGION = "us-east-1"


def client_factory(endpoint_url: str) -> Callable[[str], Any]:
    """service name -> boto3 client for the emulator, with its dummy credentials."""
    session = emulator_session(REGION)
    return lambda service: session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]


@contextmanager
def local_cloud(base: Path) -> Iterator[tuple[StatePaths, str]]:
    """A fresh emulator with its state under `base`; yields (paths, endpoint URL), then stops
    the mapping driver (if a deploy started one) and the emulator."""
    paths = StatePaths(base)
    record = start(paths, port=free_port(), region=REGION).record
    try:
        yield paths, record.endpoint_url
    finally:
        driver_link.stop(paths)
        stop(paths)


def deploy_stack(paths: StatePaths, endpoint_url: str) -> DeployResult:
    """`devtools deploy` of the project's stack to that emulator (driver included)."""
    options = DeployOptions(
        project_root=project_root(), endpoint_url=endpoint_url, region=REGION, paths=paths
    )
    return deploy(options, AwsClients(client_factory(endpoint_url)))
