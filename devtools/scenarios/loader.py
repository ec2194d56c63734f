"""Load a scenario file: YAML with lines, the declared format (model.py), then cross-step rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from msgspec import structs

from devtools.event_check import field_names, suggest
from devtools.partition_key import problem as partition_key_problem
from devtools.scenarios import conform, limits
from devtools.scenarios.errors import Problem, ScenarioError
from devtools.scenarios.fields import BUILTIN_NAMES, spec_template_names
from devtools.scenarios.model import FieldValue, Generator, Scenario, ScenarioFile, Step
from devtools.scenarios.source import Path as NodePath
from devtools.scenarios.source import SourceDocument, SourceSyntaxError, parse
from devtools.scenarios.values import Event, EventTypeName, Seconds


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
    spec, found = conform.convert(document.data, ScenarioFile)
    if spec is None:
        raise ScenarioError([_problem(document, shown, f) for f in found])
    checker = _Checker(document, shown)
    scenario = checker.build(spec)
    if checker.problems:
        raise ScenarioError(checker.problems)
    return scenario


def parse_duration(value: float | int | str) -> float:
    """Seconds from a number of seconds or a string such as `500ms`, `30s`, `2m`, `1h`."""
    try:
        return float(Seconds.parse(value))
    except TypeError as exc:
        raise ValueError(str(exc)) from exc


def _problem(document: SourceDocument, shown: str, found: conform.Found) -> Problem:
    path, message = found.path, found.message
    if path == ("version",):
        version = document.data.get("version")
        message = f"unsupported version {version!r} (this devtools reads version 1)"
        return Problem(shown, document.line_of(path), message)
    return Problem(shown, document.line_of(found.at), f"{where(path)}: {message}")


def where(path: NodePath) -> str:
    """A path in the file as a reader would say it: `step 2 generate count`."""
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


class _Checker:
    """Rules across steps and against the event model, on a file the declaration accepted."""

    def __init__(self, document: SourceDocument, shown: str) -> None:
        self.doc = document
        self.shown = shown
        self.problems: list[Problem] = []
        self.events_seen = 0  # explicit events before the current one, for "event 3"

    def problem(self, path: NodePath, message: str) -> None:
        self.problems.append(Problem(self.shown, self.doc.line_of(path), message))

    def build(self, spec: ScenarioFile) -> Scenario:
        steps = self._steps(spec.traffic)
        over = limits.volume_problem(steps)
        if over is not None:  # checked before any record is made
            index, message = over
            self.problem(("traffic", index), f"{where(('traffic', index))}: {message}")
        self._items(spec, steps)
        named = structs.replace(spec, name=spec.name or Path(self.shown).stem, traffic=steps)
        return Scenario(path=self.shown, spec=named, lines=self.doc.lines)

    def _steps(self, given: list[Step]) -> list[Step]:
        steps: list[Step] = []
        for index, step in enumerate(given):
            path: NodePath = ("traffic", index)
            name = step.name or f"{step.kind}-{index + 1}"
            if any(earlier.name == name for earlier in steps):
                self.problem((*path, "name"), f"step {index + 1}: name {name!r} is already used")
            self._check_partition_key(step, path)
            if step.events is not None:
                self._check_events(step.events, (*path, "events"))
            if step.generator is not None:
                self._check_generator(step.generator, (*path, step.kind))
            if step.duplicate is not None:
                self._check_duplicate(step.duplicate.step, steps, index)
            steps.append(structs.replace(step, name=name))
        return steps

    def _check_duplicate(self, target: str, earlier: list[Step], index: int) -> None:
        with_records = [str(s.name) for s in earlier if s.kind != "pause"]
        if target not in with_records:
            self.problem(
                ("traffic", index, "duplicate", "step"),
                f"step {index + 1}: duplicate refers to {target!r}, which is not an earlier "
                f"step with records (earlier steps: {', '.join(with_records) or 'none'})",
            )

    def _check_partition_key(self, step: Step, path: NodePath) -> None:
        key_path = (*path, "partition_key")
        self._check_spec(step.partition_key, key_path, allowed=None)
        self._check_literal_key(step.partition_key, key_path)
        for n, record in enumerate(step.malformed or ()):
            self._check_literal_key(record.partition_key, (*path, "malformed", n, "partition_key"))

    def _check_literal_key(self, spec: FieldValue, path: NodePath) -> None:
        """A key written out (no template) is checked here; templates when records are made."""
        if isinstance(spec, str) and "{" not in spec:
            bad = partition_key_problem(spec)
            if bad is not None:
                self.problem(path, f"{where(path)}: {bad}")

    def _check_spec(self, spec: FieldValue, path: NodePath, allowed: set[str] | None) -> None:
        """Template names must exist (`allowed` None = any field of the event is fine)."""
        try:
            names = spec_template_names(spec)
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

    def _check_field_names(self, event_type: str, names: Any, path: NodePath) -> None:
        """A field the event type does not have is a typo: the processor would ignore it."""
        known = field_names(event_type)
        if known is None:
            return
        for name in names:
            if isinstance(name, str) and name not in known:
                self.problem(
                    (*path, name),
                    f"{where((*path, name))}: {event_type} events have no field {name!r}"
                    f"{suggest(name, known)}",
                )

    def _check_events(self, events: list[Event], path: NodePath) -> None:
        for n, event in enumerate(events):
            self.events_seen += 1
            event_path = (*path, n)
            if "eventType" not in event:
                self.problem(event_path, f"event {self.events_seen} has no eventType")
                continue
            try:
                event_type = EventTypeName.parse(event.get("eventType"))
            except ValueError as exc:
                self.problem((*event_path, "eventType"), f"event {self.events_seen} has {exc}")
                continue
            self._check_field_names(event_type, event, event_path)
            event_id = event.get("eventId")
            if isinstance(event_id, str):
                self._check_spec(event_id, (*event_path, "eventId"), set(BUILTIN_NAMES))

    def _check_generator(self, generator: Generator, path: NodePath) -> None:
        self._check_field_names(generator.type, generator.fields, (*path, "fields"))
        allowed = {*BUILTIN_NAMES, "eventType"}
        for name, value in generator.all_fields().items():
            self._check_spec(value, (*path, "fields", name), allowed)
            allowed.add(name)

    def _items(self, spec: ScenarioFile, steps: list[Step]) -> None:
        by_name = {step.name: step for step in steps}
        for index, item in enumerate(spec.expect.items):
            path: NodePath = ("expect", "items", index)
            step = by_name.get(item.step)
            if step is None or step.events is None:
                self.problem(path, f"{where(path)}: {item.step!r} is not an `events` step")
            elif item.event >= len(step.events):
                self.problem(
                    path, f"{where(path)}: step {step.name!r} has {len(step.events)} events"
                )
