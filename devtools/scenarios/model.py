"""The scenario format (version 1) declared once, as msgspec Structs: checks, schema, objects."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, get_args

import msgspec
from msgspec import UNSET, Meta, Struct

from devtools.scenarios import templates
from devtools.scenarios.limits import MAX_MAGNITUDE, MAX_RATE
from devtools.scenarios.source import Path as NodePath
from devtools.scenarios.source import line_in
from devtools.scenarios.values import (
    UNLIMITED,
    AlarmSelector,
    Event,
    EventTypeName,
    Magnitude,
    PerSecond,
    ReasonName,
    Scalar,
    Seconds,
    StepName,
    Tolerance,
    WholeMagnitude,
)
from processor import model
from processor.model.common import COMMON_EXAMPLES

StepKind = Literal["events", "generate", "burst", "malformed", "duplicate", "pause"]
STEP_KINDS: tuple[StepKind, ...] = get_args(StepKind)


class Format(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A mapping whose keys must include exactly one of ONE_OF (the schema says so too)."""

    ONE_OF: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        if self.ONE_OF:
            given = [key for key in self.ONE_OF if _given(self, key)]
            if len(given) != 1:
                raise ValueError(
                    f"must have exactly one of {', '.join(self.ONE_OF)} "
                    f"(found: {', '.join(given) or 'none'})"
                )


def _given(struct: Struct, key: str) -> bool:
    attribute = next(f.name for f in msgspec.structs.fields(struct) if f.encode_name == key)
    return getattr(struct, attribute) not in (None, UNSET)


# --- field values of generated events --------------------------------------------------------


class Normal(Format, frozen=True, kw_only=True):
    """Normal distribution parameters, optionally clamped to [min, max]."""

    mean: Magnitude
    stddev: Annotated[float, Meta(ge=0, le=MAX_MAGNITUDE)]
    min: Magnitude | None = None
    max: Magnitude | None = None


class Distribution(Format, frozen=True, kw_only=True):
    """One distribution per field; `format` renders the drawn value ({:05d}), `round` digits."""

    ONE_OF = ("choice", "sequence", "uniform", "int", "normal", "literal")

    choice: (
        Annotated[list[Scalar], Meta(min_length=1)]
        | Annotated[dict[str, Annotated[float, Meta(gt=0, le=MAX_MAGNITUDE)]], Meta(min_length=1)]
        | None
    ) = None
    sequence: Annotated[list[Scalar], Meta(min_length=1)] | None = None
    uniform: tuple[Magnitude, Magnitude] | None = None
    int_range: tuple[WholeMagnitude, WholeMagnitude] | None = msgspec.field(
        default=None, name="int"
    )
    normal: Normal | None = None
    literal: Annotated[Any, Meta(description="Any value as is (no templating).")] = UNSET
    round: Annotated[int, Meta(ge=0, le=6)] | None = None
    format: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        bounds = self.uniform or self.int_range
        if bounds is not None and bounds[0] > bounds[1]:
            low, high = bounds
            raise ValueError(
                f"range [{low}, {high}] is empty (the first bound must not exceed the second)"
            )
        normal = self.normal
        if normal and normal.min is not None and normal.max is not None and normal.min > normal.max:
            raise ValueError(f"normal min {normal.min} exceeds max {normal.max}")
        if self.format is not None:
            problem = templates.check_positional(self.format)
            if problem:
                raise ValueError(problem)


# A literal (strings are templates: {n}, {run}, {step}, other fields) or one distribution.
FieldValue = Annotated[
    Scalar | Distribution,
    Meta(
        description="A literal (strings are templates: {n}, {run}, {step}, earlier fields) "
        "or one distribution."
    ),
]

# --- traffic ---------------------------------------------------------------------------------


