"""Render rich output at a fixed width and check it reads whole at that width."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console

WIDTHS = (80, 120)
WIDE = 1000
# rich's box drawing and rules: separators, never parts of a word
_FRAME = re.compile(r"[\s│┃┏┓┗┛━─┡┩╇┳┻╋┃┣┫┠┨┯┷┼└┘┌┐├┤┬┴]+")


def render(renderable: Any, width: int) -> str:
    console = Console(width=width, record=True, no_color=True, highlight=False)
    console.print(renderable)
    return console.export_text()


def words(text: str) -> set[str]:
    return {w for w in _FRAME.split(text) if w}


def assert_reads_whole(renderable: Any, width: int) -> str:
    """No line is wider than `width`, and every word shown at `width` is a word of the same
    output on an unlimited line (a word cut by wrapping is not), unless it was shortened on
    purpose with an ellipsis."""
    narrow = render(renderable, width)
    widest = max(len(line.rstrip()) for line in narrow.splitlines())
    assert widest <= width, f"a line of {widest} columns at width {width}:\n{narrow}"
    whole = words(render(renderable, WIDE))
    broken = sorted(w for w in words(narrow) - whole if "…" not in w)
    assert not broken, f"words cut at width {width}: {broken}\n{narrow}"
    return narrow
