"""Rich renderings of replay reports and scenario dry runs: a one-screen summary, then details."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from devtools.cli import fmt
from devtools.cli.fmt import fit_words
from devtools.cli.metrics_view import MetricRow, metrics_table
from devtools.replay.alarms import display_name
from devtools.report.model import AggregateSummary, CheckResult, ReplayReport
from devtools.scenarios.plan import Plan
from devtools.scenarios.truth import PlanTruth

SAMPLE_ROWS_SHOWN = 8


def _table(title: str, *columns: str) -> Table:
    """A table without vertical rules: every column keeps its width for words."""
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        min_width=len(title),  # a title wraps to its table's width: keep it on one line
    )
    for column in columns:
        table.add_column(column)
    return table


def _grid() -> Table:
    grid = Table(show_header=False, box=None, padding=(0, 2), pad_edge=False)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    return grid


def header(report: ReplayReport) -> Table:
    send = report.send
    shards = ", ".join(f"{fmt.shard(k)}: {v}" for k, v in send.per_shard.items())
    table = _grid()
    table.add_row("scenario", f"{report.scenario}  [dim]{report.file}[/dim]")
    table.add_row("run", f"{report.run_id}  started {report.started_at}")
    table.add_row(
        "sent",
        f"{send.records} records in {send.batches} PutRecords calls, {send.seconds:.2f} s "
        f"({send.rate:.0f} records/s), {send.retried} retried; per shard {shards or '-'}",
    )
    drained = "[green]drained[/green]" if report.drained else "[red]NOT drained[/red]"
    table.add_row("driver", f"{drained} {report.drain_seconds:.2f} s after the last put")
    latency = report.observations.latency
    if latency is not None:
        table.add_row(
            "latency",
            f"put -> processed: p50 {latency.p50:.2f} s, p95 {latency.p95:.2f} s, "
            f"max {latency.maximum:.2f} s ({latency.count} events)",
        )
    return table


def summary(report: ReplayReport) -> RenderableType:
    """One screen: what was sent, what came out, the verdict, and what failed and why."""
    obs = report.observations
    outcome = header(report)
    outcome.add_row("stored", f"{obs.stored_total} events ({fmt.pairs(obs.stored_by_type)})")
    quarantined = len(obs.quarantined)
    outcome.add_row(
        "quarantined",
        f"{quarantined} records ({fmt.pairs(obs.quarantined_by_reason)})" if quarantined else "0",
    )
    outcome.add_row(
        "on-failure",
        f"{len(obs.failure_messages)} invocation records, queue depth {obs.failure_queue_depth}",
    )
    firing = [display_name(a.name) for a in obs.alarms if a.would_fire]
    if obs.alarms:
        outcome.add_row(
            "alarms",
            f"[red]would fire: {', '.join(firing)}[/red]"
            if firing
            else f"[green]all {len(obs.alarms)} quiet[/green]",
        )
    passed = sum(c.passed for c in report.checks)
    if report.passed:
        verdict = Text(
            f"PASS {report.scenario}: {passed}/{len(report.checks)} expectations met",
            style="bold green",
        )
    else:
        why = "" if report.drained else " (the driver did not drain in time)"
        verdict = Text(
            f"FAIL {report.scenario}: {passed}/{len(report.checks)} expectations met{why}",
            style="bold red",
        )
    parts: list[RenderableType] = [outcome, verdict]
    failed = [c for c in report.checks if not c.passed]
    if failed:
        parts.append(failed_checks(failed))
    return Group(*parts)


def failed_checks(checks: Iterable[CheckResult]) -> Table:
    grid = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False)
    grid.add_column(no_wrap=True)
    grid.add_column()
    for check in checks:
        grid.add_row(
            "[red]✗[/red]",
            f"{check.name}: expected {check.expected}, got [bold]{check.actual}[/bold]",
        )
    return grid


def stored(report: ReplayReport, *, width: int) -> RenderableType:
    obs = report.observations
    counts = _table(f"Stored in DynamoDB: {obs.stored_total} events", "type", "events")
    counts.columns[1].justify = "right"
    for kind, number in obs.stored_by_type.items():
        counts.add_row(kind, str(number))
    if not obs.sample_rows:
        return counts
    rows: list[RenderableType] = [Text("Sample rows", style="bold")]
    for row in obs.sample_rows[:SAMPLE_ROWS_SHOWN]:
        rows.append(
            Text.assemble(
                (fit_words(row.event_id, width), "bold"), f"  {row.event_type}  {row.timestamp}"
            )
        )
        fields = " ".join(f"{k}={v}" for k, v in row.attributes.items())
        rows.append(Text("  " + fit_words(fields, width - 2), style="dim"))
    return Group(counts, Text(""), *rows)


def aggregates(report: ReplayReport) -> Table:
    obs = report.observations
    day = obs.minutes[0].minute[:10] if obs.minutes else ""
    table = _table(
        f"Aggregates added by this run, per minute of {day} (UTC)",
        "minute",
        "events by type",
        "revenue by currency (n)",
        "load p50/p95/p99 ms",
        "errors by page",
    )
    for row in (*obs.minutes, obs.totals):
        _aggregate_row(table, row)
    return table


def _aggregate_row(table: Table, row: AggregateSummary) -> None:
    label = "[bold]total[/bold]" if row.minute == "*" else row.minute[11:16]
    load = (
        f"{fmt.whole(row.load_time_p50)} / {fmt.whole(row.load_time_p95)} / "
        f"{fmt.whole(row.load_time_p99)} (n={row.load_time_count})"
        if row.load_time_count
        else "-"
    )
    revenue = ", ".join(
        f"{cur} {amount:.2f} ({row.purchases.get(cur, 0)})" for cur, amount in row.revenue.items()
    )
    table.add_row(label, fmt.pairs(row.events), revenue or "-", load, fmt.pairs(row.errors_by_page))


def quarantine(report: ReplayReport, *, width: int, limit: int = 12) -> RenderableType:
    obs = report.observations
    parts: list[RenderableType] = [
        Text(
            f"Quarantined: {len(obs.quarantined)} records  {fmt.pairs(obs.quarantined_by_reason)}",
            style="bold",
        )
    ]
    for record in obs.quarantined[:limit]:
        declared = record.expected_reason
        mismatch = declared is not None and declared != record.reason
        parts.append(
            Text.assemble(
                (record.reason, "bold"),
                (f" (declared {declared})", "red") if mismatch else "",
                f"  step {record.step or '-'} · shard {fmt.shard(record.shard_id)} · "
                f"sequence {fmt.tail(record.sequence_number)}",
            )
        )
        parts.append(Text("  " + fit_words(record.detail, width - 2), style="dim"))
    if len(obs.quarantined) > limit:
        parts.append(Text(f"… and {len(obs.quarantined) - limit} more (--json lists all)"))
    return Group(*parts)


def failure_queue(report: ReplayReport) -> RenderableType:
    obs = report.observations
    if not obs.failure_messages:
        return Text("On-failure queue: empty for this run", style="green")
    table = _table(
        f"On-failure queue: {len(obs.failure_messages)} invocation records",
        "condition",
        "shard",
        "sequence range",
        "batch size",
    )
    for message in obs.failure_messages:
        table.add_row(
            message.condition,
            fmt.shard(message.shard_id),
            f"{fmt.tail(message.start_sequence)} .. {fmt.tail(message.end_sequence)}",
            str(message.batch_size),
        )
    return table


def metrics(report: ReplayReport) -> Table:
    return metrics_table(
        "Emitted metrics (EMF in the function's logs)",
        (
            MetricRow(
                name=m.name,
                unit=m.unit,
                dimensions=tuple(m.dimensions.items()),
                samples=m.count,
                total=m.sum,
                minimum=m.minimum,
                maximum=m.maximum,
            )
            for m in report.observations.metrics
        ),
    )


def alarms(report: ReplayReport) -> RenderableType:
    """Per alarm: state, name and what was observed; then its condition and the basis."""
    grid = Table(
        title="Alarms that would fire on this traffic",
        title_justify="left",
        title_style="bold",
        show_header=False,
        box=None,
        padding=(0, 2),
        pad_edge=False,
    )
    grid.add_column(no_wrap=True)
    grid.add_column()
    for verdict in report.observations.alarms:
        observed = "no data" if verdict.observed is None else f"{verdict.observed:g}"
        state = "[red]FIRES[/red]" if verdict.would_fire else "[green]quiet[/green]"
        condition = (
            f"{verdict.metric} {verdict.statistic} {verdict.comparison} {verdict.threshold:g}"
        )
        grid.add_row(
            state,
            f"[bold]{display_name(verdict.name)}[/bold]  observed {observed}\n"
            f"[dim]{condition}; {verdict.basis}[/dim]",
        )
    return grid


def checks(report: ReplayReport) -> Table:
    passed = sum(c.passed for c in report.checks)
    table = _table(
        f"Expectations: {passed}/{len(report.checks)} passed",
        "expectation",
        "expected",
        "actual",
        "",
    )
    for check in report.checks:
        mark = "[green]pass[/green]" if check.passed else "[red]FAIL[/red]"
        table.add_row(check.name, check.expected, check.actual, mark)
    return table


def details(report: ReplayReport, *, width: int) -> list[RenderableType]:
    """The detailed sections, in reading order, after the summary."""
    parts: list[RenderableType] = [stored(report, width=width), aggregates(report)]
    if report.observations.quarantined:
        parts.append(quarantine(report, width=width))
    parts.append(failure_queue(report))
    if report.observations.metrics:
        parts.append(metrics(report))
    if report.observations.alarms:
        parts.append(alarms(report))
    for note in report.observations.notes:
        parts.append(Text(f"note: {note}", style="yellow"))
    if report.checks:
        parts.append(checks(report))
    return parts


def report_view(report: ReplayReport, *, width: int) -> list[RenderableType]:
    """The summary first, then every detailed section."""
    return [summary(report), *details(report, width=width)]


def dry_run(plan: Plan, truth: PlanTruth, checked: Iterable[CheckResult] = ()) -> RenderableType:
    """What a plan sends, what a correct pipeline must produce from it, and how that compares
    with the file's `expect` where a dry run can know."""
    scenario = plan.scenario
    table = _table(
        f"{scenario.name}: {truth.records} records (dry run, nothing sent)", "what", "expected"
    )
    table.columns[0].no_wrap = True
    steps = ", ".join(f"{s.name} ({s.kind})" for s in scenario.steps)
    table.add_row("steps", steps)
    table.add_row("stored by type", fmt.pairs(truth.stored))
    table.add_row("stored total", str(truth.stored_total))
    table.add_row("quarantined", fmt.pairs(truth.quarantined))
    table.add_row("revenue", fmt.pairs(truth.revenue))
    table.add_row("purchases", fmt.pairs(truth.purchases))
    if truth.load_times:
        table.add_row(
            "load p50/p95/p99 ms",
            " / ".join(fmt.whole(truth.load_time_percentile(p)) for p in (50, 95, 99)) + " (exact)",
        )
    table.add_row("errors by page", fmt.pairs(truth.errors_by_page))
    table.add_row("errors by type", fmt.pairs(truth.errors_by_type))
    results = list(checked)
    if not results:
        return table
    passed = sum(c.passed for c in results)
    compared = _table(
        f"Compared with expect: {passed}/{len(results)} as expected", "expectation", "expected",
        "computed", "",
    )  # fmt: skip
    for check in results:
        mark = "[green]ok[/green]" if check.passed else "[red]MISMATCH[/red]"
        compared.add_row(check.name, check.expected, check.actual, mark)
    return Group(table, compared)