class Generator(Format, frozen=True, kw_only=True):
    """Events of one type: `count` of them, or `rate` x `duration`, spread over `duration`."""

    type: EventTypeName
    count: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None
    rate: (
        Annotated[
            float,
            Meta(
                gt=0, le=MAX_RATE, description="Events/s of event time; with duration: the count."
            ),
        ]
        | None
    ) = None
    duration: Annotated[
        Seconds | None, Meta(description="Event time the events are spread over.")
    ] = None
    fields: Annotated[
        dict[str, FieldValue], Meta(description="Overrides of the type's generated fields.")
    ] = {}

    SPAN: ClassVar[float] = 0.0  # event time covered when no duration is given

    def __post_init__(self) -> None:
        if self.count is not None and self.rate is not None:
            raise ValueError("give either count or rate with duration, not both")
        if self.count is None and (self.rate is None or self.duration is None):
            raise ValueError("needs count, or rate together with duration")

    @property
    def seconds(self) -> float:
        return self.SPAN if self.duration is None else float(self.duration)

    @property
    def records(self) -> int:
        if self.count is not None:
            return self.count
        return max(1, round(float(self.rate or 0) * self.seconds))

    def all_fields(self) -> dict[str, FieldValue]:
        """userId, sessionId, the type's own example fields, then the file's, in this order."""
        declared = model.get(self.type)
        examples = {**COMMON_EXAMPLES, **(declared.examples if declared else {})}
        defaults = msgspec.convert(examples, dict[str, FieldValue])
        return {**defaults, **self.fields}


class Burst(Generator, frozen=True, kw_only=True):
    """A generator whose records all share one instant and are sent unthrottled."""

    count: Annotated[int, Meta(ge=1, le=1_000_000)]
    SPAN = 1.0


class MalformedRecord(Format, frozen=True, kw_only=True):
    """Raw bytes that cannot become a valid event, and the reason they should get (if known)."""

    ONE_OF = ("text", "base64", "json", "oversize")

    text: Annotated[str, Meta(description="Sent as UTF-8 bytes as written.")] | None = None
    base64: (
        Annotated[
            str,
            Meta(
                pattern=r"^[A-Za-z0-9+/]*={0,2}$",
                description="Decoded and sent as raw bytes (for example invalid UTF-8).",
            ),
        ]
        | None
    ) = None
    json: Annotated[Any, Meta(description="Serialized with json.dumps and sent.")] = UNSET
    oversize: (
        Annotated[
            int, Meta(ge=1, le=1_048_576, description="A JSON event padded to this many bytes.")
        ]
        | None
    ) = None
    reason: Annotated[
        ReasonName | None, Meta(description="The quarantine reason this record should get.")
    ] = None
    partition_key: Annotated[str, Meta(min_length=1, max_length=256)] | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.base64 is not None:
            try:
                base64.b64decode(self.base64, validate=True)
            except ValueError as exc:
                raise ValueError(f"base64 does not decode: {exc}") from None
        if not self.payload:
            raise ValueError("the record is empty (Kinesis rejects empty records); give some bytes")

    @property
    def payload(self) -> bytes:
        if self.text is not None:
            return self.text.encode("utf-8")
        if self.base64 is not None:
            return base64.b64decode(self.base64)
        if self.oversize is not None:
            return oversize_payload(self.oversize)
        return json.dumps(self.json).encode("utf-8")

    @property
    def description(self) -> str:
        if self.note:
            return self.note
        if self.text is not None:
            return f"text {self.text[:40]!r}"
        if self.base64 is not None:
            return f"{len(self.payload)} raw bytes"
        if self.oversize is not None:
            return f"{self.oversize}-byte event"
        return f"json {self.payload[:40].decode('utf-8', 'replace')}"


def oversize_payload(size: int) -> bytes:
    """A syntactically valid click event padded with a long field to exactly `size` bytes."""
    head = b'{"eventType":"click","userId":"user_oversize","elementId":"big","padding":"'
    tail = b'"}'
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


