"""The event model: msgspec's fast path and the rule-by-rule path agree; the registry's views."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processor import model
from processor.model.rules import Number, Text
from processor.types import Rejection
from tests.unit.processor.factories import FACTORIES, purchase
from tests.unit.processor.test_properties import field_names, json_values

ARRIVAL = datetime(2025, 1, 1, 12, 0, tzinfo=UTC).timestamp()
_JSON = json.JSONDecoder(parse_float=Decimal)


def careful(raw: bytes) -> Any:
    return model.validate_document(_JSON.decode(raw.decode()), default_event_id="", arrival=ARRIVAL)


edge_values = (
    json_values
    | st.text(max_size=3000)
    | st.sampled_from(
        [" ", "  x", "\u00a0", "a\u0001b", "x" * 129, "2025-01-01T12:00:00.000Z",
         "2025-02-30T12:00:00.000Z", "1999-12-31T23:59:59.999Z", "2025-01-01t12:00:00.000Z",
         "usd", "EUR", "cta", "a b", "a.b:c-d_e", 1e3, 12.34567, -0.0, 10_001, 600_000.0005,
         "2025-W01-1T12:00:00.000Z", 3.0, 0.1, 2.50, 1e-05, -1]
    )
)  # fmt: skip


# No deadline: an example takes well under a millisecond, but on a loaded machine one stalled
# example made Hypothesis report "unreliable test timings" once (30,000 examples found no
# disagreement).
@settings(max_examples=400, deadline=None)
@given(st.sampled_from(FACTORIES), st.dictionaries(field_names, edge_values, max_size=4))
def test_fast_path_and_careful_path_agree(factory: Any, changes: dict[str, Any]) -> None:
    # GIVEN any mutation of a valid event, as bytes
    raw = json.dumps(factory(**changes)).encode()
    # WHEN validated by msgspec's one-pass decode and by the rules one by one
    fast = model.validate_record(raw, arrival=ARRIVAL)
    slow = careful(raw)
    # THEN both accept with the same event, or both reject for the same reason and detail
    assert fast == slow


def test_numbers_stay_exact_and_strings_are_not_numbers() -> None:
    event = model.validate_record(json.dumps(purchase(amount=12.3400)).encode(), arrival=ARRIVAL)
    assert not isinstance(event, Rejection)
    assert event.fields["amount"] == Decimal("12.34")
    raw = b'{"eventType":"purchase","userId":"u","amount":0.30000000000000001,'
    raw += b'"currency":"USD","itemsCount":1}'
    rejected = model.validate_record(raw, arrival=ARRIVAL)
    assert isinstance(rejected, Rejection)
    assert "more than 4 decimals" in rejected.detail


def test_every_type_declares_examples_for_required_fields() -> None:
    for declared in model.all_types():
        for field in declared.fields:
            if field.required:
                assert field.name in declared.examples, (declared.name, field.name)
        assert model.field_names(declared.name)[:2] == ("eventType", "timestamp")


def test_field_names_and_unknown_types() -> None:
    assert "amount" in model.field_names("purchase")
    assert "userId" in model.field_names("purchase")
    assert model.field_names("clck") == ()


def test_registry_refuses_a_clashing_declaration() -> None:
    with pytest.raises(model.RegistryError, match="already registered"):
        model.register(model.PURCHASE)
    clash = model.EventType("dup", fields=(model.Field("userId", Text(8), required=True),))
    with pytest.raises(model.RegistryError, match="declared twice: userId"):
        model.register(clash)
    taken = model.EventType(
        "rival", fields=(model.Field("n", Number(0, 1)),), family=model.Family("revenue")
    )
    with pytest.raises(model.RegistryError, match="family 'revenue' is taken"):
        model.register(taken)
    typo = model.EventType("typo", fields=(), examples={"userld": "u", "deviceType": "mobile"})
    with pytest.raises(model.RegistryError, match=r"examples of undeclared fields: userld$"):
        model.register(typo)
    assert "dup" not in model.event_types()
    assert "rival" not in model.event_types()
    assert "typo" not in model.event_types()
