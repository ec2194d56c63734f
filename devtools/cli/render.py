"""Rich renderings shared by several commands (verification report, stack outputs)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from devtools.cli.fmt import fit_words
from devtools.cli.layout import key_values
from devtools.deploy.findings import KNOWN_GAPS, Finding, VerificationReport

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
_STATUS_WIDTH = max(len(s) for s in _STYLES)
_LABEL_WIDTH = len("emulator")


def _spaced(value: str) -> str:
    """Compact JSON re-spaced (`{"a": 1, "b": 2}`) so it can wrap between its members."""
    if value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


def verification_summary(report: VerificationReport) -> tuple[str, bool]:
    """One line for the deploy: counts by kind; True when something unexpected differs."""
    gaps = report.known_gaps
    unexpected = report.unexpected
    parts = [f"{report.checked} settings compared", f"{len(report.applied)} applied via the API"]
    if gaps:
        names = ", ".join(KNOWN_GAPS[(f.setting, f.status)] for f in gaps)
        parts.append(f"{len(gaps)} known emulator gaps ({names})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected differences")
    return "verification: " + "; ".join(parts), bool(unexpected)


def findings_view(findings: Iterable[Finding], *, width: int, title: str) -> RenderableType:
    """Each finding as a block of rows (status, resource, setting; template, emulator, note):
    the values keep their own lines, so nothing is cut to fit a table column."""
    blocks: list[RenderableType] = [Text(title, style="bold")]
    value_width = max(width - _STATUS_WIDTH - _LABEL_WIDTH - 4, 10)
    for finding in findings:
        style = _STYLES.get(finding.status, "")
        blocks.append(
            Text.assemble(
                (finding.status.ljust(_STATUS_WIDTH + 2), style),
                (fit_words(finding.setting, width - _STATUS_WIDTH - 2), "bold"),
            )
        )
        grid = Table.grid(padding=(0, 2))
        grid.add_column(width=_STATUS_WIDTH, no_wrap=True)
        grid.add_column(width=_LABEL_WIDTH, no_wrap=True, style="dim")
        grid.add_column()
        expected = _spaced(finding.expected)
        actual = _spaced(finding.actual)
        rows = [
            ("resource", f"{finding.logical_id} ({finding.resource_type})"),
            ("template", expected),
            ("emulator", "same as template" if actual == expected else actual),
        ]
        if finding.note:
            rows.append(("note", finding.note))
        for label, value in rows:
            grid.add_row("", label, fit_words(value, value_width))
        blocks.append(grid)
    return Group(*blocks)


def verification_view(
    report: VerificationReport, *, width: int, show_all: bool = False
) -> RenderableType:
    """Every setting the emulator dropped and what was applied; every compared one with
    `show_all`."""
    counts = report.counts()
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    shown = [f for f in report.findings if show_all or f.status not in ("ok", "unchecked")]
    return findings_view(
        shown, width=width, title=f"Deploy verification, template vs emulator: {summary}"
    )


def outputs_view(outputs: dict[str, str], *, width: int) -> RenderableType:
    return key_values(
        {k: outputs[k] for k in SHOWN_OUTPUTS if k in outputs}, width=width, title="Stack outputs"
    )
