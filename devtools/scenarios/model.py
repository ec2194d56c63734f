"""The scenario format as frozen dataclasses: traffic steps and expectations (version 1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from processor import model
from processor.types import Reason

# Quarantine reasons, from the processor's own codes.
REASONS: tuple[str, ...] = tuple(reason.value for reason in Reason)
UNLIMITED = float("inf")


def event_types() -> tuple[str, ...]:
    """The registered event types, sorted (the order scenario messages list them in)."""
    return tuple(sorted(model.event_types()))


StepKind = Literal["events", "generate", "burst", "malformed", "duplicate", "pause"]
STEP_KINDS: tuple[StepKind, ...] = get_args(StepKind)


@dataclass(frozen=True)
class SendOptions:
    """How records are sent: a default rate (records/s, inf = unlimited) and the batch size."""

    rate: float = UNLIMITED
    batch_size: int = 500


@dataclass(frozen=True)
class Generator:
    """Events of one type, `count` of them, spread over `duration` seconds of event time."""

    event_type: str
    count: int
    duration: float
    fields: dict[str, Any]


@dataclass(frozen=True)
class MalformedRecord:
    """Raw bytes that cannot become a valid event, and the reason they should get (if known)."""

    payload: bytes
    reason: str | None
    partition_key: str | None
    description: str


@dataclass(frozen=True)
class Duplicate:
    """Send the first `count` records of an earlier step again (`None` = all), `times` times."""

    step: str
    count: int | None
    times: int
    mutate: dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One entry of `traffic`: exactly one kind, in file order; `line` is where it starts."""

    index: int
    name: str
    kind: StepKind
    line: int
    item_lines: tuple[int, ...] = ()
    at: float = 0.0
    rate: float | None = None
    partition_key: Any = None
    events: tuple[dict[str, Any], ...] = ()
    generator: Generator | None = None
    malformed: tuple[MalformedRecord, ...] = ()
    duplicate: Duplicate | None = None
    pause: float = 0.0


@dataclass(frozen=True)
class NumberExpectation:
    """An exact value, a value with a tolerance, or a range; `matches` decides a measurement."""

    value: float | None = None
    tolerance: float = 0.0
    relative: bool = False
    minimum: float | None = None
    maximum: float | None = None

    def matches(self, actual: float | None) -> bool:
        if actual is None:
            return False
        if self.value is not None:
            allowed = abs(self.value) * self.tolerance if self.relative else self.tolerance
            # floats summed in a different order differ in the last bits
            return abs(actual - self.value) <= allowed + 1e-9 * max(1.0, abs(self.value))
        if self.minimum is not None and actual < self.minimum:
            return False
        return not (self.maximum is not None and actual > self.maximum)

    def describe(self) -> str:
        if self.value is not None:
            if not self.tolerance:
                return _num(self.value)
            spread = f"{_num(self.tolerance * 100)}%" if self.relative else _num(self.tolerance)
            return f"{_num(self.value)} ± {spread}"
        if self.minimum is not None and self.maximum is not None:
            return f"{_num(self.minimum)}..{_num(self.maximum)}"
        if self.minimum is not None:
            return f">= {_num(self.minimum)}"
        return f"<= {_num(self.maximum if self.maximum is not None else 0)}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


@dataclass(frozen=True)
class MetricExpectation:
    """An EMF metric (name + dimensions subset) that should (or should not) have been emitted."""

    name: str
    dimensions: dict[str, str]
    present: bool | None
    sum: NumberExpectation | None
    count: NumberExpectation | None


@dataclass(frozen=True)
class ItemExpectation:
    """One explicit event (`step`, index `event`) must be stored with these field values."""

    step: str
    event: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class Expectations:
    """What the replay should produce; every field is optional (None / empty = not checked)."""

    stored: dict[str, NumberExpectation] = field(default_factory=dict)
    stored_total: NumberExpectation | None = None
    quarantined: dict[str, NumberExpectation] = field(default_factory=dict)
    quarantined_total: NumberExpectation | None = None
    quarantine_reasons_match: bool = False
    revenue: dict[str, NumberExpectation] = field(default_factory=dict)
    purchases: dict[str, NumberExpectation] = field(default_factory=dict)
    events: dict[str, NumberExpectation] = field(default_factory=dict)
    load_time: dict[str, NumberExpectation] = field(default_factory=dict)
    errors_by_page: dict[str, NumberExpectation] = field(default_factory=dict)
    errors_by_type: dict[str, NumberExpectation] = field(default_factory=dict)
    failure_queue: str | NumberExpectation | None = None
    metrics: tuple[MetricExpectation, ...] = ()
    alarms_fire: tuple[str, ...] = ()
    alarms_quiet: tuple[str, ...] = ()
    latency: dict[str, float] = field(default_factory=dict)
    items: tuple[ItemExpectation, ...] = ()

    @property
    def empty(self) -> bool:
        return self == Expectations()


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file."""

    path: str
    name: str
    description: str
    seed: int
    send: SendOptions
    drain_timeout: float
    steps: tuple[Step, ...]
    expect: Expectations

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)
