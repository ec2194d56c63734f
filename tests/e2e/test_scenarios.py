"""Every shipped scenario through the real CLI against the emulator: all expectations pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Deployed

SCENARIOS = Path(__file__).parents[2] / "scenarios"
# large_volume is `make bench`'s (20,000 events); its file is validated by the unit tests.
E2E = sorted(p for p in SCENARIOS.glob("*.yaml") if p.name != "large_volume.yaml")

pytestmark = [pytest.mark.emulator, pytest.mark.e2e]


@pytest.mark.parametrize("scenario", E2E, ids=lambda p: p.stem)
def test_shipped_scenario_meets_its_expectations(
    deployed: Deployed, scenario: Path, tmp_path: Path
) -> None:
    # GIVEN the deployed stack and a running mapping driver
    report_path = tmp_path / "report.json"
    # WHEN the scenario is replayed through the CLI on an 80-column terminal
    result = deployed.devtools("replay", str(scenario), "--report", str(report_path), columns=80)
    # THEN it exits 0 and the JSON report shows every expectation passed
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    # AND the summary leads, every line fits and alarm names are whole
    assert result.stdout.index("PASS ") < result.stdout.index("Stored in DynamoDB")
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 80
    assert "AggregatesTableWriteThrottles" in result.stdout
    report = json.loads(report_path.read_text())
    assert report["passed"] is True
    (only,) = report["reports"]
    assert only["drained"] is True
    assert only["checks"], "a shipped scenario must check something"
    assert all(check["passed"] for check in only["checks"])
    assert only["observations"]["stored_total"] > 0


def test_a_failed_expectation_exits_1_with_the_failure_in_the_table(
    deployed: Deployed, tmp_path: Path
) -> None:
    # GIVEN a scenario whose expectation is deliberately wrong
    path = tmp_path / "wrong.yaml"
    path.write_text(
        "version: 1\ntraffic:\n  - generate: {type: click, count: 5}\n"
        "expect:\n  stored: {click: 6}\n"
    )
    # WHEN it is replayed
    result = deployed.devtools("replay", str(path))
    # THEN the summary says what failed and why, before the details, and the exit code is 1
    assert result.returncode == 1
    assert "FAIL " in result.stdout
    failure = result.stdout.index("stored click: expected 6, got 5")
    assert failure < result.stdout.index("Stored in DynamoDB")


def test_an_invalid_file_exits_1_before_sending(deployed: Deployed, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\ntraffic:\n  - events:\n      - {eventType: clck, userId: u}\n")
    result = deployed.devtools("replay", str(path))
    assert result.returncode == 1
    assert f"{path}:4: event 1 has unknown type 'clck'" in result.stderr
