"""The EMF metrics table shared by `logs --metrics` and `replay`: every column, any width."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich import box
from rich.table import Table


@dataclass(frozen=True)
class MetricRow:
    """One metric under one dimension set, folded over its samples."""

    name: str
    unit: str
    dimensions: tuple[tuple[str, str], ...]
    samples: int
    total: float
    minimum: float
    maximum: float


def metrics_table(title: str, rows: Iterable[MetricRow]) -> Table:
    """One line per metric, its dimension sets indented below it. Numbers never wrap and no
    column is dropped; the first column wraps between dimensions when the terminal is narrow."""
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        min_width=len(title),  # a title wraps to its table's width: keep it on one line
    )
    table.add_column("metric (unit) / dimensions", ratio=1)
    for column in ("samples", "sum", "min", "max"):
        table.add_column(column, justify="right", no_wrap=True)
    previous: str | None = None
    for row in rows:
        numbers = (str(row.samples), f"{row.total:g}", f"{row.minimum:g}", f"{row.maximum:g}")
        heading = f"{row.name} ({row.unit})" if row.unit else row.name
        if not row.dimensions:
            table.add_row(heading, *numbers)
            previous = None
            continue
        if previous != row.name:
            table.add_row(heading)
            previous = row.name
        table.add_row("  " + " ".join(f"{k}={v}" for k, v in row.dimensions), *numbers)
    return table
