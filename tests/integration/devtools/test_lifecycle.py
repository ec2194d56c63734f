"""The local loop through the CLI on a private emulator: up, deploy, restart, status, destroy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.emulator.process import alive
from tests.emulator import free_port
from tests.integration.devtools.cli_process import run_cli

pytestmark = [pytest.mark.emulator, pytest.mark.e2e]


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "state"
    run_cli("down", state_dir=tmp_path / "state")


def test_up_deploy_status_destroy_down(state_dir: Path) -> None:
    # GIVEN a private emulator started by `up`
    port = free_port()
    assert run_cli("up", "--port", str(port), state_dir=state_dir).returncode == 0

    # WHEN the stack is deployed (bootstrap included) through the CLI
    deployed = run_cli("deploy", "--json", state_dir=state_dir)
    assert deployed.returncode == 0, deployed.stderr
    result = deployed.json()
    # THEN it bootstrapped, verified, disabled the emulator's poller and started the driver
    assert result["bootstrapped"] is True
    assert result["mappingState"] == "Disabled"
    assert alive(result["driverPid"])
    assert result["verification"]["counts"]["applied"] >= 5
    assert set(result["steps"]) == {"bootstrap", "synth + deploy", "verify", "driver"}
    assert (state_dir / "cdk-home").is_dir()
    assert (state_dir / "outputs.json").is_file()

    # WHEN the emulator restarts (state persisted)
    stopped = run_cli("down", "--json", state_dir=state_dir).json()
    assert stopped["driverPid"] == result["driverPid"]
    assert not alive(result["driverPid"])
    restarted = run_cli("up", "--port", str(port), "--json", state_dir=state_dir)
    # THEN the deployed stack is still there and its driver is resumed
    assert restarted.returncode == 0, restarted.stderr
    resumed_pid = restarted.json()["driverPid"]
    assert resumed_pid is not None
    assert alive(resumed_pid)

    # WHEN status is asked
    status = run_cli("status", "--json", state_dir=state_dir).json()
    # THEN it shows the stack and the driver
    assert (
        status["stack"]["outputs"]["EventSourceMappingId"]
        == result["outputs"]["EventSourceMappingId"]
    )
    assert status["driver"]["pid"] == resumed_pid
    assert status["mappingState"] == "Disabled"

    # WHEN the stack is destroyed
    destroyed = run_cli("destroy", "--json", state_dir=state_dir)
    # THEN the driver is stopped, the stack is gone and the outputs forgotten
    assert destroyed.returncode == 0, destroyed.stderr
    assert destroyed.json()["destroyed"] is True
    assert destroyed.json()["driverPid"] == resumed_pid
    assert not alive(resumed_pid)
    after = run_cli("status", "--json", state_dir=state_dir).json()
    assert after["stack"] is None
    assert not (state_dir / "outputs.json").exists()

    # WHEN the emulator is brought down
    down = run_cli("down", "--json", state_dir=state_dir)
    # THEN nothing devtools started is left running
    assert down.returncode == 0
    assert not alive(down.json()["emulatorPid"])
