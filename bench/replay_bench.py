"""Replay `scenarios/large_volume.yaml` 3 times on a fresh MiniStack: throughput, drain, latency."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.local_cloud import client_factory, deploy_stack, local_cloud
from devtools.paths import project_root
from devtools.replay.run import Clients, Listener, ReplayTarget, replay
from devtools.report.model import ReplayReport
from devtools.scenarios import build, new_run_id, validate

RUNS = 3
REGION = "us-east-1"
SCENARIO = project_root() / "scenarios" / "large_volume.yaml"


class _Phases(Listener):
    """One dim line per phase and a drain progress line every few seconds."""

    def __init__(self, console: Console, run: int) -> None:
        self.console = console
        self.run = run
        self.last = 0.0

    def phase(self, name: str) -> None:
        self.console.print(f"[dim]run {self.run}: {name}")

    def draining(self, done: int, total: int, elapsed: float) -> None:
        if elapsed - self.last >= 5:
            self.last = elapsed
            self.console.print(
                f"[dim]run {self.run}: {done}/{total} processed after {elapsed:.0f} s"
            )


def _figures(report: ReplayReport, wall: float) -> dict[str, float]:
    send = report.send
    figures = {
        "seconds for the whole replay (read-back included)": wall,
        "events/s sent (PutRecords)": send.rate,
        "seconds to send": send.seconds,
        "seconds to drain after the last put": report.drain_seconds,
        "events/s end to end (send + drain)": send.records / (send.seconds + report.drain_seconds),
    }
    latency = report.observations.latency
    if latency is not None:
        figures["put -> processed p50 (s)"] = latency.p50
        figures["put -> processed p95 (s)"] = latency.p95
        figures["put -> processed max (s)"] = latency.maximum
    return figures


def _table(reports: list[tuple[ReplayReport, float]]) -> Table:
    table = Table(
        title=f"Replay of {SCENARIO.name} ({reports[0][0].send.records:,} events, "
        "MiniStack 1.5.33)",
        title_justify="left",
    )
    for column in ("measure", "runs", "median", "min", "max"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    collected: dict[str, list[float]] = {}
    for report, wall in reports:
        for name, value in _figures(report, wall).items():
            collected.setdefault(name, []).append(value)
    for name, values in collected.items():
        digits = 0 if "events/s" in name else 2
        table.add_row(
            name,
            str(len(values)),
            f"{statistics.median(values):,.{digits}f}",
            f"{min(values):,.{digits}f}",
            f"{max(values):,.{digits}f}",
        )
    passed = sum(r.passed for r, _ in reports)
    table.add_row("runs whose expectations all passed", str(len(reports)), f"{passed}", "", "")
    return table


def run(console: Console) -> None:
    """Up a private MiniStack, deploy once, replay the large scenario RUNS times, print medians."""
    # the whole file is checked through the processor's pure path first, as `replay` does
    scenario = validate(SCENARIO)[0]
    with (
        tempfile.TemporaryDirectory(prefix="replay-bench-") as tmp,
        local_cloud(Path(tmp)) as (paths, endpoint_url),
    ):
        console.print("[dim]deploying the stack ...")
        deployed = deploy_stack(paths, endpoint_url)
        target = ReplayTarget.from_outputs(deployed.outputs, paths.driver_dir)
        clients = Clients.from_factory(client_factory(endpoint_url))
        reports = []
        for number in range(1, RUNS + 1):
            plan = build(scenario, new_run_id(), dt.datetime.now(dt.UTC))
            began = time.perf_counter()
            report = replay(plan, target, clients, listener=_Phases(console, number))
            wall = time.perf_counter() - began
            verdict = "PASS" if report.passed else "FAIL"
            console.print(f"[dim]run {number}: {verdict} in {wall:.1f} s")
            reports.append((report, wall))
    console.print(_table(reports))
    console.print(
        f"[dim]{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; latency = put "
        "acknowledged -> the driver's checkpoint passed the record (function done, stored)"
    )