class Duplicate(Format, frozen=True, kw_only=True):
    """Send the first `count` records of an earlier step again (all by default), `times` times."""

    step: Annotated[StepName, Meta(description="An earlier step whose records are sent again.")]
    count: Annotated[int, Meta(ge=1, description="Only its first N records.")] | None = None
    times: Annotated[int, Meta(ge=1, le=100, description="How many extra copies.")] = 1
    mutate: Annotated[
        dict[str, Any], Meta(description="Fields replaced in the copies: same eventId, new body.")
    ] = {}


class Step(Format, frozen=True, kw_only=True):
    """One entry of `traffic`: exactly one kind of records, and when and how fast to send them."""

    ONE_OF = STEP_KINDS

    name: Annotated[StepName | None, Meta(description="Default: <kind>-<position>.")] = None
    at: Annotated[
        Seconds | None, Meta(description="Event-time offset of this step from the replay start.")
    ] = None
    rate: Annotated[PerSecond | None, Meta(description="Sending rate of this step.")] = None
    partition_key: Annotated[
        FieldValue, Meta(description="Partition key of each record (default: its userId).")
    ] = None
    events: Annotated[list[Event], Meta(min_length=1)] | None = None
    generate: Generator | None = None
    burst: Burst | None = None
    malformed: Annotated[list[MalformedRecord], Meta(min_length=1)] | None = None
    duplicate: Duplicate | None = None
    pause: Annotated[
        Seconds | None, Meta(description="Wall-clock wait before the next step is sent.")
    ] = None

    @property
    def kind(self) -> StepKind:
        return next(kind for kind in STEP_KINDS if _given(self, kind))

    @property
    def offset(self) -> float:
        return 0.0 if self.at is None else float(self.at)

    @property
    def generator(self) -> Generator | None:
        return self.generate or self.burst

    @property
    def sending_rate(self) -> float | None:
        """Records/s for this step (None: the file's default); bursts are never throttled."""
        return UNLIMITED if self.burst is not None else self.rate


# --- expectations ----------------------------------------------------------------------------


class NumberSpec(Format, frozen=True, kw_only=True):
    """{value, tolerance} (tolerance absolute or 'N%'), or {min, max}."""

    value: float | None = None
    tolerance: Tolerance = 0.0
    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
        has_range = self.min is not None or self.max is not None
        if (self.value is not None) == has_range:
            raise ValueError("give value (with an optional tolerance), or min and/or max")

    @classmethod
    def of(cls, number: Number) -> NumberSpec:
        return number if isinstance(number, NumberSpec) else cls(value=float(number))

    @property
    def allowed(self) -> float:
        if isinstance(self.tolerance, str):
            return abs(self.value or 0.0) * float(self.tolerance[:-1]) / 100
        return float(self.tolerance)

    def matches(self, actual: float | None) -> bool:
        if actual is None:
            return False
        if self.value is not None:
            # floats summed in a different order differ in the last bits
            slack = 1e-9 * max(1.0, abs(self.value))
            return abs(actual - self.value) <= self.allowed + slack
        if self.min is not None and actual < self.min:
            return False
        return not (self.max is not None and actual > self.max)

    def describe(self) -> str:
        if self.value is not None:
            if not self.tolerance:
                return _num(self.value)
            spread = self.tolerance if isinstance(self.tolerance, str) else _num(self.tolerance)
            return f"{_num(self.value)} ± {spread}"
        if self.min is not None and self.max is not None:
            return f"{_num(self.min)}..{_num(self.max)}"
        if self.min is not None:
            return f">= {_num(self.min)}"
        return f"<= {_num(self.max if self.max is not None else 0)}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


# An exact number, or a NumberSpec.
Number = float | NumberSpec


class MetricExpectation(Format, frozen=True, kw_only=True):
    """An EMF metric (name + dimensions subset) that should (or should not) have been emitted."""

    name: Annotated[str, Meta(min_length=1)]
    dimensions: dict[str, str] = {}
    present: bool | None = None
    sum: Number | None = None
    count: Number | None = None


