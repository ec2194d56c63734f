"""Replay scenarios: the YAML format, its validation, seeded plans and expectation checks."""

from devtools.scenarios.check import validate
from devtools.scenarios.errors import Problem, ScenarioError
from devtools.scenarios.evaluate import evaluate
from devtools.scenarios.loader import load, loads
from devtools.scenarios.model import Expectations, Scenario
from devtools.scenarios.plan import Plan, PlannedRecord, build, new_run_id
from devtools.scenarios.truth import PlanTruth, compute

__all__ = [
    "Expectations",
    "Plan",
    "PlanTruth",
    "PlannedRecord",
    "Problem",
    "Scenario",
    "ScenarioError",
    "build",
    "compute",
    "evaluate",
    "load",
    "loads",
    "new_run_id",
    "validate",
]
