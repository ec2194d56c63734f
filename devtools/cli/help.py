"""Help-page helpers: the examples block every command shows under its options."""

from __future__ import annotations


def examples(*lines: str) -> str:
    """An epilog of example command lines (`\\b` keeps click from rewrapping them).

    A line starting with `#` is a comment for the example below it.
    """
    body = "\n".join(f"  {line}" for line in lines)
    return f"\b\nExamples:\n{body}"
