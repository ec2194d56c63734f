"""Turn a scenario into the exact, ordered records to send (deterministic for a seed and run)."""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from devtools.partition_key import MAX_LENGTH as MAX_KEY_LENGTH
from devtools.partition_key import problem as partition_key_problem
from devtools.scenarios import fields as fieldspec
from devtools.scenarios import templates
from devtools.scenarios.model import FieldValue, Scenario, Step
from devtools.scenarios.templates import TemplateError

RecordKind = Literal["event", "malformed", "duplicate"]


@dataclass(frozen=True)
class PlannedRecord:
    """One record to put on the stream, with what the scenario knows about it."""

    index: int
    step: str
    kind: RecordKind
    data: bytes
    partition_key: str
    rate: float
    event: dict[str, Any] | None = None
    reason: str | None = None
    copy_of: int | None = None
    pause_before: float = 0.0
    note: str = ""

    @property
    def event_id(self) -> str | None:
        value = self.event.get("eventId") if self.event else None
        return value if isinstance(value, str) else None

    @property
    def event_type(self) -> str | None:
        value = self.event.get("eventType") if self.event else None
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Plan:
    """Every record of a scenario for one run, in sending order."""

    scenario: Scenario
    run_id: str
    start: dt.datetime
    records: tuple[PlannedRecord, ...] = field(default=())

    @property
    def end(self) -> dt.datetime:
        """The latest event time the plan assigns (start when it assigns none)."""
        latest = self.start
        for record in self.records:
            stamp = record.event.get("timestamp") if record.event else None
            if isinstance(stamp, str):
                try:
                    latest = max(latest, parse_timestamp(stamp))
                except ValueError:
                    continue
        return latest


def new_run_id() -> str:
    """A short id that makes this run's eventIds unique among earlier runs on the same tables."""
    return "r" + secrets.token_hex(4)


def format_timestamp(moment: dt.datetime) -> str:
    """ISO-8601 UTC with milliseconds and a Z, the form the processor stores."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def parse_timestamp(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def build(scenario: Scenario, run_id: str, start: dt.datetime) -> Plan:
    """The records of `scenario` for run `run_id`, event times counted from `start`."""
    records: list[PlannedRecord] = []
    by_step: dict[str, list[PlannedRecord]] = {}
    pending_pause = 0.0
    for step in scenario.steps:
        if step.kind == "pause":
            pending_pause += float(step.pause or 0)
            continue
        own = step.sending_rate
        rate = scenario.send.records_per_second if own is None else float(own)
        made = _records(scenario, step, run_id, start, by_step, len(records), rate)
        if made and pending_pause:
            made[0] = _with_pause(made[0], pending_pause)
            pending_pause = 0.0
        by_step[str(step.name)] = made
        records.extend(made)
    return Plan(scenario=scenario, run_id=run_id, start=start, records=tuple(records))


def _with_pause(record: PlannedRecord, pause: float) -> PlannedRecord:
    return PlannedRecord(**{**record.__dict__, "pause_before": pause})


def _records(
    scenario: Scenario,
    step: Step,
    run_id: str,
    start: dt.datetime,
    by_step: dict[str, list[PlannedRecord]],
    first_index: int,
    rate: float,
) -> list[PlannedRecord]:
    # one generator per step, seeded by the step's name: adding a step leaves others unchanged
    rng = random.Random(f"{scenario.seed}/{step.name}")
    names = {"run": run_id, "step": str(step.name)}
    made: list[PlannedRecord] = []

    def add(kind: RecordKind, data: bytes, key: str, **extra: Any) -> None:
        made.append(
            PlannedRecord(
                index=first_index + len(made),
                step=str(step.name),
                kind=kind,
                data=data,
                partition_key=key,
                rate=rate,
                **extra,
            )
        )

    if step.events is not None:
        for n, written in enumerate(step.events):
            event = _explicit_event(written, n, names, start + dt.timedelta(seconds=step.offset))
            key = _partition_key(step, event, rng, n, names)
            add("event", encode(event), key, event=event)
    elif step.generator is not None:
        gen = step.generator
        count, specs = gen.records, gen.all_fields()
        for n in range(count):
            offset = step.offset + gen.seconds * n / count
            event = _generated_event(gen.type, specs, rng, n, names)
            event["timestamp"] = format_timestamp(start + dt.timedelta(seconds=offset))
            event = {k: v for k, v in event.items() if v is not None}
            key = _partition_key(step, event, rng, n, names)
            add("event", encode(event), key, event=event)
    elif step.malformed is not None:
        for n, bad in enumerate(step.malformed):
            given = bad.partition_key
            key = f"{run_id}-malformed-{n}" if given is None else given
            add("malformed", bad.payload, key, reason=bad.reason, note=bad.description)
    elif step.duplicate is not None:
        dup = step.duplicate
        originals = by_step.get(dup.step, [])
        chosen = originals if dup.count is None else originals[: dup.count]
        for _ in range(dup.times):
            for original in chosen:
                copied = original.event
                data = original.data
                if dup.mutate and copied is not None:
                    copied = {**copied, **dup.mutate}
                    data = encode(copied)
                add(
                    "duplicate",
                    data,
                    original.partition_key,
                    event=copied,
                    reason=original.reason,
                    copy_of=original.index,
                    note=original.note,
                )
    return made


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode("utf-8")


def _explicit_event(
    written: dict[str, Any], n: int, names: dict[str, Any], moment: dt.datetime
) -> dict[str, Any]:
    event = dict(written)
    if "eventId" not in event:
        event["eventId"] = "{run}-{step}-{n}"
    if isinstance(event["eventId"], str):
        event["eventId"] = templates.render(event["eventId"], {**names, "n": n})
    if "timestamp" not in event:
        event["timestamp"] = format_timestamp(moment)
    # null means "leave the field out", to exercise the processor's defaults
    return {k: v for k, v in event.items() if v is not None}


def _generated_event(
    event_type: str, specs: dict[str, FieldValue], rng: random.Random, n: int, names: dict[str, Any]
) -> dict[str, Any]:
    event: dict[str, Any] = {"eventId": f"{names['run']}-{names['step']}-{n}"}
    event["eventType"] = event_type
    values: dict[str, Any] = {**names, "n": n, "eventType": event_type}
    for name, spec in specs.items():
        value = fieldspec.evaluate(spec, rng, n, values)
        values[name] = value
        event[name] = value
    return event


def _partition_key(
    step: Step, event: dict[str, Any], rng: random.Random, n: int, names: dict[str, Any]
) -> str:
    if step.partition_key is not None:
        value = str(fieldspec.evaluate(step.partition_key, rng, n, {**event, **names, "n": n}))
    else:
        user = event.get("userId")
        # like the producer's default key: a long user id is cut, not an error
        value = str(user)[:MAX_KEY_LENGTH] if user else f"{names['run']}-{step.name}-{n}"
    bad = partition_key_problem(value)
    if bad is not None:
        raise TemplateError(f"step {step.name!r} record {n + 1}: {bad}")
    return value
