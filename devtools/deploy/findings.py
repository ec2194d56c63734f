"""Result types of deploy verification: one finding per compared setting."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

Status = Literal["ok", "dropped", "differs", "applied", "apply-failed", "unchecked"]
PROBLEM_STATUSES: frozenset[str] = frozenset({"dropped", "differs", "apply-failed"})
# Differences MiniStack has by design and that no API call can close (README, "Faithful where
# the emulator is not"): functions run on the host's interpreter, IAM is not enforced unless
# AUTH=true. Anything else that differs is unexpected and shown in full after a deploy.
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("Runtime (executed)", "differs"): "Lambda runs on the host's Python",
    ("IAM policy enforcement", "dropped"): "IAM not enforced",
}


@dataclass(frozen=True)
class Finding:
    """One setting of one resource: what the template asks, what the emulator reports."""

    logical_id: str
    resource_type: str
    physical_id: str
    setting: str
    expected: str
    actual: str
    status: Status
    note: str = ""
    # the resolved template value, for the fixers in apply.py (not shown)
    expected_value: Any = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.logical_id, self.setting)

    def with_status(self, status: Status, note: str = "") -> Finding:
        return replace(self, status=status, note=note or self.note)

    def to_json(self) -> dict[str, str]:
        data = asdict(self)
        data.pop("expected_value")
        return data


@dataclass(frozen=True)
class VerificationReport:
    """Every compared setting, after the fixes the emulator's API allowed were applied."""

    findings: tuple[Finding, ...]

    @property
    def problems(self) -> tuple[Finding, ...]:
        """Settings the local stack still lacks compared with the template."""
        return tuple(f for f in self.findings if f.status in PROBLEM_STATUSES)

    @property
    def known_gaps(self) -> tuple[Finding, ...]:
        """Problems the emulator has by design (KNOWN_GAPS)."""
        return tuple(f for f in self.problems if (f.setting, f.status) in KNOWN_GAPS)

    @property
    def unexpected(self) -> tuple[Finding, ...]:
        """Problems that are not known gaps: worth a full look after every deploy."""
        return tuple(f for f in self.problems if (f.setting, f.status) not in KNOWN_GAPS)

    @property
    def applied(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == "applied")

    @property
    def checked(self) -> int:
        return sum(1 for f in self.findings if f.status != "unchecked")

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.status] = counts.get(finding.status, 0) + 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "findings": [f.to_json() for f in self.findings],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True)


def render_value(value: Any) -> str:
    """A compact, stable text form for tables and comparison."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
