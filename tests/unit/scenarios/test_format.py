"""The scenario format is declared once (model.py): loader, objects and schema.json agree."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from devtools.scenarios import ScenarioError, conform, loads
from devtools.scenarios import model as fmt
from devtools.scenarios import schema as schema_module
from devtools.scenarios.values import Seconds

FORMATS = [
    value
    for value in vars(fmt).values()
    if isinstance(value, type) and issubclass(value, fmt.Format) and value is not fmt.Format
]


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads(text, "x.yaml")
    return [str(p) for p in caught.value.problems]


def keys(struct: type[msgspec.Struct]) -> list[str]:
    return [f.encode_name for f in msgspec.structs.fields(struct)]


@pytest.mark.parametrize("struct", FORMATS, ids=lambda s: s.__name__)
def test_every_declared_mapping_is_in_the_schema_with_the_same_keys(struct: Any) -> None:
    # GIVEN a mapping of the format WHEN the schema is generated THEN it lists the same keys,
    # the same required ones, unknown keys refused, and the same "exactly one of" rule
    defs = schema_module.schema()["$defs"]
    shown = defs[struct.__name__]
    assert list(shown["properties"]) == keys(struct)
    required = [f.encode_name for f in msgspec.structs.fields(struct) if f.required]
    assert shown.get("required", []) == required
    assert shown["additionalProperties"] is False
    assert shown.get("oneOf", []) == [{"required": [key]} for key in struct.ONE_OF]


@pytest.mark.parametrize(
    ("text", "struct"),
    [
        ("version: 1\nzzz: 1\ntraffic: [{pause: 1s}]\n", fmt.ScenarioFile),
        ("version: 1\ntraffic:\n  - {pause: 1s, zzz: 1}\n", fmt.Step),
        ("version: 1\ntraffic:\n  - burst: {type: click, count: 1, zzz: 1}\n", fmt.Burst),
        ("version: 1\ntraffic:\n  - malformed: [{text: x, zzz: 1}]\n", fmt.MalformedRecord),
        ("version: 1\ntraffic: [{pause: 1s}]\nexpect: {zzz: 1}\n", fmt.Expectations),
        (
            "version: 1\ntraffic: [{pause: 1s}]\nexpect:\n  metrics: [{name: m, zzz: 1}]\n",
            fmt.MetricExpectation,
        ),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
def test_the_loader_accepts_exactly_the_declared_keys(text: str, struct: Any) -> None:
    # GIVEN an unknown key in one mapping WHEN loaded THEN the keys offered are the declared ones
    (found,) = problems(text)
    assert found.endswith(f"unknown key 'zzz' (expected one of: {', '.join(keys(struct))})")


def test_a_key_added_to_the_declaration_is_accepted_typed_and_in_the_schema() -> None:
    # GIVEN the declaration of send options with one more key
    class Wider(fmt.SendOptions, frozen=True, kw_only=True):
        jitter: Seconds | None = None

    # WHEN data with it is converted and the schema generated
    converted, found = conform.convert({"batch_size": 10, "jitter": "250ms"}, Wider)
    generated = msgspec.json.schema(Wider, schema_hook=schema_module.hook)
    # THEN the loader's conversion accepts it as a typed value, and the schema lists it
    assert found == []
    assert converted is not None
    assert converted.jitter == 0.25
    assert "jitter" in generated["$defs"]["Wider"]["properties"]
    # and a typo of it is refused with a suggestion of the new key
    _, typo = conform.convert({"jiter": 1}, Wider)
    assert [f.message for f in typo] == ["unknown key 'jiter' (did you mean 'jitter'?)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nsend:\n  batch_size: 0\ntraffic: [{pause: 1s}]\n",
            "x.yaml:3: send batch_size: expected `int` >= 1, got 0",
        ),
        (
            "version: 1\ntraffic:\n  - pause: 1s\n  - generate:\n      type: purchase\n"
            "      count: 2\n      fields:\n        amount: {uniform: [1, x]}\n",
            "x.yaml:8: step 2 generate fields amount uniform[2]: expected `float`, got `str`",
        ),
        (
            "version: 1\ntraffic:\n  - malformed:\n      - text: x\n      - text: y\n"
            "        reason: bogus\n",
            "x.yaml:6: step 1 malformed[2] reason: 'bogus' is not one of: not_base64",
        ),
        (
            "version: 1\ntraffic: [{pause: 1s}]\nexpect:\n  metrics:\n    - name: m\n"
            "      sum:\n        value: lots\n",
            "x.yaml:7: expect metrics[1] sum value: expected `float | null`, got `str`",
        ),
        (
            "version: 1\ntraffic: [{pause: 1s}]\nexpect:\n  latency:\n    p95: 1s\n    p90: 2s\n",
            "x.yaml:6: expect latency p90: 'p90' is not one of: p50, p95, max",
        ),
        (
            "version: 1\ntraffic:\n  - name: a\n    burst: {type: click, count: 1}\n"
            "  - duplicate:\n      step: a\n      times: 1000\n",
            "x.yaml:7: step 2 duplicate times: expected `int` <= 100, got 1000",
        ),
        (
            "version: 1\ntraffic:\n  - generate:\n      type: clik\n      count: 1\n",
            "x.yaml:4: step 1 generate type: unknown type 'clik' (expected one of: click, error,",
        ),
    ],
    ids=[
        "send",
        "generator-field",
        "malformed-reason",
        "metric-sum",
        "latency-key",
        "times",
        "type",
    ],
)
def test_a_wrong_value_at_a_nested_path_names_its_line_and_path(text: str, expected: str) -> None:
    assert problems(text)[0].startswith(expected)


def test_problems_in_separate_parts_are_all_reported() -> None:
    # GIVEN three mistakes in three places (msgspec alone stops at the first)
    text = (
        "version: 1\ntraffic:\n  - generate: {type: click, cnt: 1}\n  - pause: forever\n"
        "expect:\n  stored: {clik: 1}\n"
    )
    # THEN each is its own line, with a suggestion where a declared key is close
    assert problems(text) == [
        "x.yaml:3: step 1 generate: unknown key 'cnt' (did you mean 'count'?)",
        "x.yaml:4: step 2 pause: 'forever' is not a duration such as 500ms, 30s, 2m",
        "x.yaml:6: expect stored clik: unknown type 'clik' (expected one of: click, error, "
        "page_view, purchase, user_signup)",
    ]


def test_a_type_registered_later_is_in_the_schema_and_accepted_by_the_loader() -> None:
    # GIVEN an extra event type registered with the event model (as a user extension would)
    from processor import model
    from tests.integration.processor.add_to_cart import ADD_TO_CART

    text = "version: 1\ntraffic: [{generate: {type: add_to_cart, count: 2}}]\n"
    assert "add_to_cart" in problems(text)[0]  # unknown before
    model.register(ADD_TO_CART)
    try:
        # WHEN the schema is generated and the file loaded THEN both know the new type
        defs = schema_module.schema()["$defs"]
        assert "add_to_cart" in defs["Generator"]["properties"]["type"]["enum"]
        stored = defs["Expectations"]["properties"]["stored"]["propertyNames"]["enum"]
        assert "add_to_cart" in stored
        assert loads(text, "x.yaml").steps[0].generator.type == "add_to_cart"  # type: ignore[union-attr]
    finally:
        model.unregister(ADD_TO_CART.name)
