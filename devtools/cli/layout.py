"""Width-aware layouts: key/value rows that stack when a line cannot hold them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from devtools.cli.fmt import fit_words

INDENT = 2


def key_values(
    rows: Mapping[str, str] | Iterable[tuple[str, str]],
    *,
    width: int,
    title: str | None = None,
    indent: int = 0,
) -> RenderableType:
    """`key  value` per line where it fits; otherwise the value goes on the next line, indented.

    Values keep their words whole: a word longer than the line is shortened in the middle.
    """
    items = list(rows.items() if isinstance(rows, Mapping) else rows)
    key_width = max((len(k) for k, _ in items), default=0)
    lines: list[RenderableType] = []
    if title:
        lines.append(Text(title, style="bold"))
    pad = " " * indent
    one_line = width - indent - key_width - 2
    for key, value in items:
        if len(value) <= one_line or (" " in value and one_line >= 40):
            grid = Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True, style="bold", min_width=key_width)
            grid.add_column()
            grid.add_row(key, fit_words(value, max(one_line, 1)))
            lines.append(_indented(grid, indent))
        else:
            lines.append(Text(pad + key, style="bold"))
            lines.append(Text(pad + " " * INDENT + fit_words(value, width - indent - INDENT)))
    return Group(*lines)


def _indented(renderable: Table, indent: int) -> RenderableType:
    if not indent:
        return renderable
    outer = Table.grid()
    outer.add_column(width=indent)
    outer.add_column()
    outer.add_row("", renderable)
    return outer
