"""`devtools replay FILE...`: validate scenarios, send them, wait, summarize, check expectations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import click
from msgspec import structs
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from devtools.cli.context import Settings, pass_settings
from devtools.cli.help import examples
from devtools.cli.replay_render import dry_run as render_dry_run
from devtools.cli.replay_render import report_view, summary
from devtools.cli.terminal import Terminal
from devtools.deploy.outputs import StackOutputs, require_outputs
from devtools.replay.run import Clients, Listener, ReplayTarget, replay
from devtools.report.model import ReplayReport
from devtools.scenarios import ScenarioError, build, new_run_id, validate
from devtools.scenarios.evaluate import dry_run_checks
from devtools.scenarios.model import Scenario
from devtools.scenarios.plan import Plan
from devtools.scenarios.truth import PlanTruth
from devtools.scenarios.values import PerSecond

EXIT_INTERRUPTED = 130


class ProgressListener(Listener):
    """Progress bars on stderr: records acknowledged by PutRecords, then processed."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.total = total
        self.phase_name = "snapshot"
        self.sent_count = 0
        self.processed_count = 0
        self.send_task = progress.add_task("sending", total=total)
        self.drain_task = progress.add_task("processing", total=total, visible=False)

    def phase(self, name: str) -> None:
        self.phase_name = name
        if name == "drain":
            self.progress.update(self.drain_task, visible=True)
        if name == "collect":
            self.progress.update(self.drain_task, description="reading back")

    def sent(self, done: int, total: int) -> None:
        self.sent_count = done
        self.progress.update(self.send_task, completed=done)

    def draining(self, done: int, total: int, elapsed: float) -> None:
        self.processed_count = done
        self.progress.update(self.drain_task, completed=done)


def interrupted_message(scenario: str, run_id: str, listener: ProgressListener) -> str:
    """What Ctrl-C left behind: records sent are on the stream and the driver goes on."""
    total = listener.total
    if listener.phase_name == "snapshot" or listener.sent_count == 0:
        return f"{scenario}: interrupted before anything was sent (run {run_id})"
    processed = (
        f", {listener.processed_count:,} of them processed so far"
        if listener.phase_name in ("drain", "collect")
        else ""
    )
    return (
        f"{scenario}: interrupted after {listener.sent_count:,} of {total:,} records were sent "
        f"(run {run_id}){processed}. Sent records stay on the stream and the mapping driver "
        "keeps processing them: follow with `devtools watch`; expectations were not checked"
    )


def target_of(outputs: StackOutputs, settings: Settings) -> ReplayTarget:
    return ReplayTarget.from_outputs(outputs, settings.paths.driver_dir)


def clients_of(settings: Settings) -> Clients:
    return Clients.from_factory(settings.client)


def _with_rate(scenario: Scenario, rate: float | None) -> Scenario:
    if rate is None:
        return scenario
    # --rate replaces every rate in the file (bursts stay unthrottled)
    steps = [s if s.kind == "burst" else structs.replace(s, rate=None) for s in scenario.steps]
    send = structs.replace(scenario.send, rate=PerSecond(rate))
    return replace(scenario, spec=structs.replace(scenario.spec, traffic=steps, send=send))


def _print_problems(terminal: Terminal, problems: list[str]) -> None:
    """Each `file:line: problem` once, with a count when the same line repeats."""
    counts = Counter(problems)
    for line, times in counts.items():
        shown = line if times == 1 else f"{line} (x{times})"
        # the bare `file:line: problem` form editors and CI annotators understand: one line
        terminal.err.print(shown, markup=False, highlight=False, style="red", soft_wrap=True)


@click.command(
    "replay",
    short_help="Replay scenario files, summarize, check expectations.",
    epilog=examples(
        "devtools replay scenarios/checkout_errors.yaml",
        "devtools replay --dry-run scenarios/*.yaml  # validate, compare with expect",
        "devtools replay scenarios/malformed.yaml --brief",
        "devtools replay scenarios/realistic_mix.yaml --report report.json",
        "devtools replay scenarios/duplicates.yaml --json > report.json",
    ),
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also write the reports as JSON to FILE.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the reports as JSON on stdout (no tables)."
)
@click.option("--rate", type=float, help="Records per second for every step (bursts excepted).")
@click.option(
    "--drain-timeout",
    type=float,
    help="Seconds to wait for the driver to process everything [the file's drain_timeout].",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Validate, show the exact expected figures and compare them with `expect`; send nothing.",
)
@click.option("--brief", is_flag=True, help="Only the summary (no detailed sections).")
@pass_settings
def replay_command(
    settings: Settings,
    files: tuple[str, ...],
    report_path: str | None,
    as_json: bool,
    rate: float | None,
    drain_timeout: float | None,
    dry_run: bool,
    brief: bool,
) -> None:
    """Replay scenario FILEs into the deployed stream and check their expectations.

    Every file is validated first (problems as `file:line: problem`, exit 1); then each is
    sent, drained and summarized: a one-screen summary (what failed and why) comes first, the
    detailed sections after it. Exit 0 when every expectation of every file passed, 1 when one
    failed, 130 when interrupted (what was sent keeps being processed).
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
        _print_problems(terminal, problems)
        raise click.exceptions.Exit(1)
    if dry_run:
        _dry_run(terminal, validated, as_json=as_json)
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
            try:
                report = replay(
                    plan, target, clients, drain_timeout=drain_timeout, listener=listener
                )
            except KeyboardInterrupt:
                progress.stop()
                terminal.warn(interrupted_message(scenario.name, plan.run_id, listener))
                raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        reports.append(report)
        if as_json:
            continue
        parts = [summary(report)] if brief else report_view(report, width=terminal.width)
        for part in parts:
            terminal.print(part)
            terminal.print("")
    document = {"passed": all(r.passed for r in reports), "reports": [r.to_dict() for r in reports]}
    if as_json:
        settings.terminal.json(document)
    if report_path:
        Path(report_path).write_text(json.dumps(document, indent=2, default=str) + "\n")
        terminal.info(f"report written to {report_path}")
    failed = [r.scenario for r in reports if not r.passed]
    if failed:
        terminal.error(f"expectations failed: {', '.join(failed)}")
        raise click.exceptions.Exit(1)
    terminal.success(f"{len(reports)} scenario(s) passed")


def _dry_run(
    terminal: Terminal, validated: list[tuple[Scenario, Plan, PlanTruth]], *, as_json: bool
) -> None:
    """The exact expected figures of each plan, compared with its `expect` (exit 1 if off)."""
    mismatched: list[str] = []
    documents = []
    for scenario, plan, truth in validated:
        checked = dry_run_checks(scenario.expect, truth)
        if not all(c.passed for c in checked):
            mismatched.append(scenario.name)
        if as_json:
            documents.append(
                {
                    "scenario": scenario.name,
                    "file": scenario.path,
                    "records": truth.records,
                    "stored": truth.stored,
                    "quarantined": truth.quarantined,
                    "revenue": truth.revenue,
                    "purchases": truth.purchases,
                    "errorsByPage": truth.errors_by_page,
                    "errorsByType": truth.errors_by_type,
                    "checks": [dataclasses.asdict(c) for c in checked],
                }
            )
        else:
            terminal.print(render_dry_run(plan, truth, checked))
    if as_json:
        terminal.json({"passed": not mismatched, "dryRuns": documents})
    if mismatched:
        terminal.error(
            f"the computed figures differ from `expect` in: {', '.join(mismatched)} "
            "(fix the file's expect, or its traffic)"
        )
        raise click.exceptions.Exit(1)
