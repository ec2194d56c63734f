"""Rich renderings shared by several commands (verification report, outputs)."""

from __future__ import annotations

from rich.table import Table

from devtools.deploy.findings import VerificationReport

# the outputs worth a line in the terminal (--json gives all of them)
SHOWN_OUTPUTS = (
    "StreamName",
    "ProcessorFunctionName",
    "ProcessorLogGroupName",
    "ResultsTableName",
    "AggregatesTableName",
    "QuarantineBucketName",
    "FailureQueueUrl",
    "EventSourceMappingId",
)

_STYLES = {
    "ok": "green",
    "applied": "cyan",
    "dropped": "red",
    "differs": "yellow",
    "apply-failed": "red",
    "unchecked": "dim",
}


def verification_table(report: VerificationReport, *, show_all: bool = False) -> Table:
    """Every setting the emulator dropped (and what was applied); all rows with `show_all`."""
    counts = report.counts()
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    table = Table(
        title=f"Deploy verification: template vs emulator ({summary})",
        title_justify="left",
        show_lines=False,
    )
    table.add_column("resource")
    table.add_column("setting")
    table.add_column("template", overflow="fold", max_width=40)
    table.add_column("emulator", overflow="fold", max_width=40)
    table.add_column("result")
    table.add_column("note", overflow="fold", max_width=44)
    for finding in report.findings:
        if not show_all and finding.status in ("ok", "unchecked"):
            continue
        style = _STYLES.get(finding.status, "")
        table.add_row(
            f"{finding.logical_id}\n[dim]{finding.resource_type}[/dim]",
            finding.setting,
            finding.expected,
            finding.actual,
            f"[{style}]{finding.status}[/{style}]" if style else finding.status,
            finding.note,
        )
    return table


def outputs_table(outputs: dict[str, str]) -> Table:
    return key_value_table("Stack outputs", {k: outputs[k] for k in SHOWN_OUTPUTS if k in outputs})


def key_value_table(title: str, rows: dict[str, str]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in rows.items():
        table.add_row(key, value)
    return table
