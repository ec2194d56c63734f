"""Local cloud timings: `devtools up` ready time and `devtools deploy` time (medians)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.local_cloud import REGION, deploy_stack, local_cloud
from devtools.emulator import start, stop
from devtools.paths import StatePaths
from tests.emulator import free_port

UP_RUNS = 7
DEPLOY_RUNS = 3


def _up_ready(workdir: Path) -> float:
    """Spawn -> health answered, as `up` measures it (fresh state)."""
    paths = StatePaths(workdir)
    result = start(paths, port=free_port(), region=REGION)
    stop(paths)
    assert result.ready_seconds is not None
    return result.ready_seconds


def _up_cli(workdir: Path) -> float:
    """The whole `devtools up` command, interpreter start included."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "devtools.cli.main", "--state-dir", str(workdir), "up",
         "--port", str(free_port())],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    elapsed = time.perf_counter() - began
    stop(StatePaths(workdir))
    return elapsed


def _up_restart(workdir: Path) -> float:
    """Ready time of a restart that loads persisted state (after a first run saved it)."""
    paths = StatePaths(workdir)
    port = free_port()
    start(paths, port=port, region=REGION)
    stop(paths)
    result = start(paths, port=port, region=REGION)
    stop(paths)
    assert result.ready_seconds is not None
    return result.ready_seconds


def _deploy_runs(base: Path) -> dict[str, list[float]]:
    """Each run: a fresh emulator, first deploy (bootstrap included), then a no-change redeploy."""
    figures: dict[str, list[float]] = {}
    for run in range(DEPLOY_RUNS):
        with local_cloud(base / f"deploy-{run}") as (paths, endpoint_url):
            first = deploy_stack(paths, endpoint_url)
            for step in first.steps:
                figures.setdefault(f"first deploy: {step.name}", []).append(step.seconds)
            figures.setdefault("first deploy: total", []).append(first.total_seconds)
            figures.setdefault("first deploy: excl. one-time bootstrap", []).append(
                first.total_seconds - first.seconds("bootstrap")
            )
            again = deploy_stack(paths, endpoint_url)
            figures.setdefault("redeploy (no change): total", []).append(again.total_seconds)
    return figures


def _row(table: Table, name: str, values: list[float], target: str = "") -> None:
    table.add_row(
        name,
        str(len(values)),
        f"{statistics.median(values):.2f}",
        f"{min(values):.2f}",
        f"{max(values):.2f}",
        target,
    )


def _repeat(measure: Callable[[Path], float], base: Path, name: str, runs: int) -> list[float]:
    return [measure(base / f"{name}-{i}") for i in range(runs)]


def run(console: Console) -> None:
    """Print `up` and `deploy` timings as a table (seconds)."""
    with tempfile.TemporaryDirectory(prefix="local-cloud-bench-") as tmp:
        base = Path(tmp)
        table = Table(title="Local cloud (MiniStack 1.5.33, seconds)", title_justify="left")
        for column in ("measure", "runs", "median", "min", "max", "target"):
            table.add_column(column, justify="left" if column in ("measure", "target") else "right")
        console.print("[dim]measuring `up` ...")
        _row(table, "up: spawn -> healthy (fresh state)", _repeat(_up_ready, base, "up", UP_RUNS),
             "<= 2")  # fmt: skip
        _row(table, "up: restart with persisted state", _repeat(_up_restart, base, "re", 3))
        _row(table, "up: whole CLI command", _repeat(_up_cli, base, "cli", 3))
        console.print(f"[dim]measuring `deploy` ({DEPLOY_RUNS} fresh emulators) ...")
        for name, values in _deploy_runs(base).items():
            target = "<= 30" if name == "first deploy: excl. one-time bootstrap" else ""
            _row(table, name, values, target)
        console.print(table)
        console.print(
            f"[dim]{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; deploy = CDK "
            "synth (jsii + local asset bundling) + CloudFormation on the emulator + "
            "verification + driver start"
        )
