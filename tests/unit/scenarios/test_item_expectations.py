"""`expect.items`: a stored item's fields (derived ones included) for one explicit event."""

from __future__ import annotations

import pytest

from devtools.report.model import Observations
from devtools.scenarios import ScenarioError, evaluate, loads

SCENARIO = """
version: 1
name: items
traffic:
  - name: checkout
    events:
      - {eventType: purchase, userId: u1, amount: 250, currency: EUR, itemsCount: 2}
      - {eventType: click, userId: u2, elementId: buy}
expect:
  items:
    - step: checkout
      event: 0
      fields: {valueTier: high, averageItemValue: 125, currency: EUR}
    - step: checkout
      event: 1
      fields: {elementId: buy}
"""


def test_items_are_parsed_with_their_step_and_index() -> None:
    items = loads(SCENARIO).expect.items
    assert [(item.step, item.event) for item in items] == [("checkout", 0), ("checkout", 1)]
    assert items[0].fields == {"valueTier": "high", "averageItemValue": 125, "currency": "EUR"}


def test_matching_mismatching_and_missing_items() -> None:
    expect = loads(SCENARIO).expect
    observed = Observations(
        items={
            "checkout#0": {"valueTier": "medium", "averageItemValue": 125.0, "currency": "EUR"},
            "checkout#1": None,
        }
    )
    first, second = evaluate(expect, observed)
    assert first.name == "stored item checkout[0]"
    assert not first.passed
    assert first.actual == "valueTier='medium'"  # 125 == 125.0: numbers compare by value
    assert not second.passed
    assert second.actual == "not stored"
    fixed = Observations(
        items={
            "checkout#0": {"valueTier": "high", "averageItemValue": 125, "currency": "EUR"},
            "checkout#1": {"elementId": "buy"},
        }
    )
    assert all(check.passed for check in evaluate(expect, fixed))


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ("{step: nowhere, fields: {a: 1}}", "'nowhere' is not an `events` step"),
        ("{step: checkout, event: 5, fields: {a: 1}}", "step 'checkout' has 2 events"),
    ],
)
def test_an_item_must_name_an_explicit_event(item: str, problem: str) -> None:
    text = SCENARIO.split("  items:")[0] + f"  items:\n    - {item}\n"
    with pytest.raises(ScenarioError) as caught:
        loads(text, "s.yaml")
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == 1
    assert lines[0].startswith("s.yaml:")
    assert problem in lines[0]
