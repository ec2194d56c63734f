"""Scenario files: schema, `file:line: problem` messages, and the model built from valid files."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.scenarios import ScenarioError, load, loads, validate
from devtools.scenarios.loader import parse_duration
from devtools.scenarios.model import NumberSpec

SHIPPED = sorted((Path(__file__).parents[3] / "scenarios").glob("*.yaml"))


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads(text, "x.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_validates_including_the_processor_dry_run(path: Path) -> None:
    # GIVEN a shipped scenario WHEN validated (schema, rules, processor verdicts)
    scenario, plan, truth = validate(path)
    # THEN it plans records and its stored-count expectations equal the computed truth
    assert plan.records
    for event_type, wanted in scenario.expect.stored.items():
        assert NumberSpec.of(wanted).matches(truth.stored.get(event_type, 0)), (path, event_type)
    if scenario.expect.quarantined_total is not None:
        assert NumberSpec.of(scenario.expect.quarantined_total).matches(truth.quarantined_total)
    for reason, wanted in scenario.expect.quarantined.items():
        assert NumberSpec.of(wanted).matches(truth.quarantined.get(reason, 0)), (path, reason)
    for currency, wanted in scenario.expect.revenue.items():
        assert NumberSpec.of(wanted).matches(truth.revenue.get(currency, 0.0)), (path, currency)


def test_unknown_event_type_names_the_event_its_line_and_the_choices() -> None:
    text = """version: 1
traffic:
  - events:
      - {eventType: click, userId: u1, elementId: a}
      - {eventType: purchase, userId: u2, amount: 1, currency: USD, itemsCount: 1}
  - events:
      - eventType: clck
        userId: u3
"""
    assert problems(text) == [
        "x.yaml:7: event 3 has unknown type 'clck' "
        "(expected one of: click, error, page_view, purchase, user_signup)"
    ]


def test_every_problem_is_reported_with_its_own_line() -> None:
    text = """version: 1
traffic:
  - generate:
      type: page_view
      count: 0
  - bogus: 1
expect:
  failure_queue: maybe
"""
    found = problems(text)
    assert found[0].startswith("x.yaml:5: step 1 generate count:")
    assert found[1].startswith("x.yaml:6: step 2: unknown key 'bogus'")
    assert found[2] == "x.yaml:8: expect failure_queue: 'maybe' is not one of: empty, not_empty"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: [1\n", "x.yaml:2: not valid YAML"),
        ("version: 1\nversion: 1\n", "x.yaml:2: duplicate key 'version'"),
        ("- 1\n", "x.yaml:1: a scenario must be a mapping"),
        ("version: 2\ntraffic: [{pause: 1s}]\n", "x.yaml:1: unsupported version 2"),
        ("version: 1\n", "x.yaml:1: scenario: missing required key 'traffic'"),
    ],
)
def test_file_level_problems(text: str, expected: str) -> None:
    assert problems(text)[0].startswith(expected)


def test_rules_of_the_declaration_beyond_types() -> None:
    text = """version: 1
traffic:
  - name: a
    generate: {type: click, count: 2, rate: 5}
  - generate: {type: click}
  - events: [{eventType: click, userId: u, elementId: x}]
    pause: 1s
  - malformed:
      - {text: x, json: 1}
"""
    found = problems(text)
    assert "x.yaml:4: step 1 generate: give either count or rate with duration" in found[0]
    assert "x.yaml:5: step 2 generate: needs count, or rate together with duration" in found[1]
    assert "x.yaml:6: step 3: must have exactly one of events, generate, burst" in found[2]
    assert "x.yaml:9: step 4 malformed[1]: must have exactly one of text, base64" in found[3]


def test_rules_across_steps_once_the_file_matches_the_declaration() -> None:
    text = """version: 1
traffic:
  - name: a
    generate: {type: click, count: 2}
  - name: a
    pause: 1s
  - duplicate: {step: later}
  - generate:
      type: click
      count: 1
      fields:
        elementId: "{missing}"
expect:
  items: [{step: a, fields: {x: 1}}]
"""
    found = problems(text)
    assert found[0] == "x.yaml:5: step 2: name 'a' is already used"
    assert "x.yaml:7: step 3: duplicate refers to 'later'" in found[1]
    assert "x.yaml:12: step 4 generate fields elementId: template refers to {missing}" in found[2]
    assert found[3] == "x.yaml:14: expect items[1]: 'a' is not an `events` step"


def test_the_processor_dry_run_rejects_an_event_that_would_be_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "version: 1\ntraffic:\n  - events:\n"
        "      - {eventType: purchase, userId: u, amount: -1, currency: USD, itemsCount: 1}\n"
        "  - malformed:\n      - {json: [1], reason: not_json}\n"
    )
    with pytest.raises(ScenarioError) as caught:
        validate(path)
    lines = [str(p) for p in caught.value.problems]
    assert lines[0].startswith(f"{path}:4: step 1 (events-1) record 1 would be quarantined as ")
    assert "invalid_field" in lines[0]
    assert lines[1].startswith(f"{path}:6: step 2 (malformed-2) record 1 is declared not_json")
    assert "not_object" in lines[1]


def test_missing_file_is_one_clear_problem(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.yaml: no such file"):
        load(tmp_path / "nope.yaml")


def test_model_defaults_and_expectation_forms() -> None:
    scenario = loads(
        """version: 1
traffic:
  - burst: {type: click, count: 3}
expect:
  stored: {click: 3}
  revenue: {USD: {value: 100, tolerance: 5%}}
  load_time: {p95: {max: 2000}}
  latency: {p95: 1500ms}
""",
        "m.yaml",
    )
    assert scenario.name == "m"
    assert scenario.send.batch_size == 500
    assert scenario.steps[0].name == "burst-1"
    assert scenario.steps[0].sending_rate == float("inf")
    assert scenario.drain_timeout == 60.0
    expect = scenario.expect
    assert NumberSpec.of(expect.stored["click"]).matches(3)
    assert not NumberSpec.of(expect.stored["click"]).matches(4)
    assert NumberSpec.of(expect.revenue["USD"]).matches(104.9)
    assert not NumberSpec.of(expect.revenue["USD"]).matches(105.1)
    assert NumberSpec.of(expect.load_time["p95"]).matches(1999)
    assert not NumberSpec.of(expect.load_time["p95"]).matches(None)
    assert scenario.expect.latency == {"p95": 1.5}


@pytest.mark.parametrize(
    ("text", "seconds"), [(3, 3.0), ("500ms", 0.5), ("30s", 30.0), ("2m", 120.0), ("1h", 3600.0)]
)
def test_durations(text: float | str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_shipped_schema_is_the_one_generated_from_the_declaration() -> None:
    # GIVEN the schema file editors use WHEN compared with the one generated from model.py
    # (event types and reasons from the event model) THEN they match: regenerate with
    # `make schema` after changing the format
    from devtools.scenarios import schema

    shipped = Path(schema.__file__).with_name("schema.json").read_text(encoding="utf-8")
    assert shipped == schema.render(), "regenerate it: make schema"
