"""Rich renderings of replay reports and scenario dry runs (used by `replay` and `query`)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from devtools.replay.alarms import display_name
from devtools.report.model import AggregateSummary, ReplayReport
from devtools.scenarios.plan import Plan
from devtools.scenarios.truth import PlanTruth


def _pairs(values: Mapping[str, float], digits: int = 2) -> str:
    if not values:
        return "-"
    return ", ".join(
        f"{k} {v:.{digits}f}" if isinstance(v, float) and not v.is_integer() else f"{k} {v:g}"
        for k, v in values.items()
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def header(report: ReplayReport) -> Table:
    send = report.send
    shards = ", ".join(
        f"{k.split('-')[-1].lstrip('0') or '0'}: {v}" for k, v in send.per_shard.items()
    )
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
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


def stored(report: ReplayReport) -> RenderableType:
    obs = report.observations
    counts = _table(f"Stored in DynamoDB: {obs.stored_total} events", "type", "events")
    for kind, count in obs.stored_by_type.items():
        counts.add_row(kind, str(count))
    rows = _table("Sample rows", "eventId", "type", "timestamp", "fields")
    for row in obs.sample_rows:
        fields = ", ".join(f"{k}={v}" for k, v in row.attributes.items())
        rows.add_row(row.event_id, row.event_type, row.timestamp, fields)
    return Group(counts, rows) if obs.sample_rows else counts


def aggregates(report: ReplayReport) -> Table:
    obs = report.observations
    table = _table(
        "Aggregates added by this run (per minute)",
        "minute",
        "events by type",
        "revenue by currency",
        "load time p50/p95/p99 ms",
        "errors by page",
    )
    for summary in (*obs.minutes, obs.totals):
        _aggregate_row(table, summary)
    return table


def _aggregate_row(table: Table, summary: AggregateSummary) -> None:
    label = "[bold]total[/bold]" if summary.minute == "*" else summary.minute
    load = (
        f"{_ms(summary.load_time_p50)} / {_ms(summary.load_time_p95)} / "
        f"{_ms(summary.load_time_p99)} (n={summary.load_time_count})"
        if summary.load_time_count
        else "-"
    )
    revenue = ", ".join(
        f"{cur} {amount:.2f} ({summary.purchases.get(cur, 0)})"
        for cur, amount in summary.revenue.items()
    )
    table.add_row(
        label,
        _pairs({k: float(v) for k, v in summary.events.items()}),
        revenue or "-",
        load,
        _pairs({k: float(v) for k, v in summary.errors_by_page.items()}),
    )


def quarantine(report: ReplayReport, limit: int = 12) -> Table:
    obs = report.observations
    table = _table(
        f"Quarantined: {len(obs.quarantined)} records  {_pairs(obs.quarantined_by_reason)}",
        "reason",
        "declared",
        "step",
        "shard / sequence",
        "detail",
    )
    for record in obs.quarantined[:limit]:
        declared = record.expected_reason or "-"
        style = "" if record.expected_reason in (None, record.reason) else "red"
        table.add_row(
            record.reason,
            Text(declared, style=style),
            record.step or "-",
            f"{record.shard_id.split('-')[-1]} / …{record.sequence_number[-8:]}",
            record.detail,
        )
    if len(obs.quarantined) > limit:
        table.add_row("…", "", "", "", f"{len(obs.quarantined) - limit} more")
    return table


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
            message.shard_id,
            f"…{message.start_sequence[-8:]} .. …{message.end_sequence[-8:]}",
            str(message.batch_size),
        )
    return table


def metrics(report: ReplayReport) -> Table:
    table = _table(
        "Emitted metrics (EMF in the function's logs)",
        "metric",
        "dimensions",
        "values",
        "sum",
        "min",
        "max",
    )
    for metric in report.observations.metrics:
        dims = ", ".join(f"{k}={v}" for k, v in metric.dimensions.items()) or "-"
        table.add_row(
            metric.name,
            dims,
            str(metric.count),
            f"{metric.sum:g}",
            f"{metric.minimum:g}",
            f"{metric.maximum:g}",
        )
    return table


def alarms(report: ReplayReport) -> Table:
    table = _table(
        "Alarms that would fire on this traffic", "alarm", "condition", "observed", "", "basis"
    )
    for verdict in report.observations.alarms:
        observed = "no data" if verdict.observed is None else f"{verdict.observed:g}"
        state = "[red]FIRES[/red]" if verdict.would_fire else "[green]quiet[/green]"
        table.add_row(
            display_name(verdict.name),
            f"{verdict.metric} {verdict.statistic} {verdict.comparison} {verdict.threshold:g}",
            observed,
            state,
            verdict.basis,
        )
    return table


def checks(report: ReplayReport) -> Table:
    passed = sum(c.passed for c in report.checks)
    title = f"Expectations: {passed}/{len(report.checks)} passed"
    table = _table(title, "expectation", "expected", "actual", "")
    for check in report.checks:
        mark = "[green]pass[/green]" if check.passed else "[red]FAIL[/red]"
        table.add_row(check.name, check.expected, check.actual, mark)
    return table


def report_view(report: ReplayReport) -> list[RenderableType]:
    """Every section of one replay, in reading order."""
    parts: list[RenderableType] = [header(report), stored(report), aggregates(report)]
    if report.observations.quarantined:
        parts.append(quarantine(report))
    parts.append(failure_queue(report))
    if report.observations.metrics:
        parts.append(metrics(report))
    if report.observations.alarms:
        parts.append(alarms(report))
    for note in report.observations.notes:
        parts.append(Text(f"note: {note}", style="yellow"))
    if report.checks:
        parts.append(checks(report))
    verdict = (
        Text(f"PASS {report.scenario}", style="bold green")
        if report.passed
        else Text(f"FAIL {report.scenario}", style="bold red")
    )
    parts.append(verdict)
    return parts


def dry_run(plan: Plan, truth: PlanTruth) -> Table:
    """What a plan sends and what a correct pipeline must produce from it."""
    scenario = plan.scenario
    table = _table(
        f"{scenario.name}: {truth.records} records (dry run, nothing sent)", "what", "expected"
    )
    steps = ", ".join(f"{s.name} ({s.kind})" for s in scenario.steps)
    table.add_row("steps", steps)
    table.add_row("stored by type", _pairs({k: float(v) for k, v in truth.stored.items()}))
    table.add_row("stored total", str(truth.stored_total))
    table.add_row("quarantined", _pairs({k: float(v) for k, v in truth.quarantined.items()}))
    table.add_row("revenue by currency", _pairs(truth.revenue))
    purchases = {k: float(v) for k, v in truth.purchases.items()}
    table.add_row("purchases by currency", _pairs(purchases))
    if truth.load_times:
        table.add_row(
            "load time p50/p95/p99 ms (exact)",
            " / ".join(_ms(truth.load_time_percentile(p)) for p in (50, 95, 99)),
        )
    table.add_row("errors by page", _pairs({k: float(v) for k, v in truth.errors_by_page.items()}))
    table.add_row("errors by type", _pairs({k: float(v) for k, v in truth.errors_by_type.items()}))
    return table
