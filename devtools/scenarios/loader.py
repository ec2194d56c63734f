"""Load a scenario file: YAML with lines, JSON Schema, then the rules the schema cannot say."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from devtools.event_check import field_names, suggest
from devtools.partition_key import problem as partition_key_problem
from devtools.scenarios import fields as fieldspec
from devtools.scenarios import limits
from devtools.scenarios.errors import Problem, ScenarioError
from devtools.scenarios.model import (
    REASONS,
    STEP_KINDS,
    UNLIMITED,
    Duplicate,
    Expectations,
    Generator,
    ItemExpectation,
    MalformedRecord,
    MetricExpectation,
    NumberExpectation,
    Scenario,
    SendOptions,
    Step,
    StepKind,
    event_types,
)
from devtools.scenarios.source import Path as NodePath
from devtools.scenarios.source import SourceDocument, SourceSyntaxError, parse
from processor.model import registry

DEFAULT_DRAIN_TIMEOUT = 60.0
PAYLOAD_KEYS = ("text", "base64", "json", "oversize")
_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


@cache
def schema() -> dict[str, Any]:
    """The format's JSON Schema: `devtools/scenarios/schema.json` (package data) with the event
    types and reasons (re)filled from the event model, so a type registered later is known."""
    text = resources.files("devtools.scenarios").joinpath("schema.json").read_text("utf-8")
    document = cast(dict[str, Any], json.loads(text))
    number = {"$ref": "#/$defs/number"}
    defs = document["$defs"]
    defs["eventType"]["enum"] = list(event_types())
    defs["reason"]["enum"] = list(REASONS)
    expect = defs["expect"]["properties"]
    expect["stored"]["properties"] = dict.fromkeys(event_types(), number)
    expect["quarantined"]["properties"] = dict.fromkeys(REASONS, number)
    return document


registry.on_change(schema.cache_clear)


def render_schema() -> str:
    """The schema as shipped in schema.json (for editors): regenerate the file with
    `python -m devtools.scenarios.loader > devtools/scenarios/schema.json`; a test keeps the
    file equal to this."""
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise ScenarioError listing every problem found."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(shown, 0, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(shown, 0, f"cannot be read: {exc}")]) from exc
    return loads(text, shown)


def loads(text: str, shown: str = "<scenario>") -> Scenario:
    """Validate scenario text; `shown` names the file in problems."""
    try:
        document = parse(text)
    except SourceSyntaxError as exc:
        raise ScenarioError([Problem(shown, exc.line, exc.message)]) from exc
    if not isinstance(document.data, dict):
        raise ScenarioError([Problem(shown, 1, "a scenario must be a mapping with 'version: 1'")])
    problems = [Problem(shown, line, message) for line, message in _schema_problems(document)]
    if not problems:  # bounds first: nothing huge is built or generated
        problems = [
            Problem(shown, document.line_of(path), f"{where(path)}: {message}")
            for path, message in limits.check(document.data, parse_duration)
        ]
    if problems:
        raise ScenarioError(problems)
    checker = _Checker(document, shown)
    scenario = checker.build()
    if checker.problems:
        raise ScenarioError(checker.problems)
    return scenario


def parse_duration(value: float | int | str) -> float:
    """Seconds from a number of seconds or a string such as `500ms`, `30s`, `2m`, `1h`."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f"'{value}' is not a duration such as 500ms, 30s, 2m")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


# --- schema problems -------------------------------------------------------------------------


def _schema_problems(document: SourceDocument) -> list[tuple[int, str]]:
    validator = jsonschema.Draft202012Validator(schema())
    found = []
    for error in validator.iter_errors(document.data):
        path = tuple(error.absolute_path)
        line_path, message = _describe(error, path, document)
        found.append((document.line_of(line_path), message))
    return found


def where(path: NodePath) -> str:
    """A path in the file as a reader would say it: `step 2 (generate) count`."""
    if not path:
        return "scenario"
    parts: list[str] = []
    rest = list(path)
    if rest[0] == "traffic" and len(rest) > 1 and isinstance(rest[1], int):
        parts.append(f"step {rest[1] + 1}")
        rest = rest[2:]
    for item in rest:
        parts.append(f"[{item + 1}]" if isinstance(item, int) else str(item))
    return " ".join(parts).replace(" [", "[")


