"""Exceptions raised while loading, validating or planning a scenario file."""

from __future__ import annotations

from dataclasses import dataclass

from devtools.errors import UserError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, at a line (1-based; 0 when unknown)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: {self.message}"
            if self.line
            else f"{self.file}: {self.message}"
        )


class ScenarioError(UserError):
    """When a scenario file cannot be read, is not YAML, or breaks the format's rules.

    Carries every problem found (not only the first), each rendered as `file:line: problem`.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))
