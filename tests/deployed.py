"""One deployment of the real stack per test session, shared by every test that needs it.

Use through a session fixture (see tests/integration/devtools/conftest.py):

    @pytest.fixture(scope="session")
    def deployed(emulator: RunningEmulator) -> DeployedStack:
        return deployed_stack(emulator)

The first call bootstraps CDK and runs the same deploy as `devtools deploy` (verification,
poller hand-over, mapping driver); later calls for the same emulator return the same result.
The driver is stopped when the session ends.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.deploy import driver_link
from devtools.deploy.clients import AwsClients
from devtools.deploy.flow import DeployOptions, DeployResult, deploy
from devtools.deploy.outputs import StackOutputs
from devtools.emulator.health import probe
from devtools.paths import StatePaths, project_root
from tests.emulator import RunningEmulator


@dataclass(frozen=True)
class DeployedStack:
    """The deployed stack on the session emulator: outputs, local state, the deploy result."""

    emulator: RunningEmulator
    paths: StatePaths
    result: DeployResult

    @property
    def outputs(self) -> StackOutputs:
        return self.result.outputs

    def client(self, service: str) -> Any:
        return self.emulator.client(service)

    def clients(self) -> AwsClients:
        return _clients(self.emulator)

    def cli_args(self) -> list[str]:
        """Global options that point the `devtools` CLI at this emulator and state."""
        return [
            "--endpoint-url",
            self.emulator.endpoint_url,
            "--region",
            self.emulator.region,
            "--state-dir",
            str(self.paths.root),
        ]

    def options(self, root: Path | None = None) -> DeployOptions:
        """Deploy options for this emulator (another project root: a modified copy)."""
        return DeployOptions(
            project_root=root or project_root(),
            endpoint_url=self.emulator.endpoint_url,
            region=self.emulator.region,
            paths=self.paths,
        )


_deployments: dict[str, DeployedStack] = {}


def _clients(emulator: RunningEmulator) -> AwsClients:
    session = emulator.session()  # one session: each new one reloads the service models
    return AwsClients(
        lambda service: session.client(service, endpoint_url=emulator.endpoint_url)  # type: ignore[call-overload]
    )


def _stop_drivers() -> None:
    for stack in _deployments.values():
        driver_link.stop(stack.paths)


def deployed_stack(emulator: RunningEmulator) -> DeployedStack:
    """Deploy once per emulator (i.e. per session) and remember it."""
    found = _deployments.get(emulator.endpoint_url)
    if found is not None:
        return found
    paths = StatePaths(emulator.state_dir.parent / "devtools-state")
    paths.root.mkdir(parents=True, exist_ok=True)
    options = DeployOptions(
        project_root=project_root(),
        endpoint_url=emulator.endpoint_url,
        region=emulator.region,
        paths=paths,
    )
    if not _deployments:
        atexit.register(_stop_drivers)  # also when a fixture's teardown never runs
    result = deploy(
        options,
        _clients(emulator),
        iam_enforced=lambda: probe(emulator.endpoint_url).iam_enforced,
    )
    stack = DeployedStack(emulator, paths, result)
    _deployments[emulator.endpoint_url] = stack
    return stack


def stop_driver(stack: DeployedStack) -> None:
    driver_link.stop(stack.paths)
