"""Validate a scenario end to end before sending: file rules, then the processor's verdicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from devtools.scenarios.errors import Problem, ScenarioError
from devtools.scenarios.loader import load
from devtools.scenarios.model import Scenario
from devtools.scenarios.plan import Plan, build
from devtools.scenarios.truth import PlanTruth, compute

# Any fixed instant: verdicts do not depend on when the dry run happens.
DRY_RUN_START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@dataclass
class _Group:
    """Records of one step that share a problem: reported once, with a count."""

    line: int
    label: str
    message: str
    records: list[int] = field(default_factory=list)


def plan_problems(plan: Plan, truth: PlanTruth) -> list[Problem]:
    """Records whose fate differs from what the file says, one line per step and kind.

    An event (explicit, generated or duplicated) the processor would quarantine is a mistake
    in the file; so is a malformed record declared with a reason it would not get. A generator
    with one bad field makes every record bad: those are collapsed into one line with a count.
    """
    scenario = plan.scenario
    steps = {step.name: (index, step) for index, step in enumerate(scenario.steps)}
    position_in_step: dict[str, int] = {}
    groups: dict[tuple[str, str, str], _Group] = {}
    for record, verdict in zip(plan.records, truth.verdicts, strict=True):
        index, step = steps[record.step]
        n = position_in_step.get(record.step, 0)
        position_in_step[record.step] = n + 1
        itemised = step.kind in ("events", "malformed")
        line = scenario.line_of(
            ("traffic", index, step.kind, n) if itemised else ("traffic", index)
        )
        label = f"step {index + 1} ({step.name})"
        if record.kind == "malformed":
            if record.reason and verdict.reason != record.reason:
                got = verdict.reason or f"stored as a valid {verdict.event_type} event"
                key = (record.step, f"declared {record.reason}", got)
                message = (
                    f"is declared {record.reason} but the processor would give {got} "
                    f"({verdict.detail})"
                )
            else:
                continue
        elif verdict.reason is not None and record.copy_of is None:
            key = (record.step, str(verdict.reason), "")
            message = (
                f"would be quarantined as {verdict.reason} ({verdict.detail}); "
                "fix it, or put it under `malformed:` if that is the point"
            )
        else:
            continue
        group = groups.setdefault(key, _Group(line, label, message))
        group.records.append(n + 1)
    problems: list[Problem] = []
    for group in groups.values():
        if len(group.records) == 1:
            text = f"{group.label} record {group.records[0]} {group.message}"
        else:
            plural = group.message.replace("fix it, or put it", "fix them, or put them")
            text = (
                f"{group.label}: {len(group.records)} records (first: record "
                f"{group.records[0]}) {plural}"
            )
        problems.append(Problem(scenario.path, group.line, text))
    return problems


def validate(path: str | Path) -> tuple[Scenario, Plan, PlanTruth]:
    """Load, plan (dry run) and check a file; raise ScenarioError with every problem."""
    scenario = load(path)
    plan = build(scenario, "rdryrun0", DRY_RUN_START)
    truth = compute(plan)
    problems = plan_problems(plan, truth)
    if problems:
        raise ScenarioError(problems)
    return scenario, plan, truth
