"""Validate a scenario end to end before sending: file rules, then the processor's verdicts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from devtools.scenarios.errors import Problem, ScenarioError
from devtools.scenarios.loader import load
from devtools.scenarios.model import Scenario
from devtools.scenarios.plan import Plan, build
from devtools.scenarios.truth import PlanTruth, compute

# Any fixed instant: verdicts do not depend on when the dry run happens.
DRY_RUN_START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def plan_problems(plan: Plan, truth: PlanTruth) -> list[Problem]:
    """Records whose fate differs from what the file says.

    An event (explicit, generated or duplicated) the processor would quarantine is a mistake
    in the file; so is a malformed record declared with a reason it would not get.
    """
    scenario = plan.scenario
    steps = {step.name: step for step in scenario.steps}
    position_in_step: dict[str, int] = {}
    problems: list[Problem] = []
    for record, verdict in zip(plan.records, truth.verdicts, strict=True):
        step = steps[record.step]
        n = position_in_step.get(record.step, 0)
        position_in_step[record.step] = n + 1
        line = step.item_lines[n] if n < len(step.item_lines) else step.line
        label = f"step {step.index + 1} ({step.name}) record {n + 1}"
        if record.kind == "malformed":
            if record.reason and verdict.reason != record.reason:
                got = verdict.reason or f"stored as a valid {verdict.event_type} event"
                problems.append(
                    Problem(
                        scenario.path,
                        line,
                        f"{label} is declared {record.reason} but the processor would give "
                        f"{got} ({verdict.detail})",
                    )
                )
        elif verdict.reason is not None and record.copy_of is None:
            problems.append(
                Problem(
                    scenario.path,
                    line,
                    f"{label} would be quarantined as {verdict.reason} ({verdict.detail}); "
                    "fix it, or put it under `malformed:` if that is the point",
                )
            )
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
