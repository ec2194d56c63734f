"""`devtools replay FILE...`: validate scenarios, send them, wait, summarize, check expectations."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from devtools.cli.context import Settings, pass_settings
from devtools.cli.replay_render import dry_run as render_dry_run
from devtools.cli.replay_render import report_view
from devtools.deploy.outputs import StackOutputs, require_outputs
from devtools.replay.run import Clients, Listener, ReplayTarget, replay
from devtools.report.model import ReplayReport
from devtools.scenarios import ScenarioError, build, new_run_id, validate
from devtools.scenarios.model import Scenario, SendOptions
from devtools.scenarios.plan import Plan
from devtools.scenarios.truth import PlanTruth


class ProgressListener(Listener):
    """Progress bars on stderr: records acknowledged by PutRecords, then processed."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.total = total
        self.send_task = progress.add_task("sending", total=total)
        self.drain_task = progress.add_task("processing", total=total, visible=False)

    def phase(self, name: str) -> None:
        if name == "drain":
            self.progress.update(self.drain_task, visible=True)
        if name == "collect":
            self.progress.update(self.drain_task, description="reading back")

    def sent(self, done: int, total: int) -> None:
        self.progress.update(self.send_task, completed=done)

    def draining(self, done: int, total: int, elapsed: float) -> None:
        self.progress.update(self.drain_task, completed=done)


def target_of(outputs: StackOutputs, settings: Settings) -> ReplayTarget:
    return ReplayTarget.from_outputs(outputs, settings.paths.driver_dir)


def clients_of(settings: Settings) -> Clients:
    return Clients.from_factory(settings.client)


def _with_rate(scenario: Scenario, rate: float | None) -> Scenario:
    if rate is None:
        return scenario
    # --rate replaces every rate in the file (bursts stay unthrottled)
    steps = tuple(s if s.kind == "burst" else replace(s, rate=None) for s in scenario.steps)
    send = SendOptions(rate=rate, batch_size=scenario.send.batch_size)
    return replace(scenario, steps=steps, send=send)


@click.command("replay")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--json", "json_path", type=click.Path(dir_okay=False), help="Write the reports (JSON) here."
)
@click.option("--rate", type=float, help="Records per second for every step (bursts excepted).")
@click.option("--drain-timeout", type=float, help="Seconds to wait for the driver [file's].")
@click.option("--dry-run", is_flag=True, help="Validate and show what would be sent; send nothing.")
@click.option("--brief", is_flag=True, help="Only the header and the expectations table.")
@pass_settings
def replay_command(
    settings: Settings,
    files: tuple[str, ...],
    json_path: str | None,
    rate: float | None,
    drain_timeout: float | None,
    dry_run: bool,
    brief: bool,
) -> None:
    """Replay scenario FILEs into the deployed stream and check their expectations.

    Every file is validated first (problems as `file:line: problem`, exit 1); then each is
    sent, drained and summarized. Exit 0 when every expectation of every file passed.
    """
    terminal = settings.terminal
    validated: list[tuple[Scenario, Plan, PlanTruth]] = []
    problems: list[str] = []
    for file in files:
        try:
            validated.append(validate(file))
        except ScenarioError as exc:
            problems.extend(str(p) for p in exc.problems)
    if problems:
        for line in problems:
            # the bare `file:line: problem` form editors and CI annotators understand
            terminal.err.print(line, markup=False, highlight=False, style="red")
        raise click.exceptions.Exit(1)
    if dry_run:
        for _, plan, truth in validated:
            terminal.print(render_dry_run(plan, truth))
        return
    outputs = require_outputs(settings.paths.outputs, settings.client("cloudformation"))
    target = target_of(outputs, settings)
    clients = clients_of(settings)
    reports: list[ReplayReport] = []
    for scenario, _, _ in validated:
        scenario = _with_rate(scenario, rate)
        plan = build(scenario, new_run_id(), dt.datetime.now(dt.UTC))
        terminal.info(
            f"[bold]{scenario.name}[/bold]: {len(plan.records)} records, run {plan.run_id}"
        )
        with Progress(
            TextColumn("{task.description:>12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=terminal.err,
            transient=True,
        ) as progress:
            listener = ProgressListener(progress, len(plan.records))
            report = replay(plan, target, clients, drain_timeout=drain_timeout, listener=listener)
        reports.append(report)
        parts = report_view(report)
        for part in [parts[0], *parts[-2:]] if brief else parts:
            terminal.print(part)
            terminal.print("")
    if json_path:
        document = {
            "passed": all(r.passed for r in reports),
            "reports": [r.to_dict() for r in reports],
        }
        Path(json_path).write_text(json.dumps(document, indent=2, default=str) + "\n")
        terminal.info(f"report written to {json_path}")
    failed = [r.scenario for r in reports if not r.passed]
    if failed:
        terminal.error(f"expectations failed: {', '.join(failed)}")
        raise click.exceptions.Exit(1)
    terminal.success(f"{len(reports)} scenario(s) passed")