def _event_number(document: SourceDocument, path: NodePath) -> int | None:
    """1-based position of the explicit event at `path` among all explicit events in the file."""
    if len(path) < 4 or path[0] != "traffic" or path[2] != "events":
        return None
    step_index, event_index = path[1], path[3]
    seen = 0
    for index, step in enumerate(document.data.get("traffic", [])):
        events = step.get("events") if isinstance(step, dict) else None
        if not isinstance(events, list):
            continue
        if index == step_index:
            return seen + int(event_index) + 1
        seen += len(events)
    return None


def _describe(error: ValidationError, path: NodePath, doc: SourceDocument) -> tuple[NodePath, str]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        branch = _chosen_branch(error)
        if branch is not None:
            return _describe(branch, tuple(branch.absolute_path), doc)
        if isinstance(error.instance, dict) and path and path[-2:-1] == ("fields",):
            return path, (
                f"{where(path)}: a field is a literal or one of "
                "choice, sequence, uniform, int, normal, literal"
                f" ({best_match(error.context).message})"
            )
        inner = best_match(error.context)
        return _describe(inner, tuple(inner.absolute_path), doc)
    if error.validator == "enum" and path and path[-1] in ("eventType", "type"):
        expected = ", ".join(event_types())
        number = _event_number(doc, path)
        subject = f"event {number}" if number is not None else where(path[:-1])
        return path, f"{subject} has unknown type {error.instance!r} (expected one of: {expected})"
    if error.validator == "enum":
        expected = ", ".join(str(v) for v in cast(Iterable[Any], error.validator_value))
        return path, f"{where(path)}: {error.instance!r} is not one of: {expected}"
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        # The schema names every allowed key (properties only, no patterns): list them.
        node = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = sorted(cast(Mapping[str, Any], node.get("properties", {})))
        extra = sorted(k for k in cast(Mapping[str, Any], error.instance) if k not in allowed)
        first = extra[0] if extra else "?"
        hint = f" (expected one of: {', '.join(allowed)})" if allowed else ""
        return (*path, first), f"{where(path)}: unknown key {first!r}{hint}"
    if error.validator == "required":
        given = cast(Mapping[str, Any], error.instance)
        required = cast(Iterable[str], error.validator_value)
        missing = next((key for key in required if key not in given), "?")
        return path, f"{where(path)}: missing required key {missing!r}"
    if error.validator == "const" and path == ("version",):
        return path, f"unsupported version {error.instance!r} (this devtools reads version 1)"
    if error.validator == "type":
        return path, f"{where(path)}: expected {error.validator_value}, got {error.instance!r}"
    if error.validator == "pattern" and path and path[-1] in ("at", "pause", "duration"):
        return path, f"{where(path)}: {error.instance!r} is not a duration such as 500ms, 30s, 2m"
    return path, f"{where(path)}: {error.message}"


def _chosen_branch(error: ValidationError) -> ValidationError | None:
    """For a mapping, the failing error of the one alternative whose required keys it has."""
    if not isinstance(error.instance, dict) or not isinstance(error.validator_value, list):
        return None
    branches = [
        index
        for index, sub in enumerate(error.validator_value)
        if isinstance(sub, dict)
        and sub.get("required")
        and all(key in error.instance for key in sub["required"])
    ]
    if len(branches) != 1:
        return None
    inside = [e for e in error.context or [] if e.relative_schema_path[0] == branches[0]]
    return best_match(inside) if inside else None


# --- rules beyond the schema, and the model ----------------------------------------------------