class Alarms(Format, frozen=True, kw_only=True):
    """Alarms that should fire, and alarms that should stay quiet."""

    fire: list[AlarmSelector] = []
    quiet: list[AlarmSelector] = []


class ItemExpectation(Format, frozen=True, kw_only=True):
    """Explicit event `event` (0-based) of the events step `step` is stored with these values
    (derived fields included)."""

    step: StepName
    event: Annotated[int, Meta(ge=0)] = 0
    fields: Annotated[dict[str, Any], Meta(min_length=1)]


class Expectations(Format, frozen=True, kw_only=True):
    """What the replay should produce; every key is optional (absent = not checked)."""

    stored: dict[EventTypeName, Number] = {}
    stored_total: Number | None = None
    quarantined: dict[ReasonName, Number] = {}
    quarantined_total: Number | None = None
    quarantine_reasons_match: Annotated[
        bool, Meta(description="Every malformed record with a 'reason' got exactly that reason.")
    ] = False
    revenue: Annotated[
        dict[str, Number], Meta(description="Purchase amount summed by currency.")
    ] = {}
    purchases: Annotated[dict[str, Number], Meta(description="Purchase count by currency.")] = {}
    events: Annotated[dict[str, Number], Meta(description="Aggregated event count by type.")] = {}
    load_time: dict[Literal["p50", "p95", "p99", "count"], Number] = {}
    errors_by_page: dict[str, Number] = {}
    errors_by_type: dict[str, Number] = {}
    failure_queue: Annotated[
        Literal["empty", "not_empty"] | Number | None,
        Meta(description="Messages in the on-failure queue after the replay."),
    ] = None
    metrics: list[MetricExpectation] = []
    alarms: Alarms = Alarms()
    latency: Annotated[
        dict[Literal["p50", "p95", "max"], Seconds],
        Meta(min_length=1, description="Upper bounds on end-to-end latency (put to stored)."),
    ] = {}
    items: list[ItemExpectation] = []


# --- the file --------------------------------------------------------------------------------


class SendOptions(Format, frozen=True, kw_only=True):
    """How records are sent."""

    rate: Annotated[
        PerSecond | None,
        Meta(description="Records/s for every step without its own rate (default: unlimited)."),
    ] = None
    batch_size: Annotated[
        int, Meta(ge=1, le=500, description="Records per PutRecords call (default 500).")
    ] = 500

    @property
    def records_per_second(self) -> float:
        return UNLIMITED if self.rate is None else float(self.rate)


class ScenarioFile(Format, frozen=True, kw_only=True):
    """Replay scenario, version 1: traffic to send into the pipeline's stream and what should
    come out of it."""

    version: Annotated[Literal[1], Meta(description="Format version; only 1 exists.")]
    name: Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")] | None = None
    description: str = ""
    seed: Annotated[
        int, Meta(description="Seed of every generator: the same seed sends the same records.")
    ] = 0
    send: SendOptions = SendOptions()
    drain_timeout: Annotated[
        Seconds | None,
        Meta(description="How long to wait for the driver to process everything (default 60s)."),
    ] = None
    traffic: Annotated[list[Step], Meta(min_length=1)]
    expect: Expectations = Expectations()


DEFAULT_DRAIN_TIMEOUT = 60.0


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file: its declared content, where it came from, and its lines."""

    path: str
    spec: ScenarioFile
    lines: Mapping[NodePath, int] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name or ""

    @property
    def seed(self) -> int:
        return self.spec.seed

    @property
    def send(self) -> SendOptions:
        return self.spec.send

    @property
    def drain_timeout(self) -> float:
        timeout = self.spec.drain_timeout
        return DEFAULT_DRAIN_TIMEOUT if timeout is None else float(timeout)

    @property
    def steps(self) -> list[Step]:
        return self.spec.traffic

    @property
    def expect(self) -> Expectations:
        return self.spec.expect

    def line_of(self, path: NodePath) -> int:
        """The line of `path` in the file, or of its nearest ancestor that has one."""
        return line_in(self.lines, path)
