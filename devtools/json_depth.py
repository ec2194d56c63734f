"""Refuse JSON nested deeper than a bound before `json.loads` recurses into it."""

from __future__ import annotations

MAX_DEPTH = 256  # events are flat; Python's json recursion gives out near 1,000


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The 1-based line where nesting first passes `limit`, or None (strings are skipped)."""
    depth = 0
    line = 1
    in_string = escaped = False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line
        elif char in "]}":
            depth -= 1
    return None