class _Checker:
    """Builds the model from schema-valid data, collecting the problems the schema misses."""

    def __init__(self, document: SourceDocument, shown: str) -> None:
        self.doc = document
        self.shown = shown
        self.problems: list[Problem] = []

    def problem(self, path: NodePath, message: str) -> None:
        self.problems.append(Problem(self.shown, self.doc.line_of(path), message))

    def build(self) -> Scenario:
        data: dict[str, Any] = self.doc.data
        send = data.get("send", {})
        rate = _rate(send.get("rate"))
        steps = self._steps(data["traffic"])
        return Scenario(
            path=self.shown,
            name=str(data.get("name") or Path(self.shown).stem),
            description=str(data.get("description", "")).strip(),
            seed=int(data.get("seed", 0)),
            send=SendOptions(
                rate=UNLIMITED if rate is None else rate,
                batch_size=int(send.get("batch_size", 500)),
            ),
            drain_timeout=parse_duration(data.get("drain_timeout", DEFAULT_DRAIN_TIMEOUT)),
            steps=tuple(steps),
            expect=self._expectations(data.get("expect", {}), steps),
        )

    def _steps(self, items: list[dict[str, Any]]) -> list[Step]:
        steps: list[Step] = []
        names: dict[str, int] = {}
        for index, item in enumerate(items):
            path: NodePath = ("traffic", index)
            kinds = [kind for kind in STEP_KINDS if kind in item]
            if len(kinds) != 1:
                found = ", ".join(kinds) if kinds else "none"
                self.problem(
                    path,
                    f"step {index + 1} must have exactly one of {', '.join(STEP_KINDS)} "
                    f"(found: {found})",
                )
                continue
            kind: StepKind = kinds[0]
            name = str(item.get("name") or f"{kind}-{index + 1}")
            if name in names:
                self.problem((*path, "name"), f"step {index + 1}: name {name!r} is already used")
            names[name] = index
            step = self._step(item, index, name, kind, steps)
            if step is not None:
                steps.append(step)
        return steps

    def _step(
        self,
        item: dict[str, Any],
        index: int,
        name: str,
        kind: StepKind,
        earlier: list[Step],
    ) -> Step | None:
        path: NodePath = ("traffic", index)
        common: dict[str, Any] = {
            "index": index,
            "name": name,
            "kind": kind,
            "line": self.doc.line_of(path),
            "at": parse_duration(item.get("at", 0)),
            "rate": _rate(item.get("rate")),
            "partition_key": item.get("partition_key"),
        }
        self._check_partition_key(item, path)
        if kind in ("events", "malformed"):
            common["item_lines"] = tuple(
                self.doc.line_of((*path, kind, n)) for n in range(len(item[kind]))
            )
        if kind == "events":
            self._check_events(item["events"], path)
            return Step(**common, events=tuple(item["events"]))
        if kind in ("generate", "burst"):
            generator = self._generator(item[kind], (*path, kind), burst=kind == "burst")
            if kind == "burst":
                common["rate"] = UNLIMITED
            return None if generator is None else Step(**common, generator=generator)
        if kind == "malformed":
            records = [
                self._malformed(raw, (*path, "malformed", n))
                for n, raw in enumerate(item["malformed"])
            ]
            return Step(**common, malformed=tuple(r for r in records if r is not None))
        if kind == "duplicate":
            spec = item["duplicate"]
            target = next((s for s in earlier if s.name == spec["step"]), None)
            if target is None or target.kind == "pause":
                known = ", ".join(s.name for s in earlier if s.kind != "pause") or "none"
                self.problem(
                    (*path, "duplicate", "step"),
                    f"step {index + 1}: duplicate refers to {spec['step']!r}, which is not an "
                    f"earlier step with records (earlier steps: {known})",
                )
                return None
            return Step(
                **common,
                duplicate=Duplicate(
                    step=spec["step"],
                    count=spec.get("count"),
                    times=int(spec.get("times", 1)),
                    mutate=dict(spec.get("mutate", {})),
                ),
            )
        return Step(**common, pause=parse_duration(item["pause"]))

    def _check_partition_key(self, item: dict[str, Any], path: NodePath) -> None:
        spec = item.get("partition_key")
        self._check_spec(spec, (*path, "partition_key"), allowed=None)
        self._check_literal_key(spec, (*path, "partition_key"))
        for n, raw in enumerate(item.get("malformed") or []):
            if isinstance(raw, dict):
                key_path = (*path, "malformed", n, "partition_key")
                self._check_literal_key(raw.get("partition_key"), key_path)

    def _check_literal_key(self, spec: Any, path: NodePath) -> None:
        """A key written out (no template) is checked here; templates when records are made."""
        if isinstance(spec, str) and "{" not in spec:
            bad = partition_key_problem(spec)
            if bad is not None:
                self.problem(path, f"{where(path)}: {bad}")

    def _check_spec(self, spec: Any, path: NodePath, allowed: set[str] | None) -> None:
        """Template names must exist (`allowed` None = any field of the event is fine)."""
        problem = fieldspec.check_spec(spec)
        if problem:
            self.problem(path, f"{where(path)}: {problem}")
        try:
            names = fieldspec.spec_template_names(spec)
        except ValueError as exc:
            self.problem(path, f"{where(path)}: bad template {spec!r}: {exc}")
            return
        if allowed is None:
            return
        for name in names:
            if name not in allowed:
                known = ", ".join(sorted(allowed))
                self.problem(
                    path,
                    f"{where(path)}: template refers to {{{name}}}, which is not defined before it "
                    f"(known: {known})",
                )

    def _check_field_names(self, event_type: Any, names: Any, path: NodePath) -> None:
        """A field the event type does not have is a typo: the processor would ignore it."""
        known = field_names(event_type) if isinstance(event_type, str) else None
        if known is None:
            return  # an unknown type is reported on its own
        for name in names:
            if isinstance(name, str) and name not in known:
                self.problem(
                    (*path, name),
                    f"{where((*path, name))}: {event_type} events have no field {name!r}"
                    f"{suggest(name, known)}",
                )

    def _check_events(self, events: list[dict[str, Any]], path: NodePath) -> None:
        for n, event in enumerate(events):
            self._check_field_names(event.get("eventType"), event, (*path, "events", n))
            event_id = event.get("eventId")
            if isinstance(event_id, str):
                self._check_spec(
                    event_id, (*path, "events", n, "eventId"), set(fieldspec.BUILTIN_NAMES)
                )

    def _generator(self, spec: dict[str, Any], path: NodePath, *, burst: bool) -> Generator | None:
        count = spec.get("count")
        rate = spec.get("rate")
        duration = spec.get("duration")
        if count is not None and rate is not None:
            self.problem(path, f"{where(path)}: give either count or rate with duration, not both")
            return None
        if count is None and (rate is None or duration is None):
            self.problem(path, f"{where(path)}: needs count, or rate together with duration")
            return None
        seconds = parse_duration(duration) if duration is not None else (1.0 if burst else 0.0)
        if count is None:
            count = max(1, round(float(cast(float, rate)) * seconds))
        self._check_field_names(spec["type"], spec.get("fields", {}), (*path, "fields"))
        merged = {**fieldspec.defaults_for(spec["type"]), **spec.get("fields", {})}
        allowed = set(fieldspec.BUILTIN_NAMES) | {"eventType"}
        for field_name, field_value in merged.items():
            self._check_spec(field_value, (*path, "fields", field_name), allowed)
            allowed.add(field_name)
        return Generator(event_type=spec["type"], count=int(count), duration=seconds, fields=merged)

    def _malformed(self, raw: dict[str, Any], path: NodePath) -> MalformedRecord | None:
        given = [key for key in PAYLOAD_KEYS if key in raw]
        if len(given) != 1:
            self.problem(
                path,
                f"{where(path)}: a malformed record needs exactly one of "
                f"{', '.join(PAYLOAD_KEYS)} (found: {', '.join(given) or 'none'})",
            )
            return None
        key = given[0]
        payload: bytes
        if key == "text":
            payload = str(raw["text"]).encode("utf-8")
            shown = f"text {raw['text'][:40]!r}"
        elif key == "base64":
            try:
                payload = base64.b64decode(raw["base64"], validate=True)
            except (binascii.Error, ValueError) as exc:
                self.problem((*path, "base64"), f"{where(path)}: base64 does not decode: {exc}")
                return None
            shown = f"{len(payload)} raw bytes"
        elif key == "json":
            payload = json.dumps(raw["json"]).encode("utf-8")
            shown = f"json {payload[:40].decode('utf-8', 'replace')}"
        else:
            payload = oversize_payload(int(raw["oversize"]))
            shown = f"{len(payload)}-byte event"
        if not payload:
            self.problem(path, f"{where(path)}: Kinesis rejects empty records; give some bytes")
            return None
        return MalformedRecord(
            payload=payload,
            reason=raw.get("reason"),
            partition_key=raw.get("partition_key"),
            description=str(raw.get("note") or shown),
        )

    def _items(self, data: dict[str, Any], steps: list[Step]) -> tuple[ItemExpectation, ...]:
        found: list[ItemExpectation] = []
        by_name = {step.name: step for step in steps}
        for index, raw in enumerate(data.get("items", [])):
            path: NodePath = ("expect", "items", index)
            step, event = by_name.get(raw["step"]), int(raw.get("event", 0))
            if step is None or step.kind != "events":
                self.problem(path, f"{where(path)}: {raw['step']!r} is not an `events` step")
            elif event >= len(step.events):
                self.problem(
                    path, f"{where(path)}: step {step.name!r} has {len(step.events)} events"
                )
            else:
                found.append(ItemExpectation(step.name, event, dict(raw["fields"])))
        return tuple(found)

    def _expectations(self, data: dict[str, Any], steps: list[Step]) -> Expectations:
        def numbers(key: str) -> dict[str, NumberExpectation]:
            return {str(k): number(v) for k, v in data.get(key, {}).items()}

        metrics = tuple(
            MetricExpectation(
                name=m["name"],
                dimensions=dict(m.get("dimensions", {})),
                present=m.get("present"),
                sum=number(m["sum"]) if "sum" in m else None,
                count=number(m["count"]) if "count" in m else None,
            )
            for m in data.get("metrics", [])
        )
        queue = data.get("failure_queue")
        alarms = data.get("alarms", {})
        return Expectations(
            stored=numbers("stored"),
            stored_total=number(data["stored_total"]) if "stored_total" in data else None,
            quarantined=numbers("quarantined"),
            quarantined_total=(
                number(data["quarantined_total"]) if "quarantined_total" in data else None
            ),
            quarantine_reasons_match=bool(data.get("quarantine_reasons_match", False)),
            revenue=numbers("revenue"),
            purchases=numbers("purchases"),
            events=numbers("events"),
            load_time=numbers("load_time"),
            errors_by_page=numbers("errors_by_page"),
            errors_by_type=numbers("errors_by_type"),
            failure_queue=queue if isinstance(queue, str) or queue is None else number(queue),
            metrics=metrics,
            alarms_fire=tuple(alarms.get("fire", [])),
            alarms_quiet=tuple(alarms.get("quiet", [])),
            latency={k: parse_duration(v) for k, v in data.get("latency", {}).items()},
            items=self._items(data, steps),
        )


def number(value: Any) -> NumberExpectation:
    """A NumberExpectation from its schema-valid YAML form."""
    if isinstance(value, int | float):
        return NumberExpectation(value=float(value))
    if "value" in value:
        tolerance = value.get("tolerance", 0)
        if isinstance(tolerance, str):
            return NumberExpectation(
                value=float(value["value"]), tolerance=float(tolerance[:-1]) / 100, relative=True
            )
        return NumberExpectation(value=float(value["value"]), tolerance=float(tolerance))
    return NumberExpectation(
        minimum=float(value["min"]) if "min" in value else None,
        maximum=float(value["max"]) if "max" in value else None,
    )


def _rate(value: Any) -> float | None:
    if value is None:
        return None
    return UNLIMITED if value == "unlimited" else float(value)


def oversize_payload(size: int) -> bytes:
    """A syntactically valid click event padded with a long field to exactly `size` bytes."""
    head = b'{"eventType":"click","userId":"user_oversize","elementId":"big","padding":"'
    tail = b'"}'
    filler = max(0, size - len(head) - len(tail))
    return head + b"x" * filler + tail


if __name__ == "__main__":
    print(render_schema(), end="")
