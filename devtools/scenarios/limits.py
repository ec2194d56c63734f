"""Bounds on what a scenario may ask for: records in total, durations, numbers in generators."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devtools.scenarios.model import Step

MAX_RECORDS_ENV = "DEVTOOLS_MAX_RECORDS"
DEFAULT_MAX_RECORDS = 1_000_000
MAX_SECONDS = 7 * 24 * 3600.0  # `at`, `pause`, `duration`, timeouts: a week is plenty
MAX_RATE = 1_000_000.0  # records per second
MAX_MAGNITUDE = 1e15  # distribution parameters (beyond, floats lose integer precision)


def max_records() -> int:
    """The cap on records per scenario file: DEVTOOLS_MAX_RECORDS, else 1,000,000."""
    raw = os.environ.get(MAX_RECORDS_ENV, "")
    try:
        return max(1, int(raw)) if raw.strip() else DEFAULT_MAX_RECORDS
    except ValueError:
        return DEFAULT_MAX_RECORDS


def volume_problem(steps: Sequence[Step]) -> tuple[int, str] | None:
    """The first step (index) that takes the scenario above the cap on records, and why.

    Counted from the declared steps before any record is made, so nothing huge is built.
    """
    cap = max_records()
    total = 0
    by_name: dict[str | None, int] = {}
    for index, step in enumerate(steps):
        made = _records(step, by_name)
        by_name[step.name] = made
        total += made
        if total > cap:
            return index, (
                f"brings the scenario to {total:,} records, above the cap of {cap:,}; lower "
                f"count or rate x duration, or raise the cap with {MAX_RECORDS_ENV}="
                f"{math.ceil(total)}"
            )
    return None


def _records(step: Step, earlier: dict[str | None, int]) -> int:
    if step.events is not None:
        return len(step.events)
    if step.malformed is not None:
        return len(step.malformed)
    if step.generator is not None:
        return step.generator.records
    if step.duplicate is not None:
        base = earlier.get(step.duplicate.step, 0)
        if step.duplicate.count is not None:
            base = min(base, step.duplicate.count)
        return base * step.duplicate.times
    return 0
