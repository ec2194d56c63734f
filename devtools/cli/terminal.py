"""The one terminal object: rich consoles for results (stdout) and diagnostics (stderr)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import click
from rich.console import Console
from rich.status import Status
from rich.table import Table


def _no_color() -> bool:
    # https://no-color.org: any non-empty value disables colour
    return bool(os.environ.get("NO_COLOR"))


@dataclass
class Terminal:
    """Owns the rich consoles; every command renders through it."""

    out: Console = field(default_factory=lambda: Console(no_color=_no_color(), highlight=False))
    err: Console = field(
        default_factory=lambda: Console(stderr=True, no_color=_no_color(), highlight=False)
    )

    @property
    def width(self) -> int:
        """Columns of the results console (the terminal's, or 80 when not a terminal)."""
        return self.out.width

    def print(self, *objects: Any) -> None:
        """A result for the user (stdout)."""
        self.out.print(*objects)

    def table(self, table: Table) -> None:
        self.out.print(table)

    def info(self, message: str) -> None:
        """A progress or diagnostic line (stderr), so stdout stays clean for results."""
        self.err.print(message)

    def success(self, message: str) -> None:
        self.err.print(f"[green]✓[/green] {message}")

    def warn(self, message: str) -> None:
        self.err.print(f"[yellow]![/yellow] {message}")

    def error(self, message: str) -> None:
        # markup=False: a message may hold brackets from user input or AWS errors
        self.err.print(
            f"error: {message}", style="red", markup=False, highlight=False, soft_wrap=True
        )

    def json(self, data: Any) -> None:
        """Machine-readable output for `--json`: plain JSON on stdout, no styling."""
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))

    @contextmanager
    def status(self, message: str) -> Iterator[Status]:
        """A spinner on stderr while a step runs."""
        with self.err.status(message) as spinner:
            yield spinner


TERMINAL_KEY = "devtools.terminal"
