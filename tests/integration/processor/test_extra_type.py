"""A new event type registered by a test, followed from validation to query on MiniStack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from devtools import aggregates as agg
from devtools.query.aggregates import query_aggregates
from devtools.replay.results import stored_events
from devtools.scenarios import truth
from devtools.scenarios.loader import loads
from devtools.scenarios.plan import build
from processor import model
from processor.batch import process_batch
from processor.metrics import build_metric_documents
from processor.types import Reason, Rejection
from tests.integration.processor.add_to_cart import ADD_TO_CART
from tests.integration.processor.tables import Resources
from tests.unit.processor.factories import kinesis_event, kinesis_record

pytestmark = pytest.mark.emulator
START = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
SCENARIO = """
version: 1
name: carts
seed: 7
traffic:
  - events:
      - {eventType: add_to_cart, userId: u1, productId: sku-9, quantity: 2, unitPrice: 9.99,
         currency: EUR}
  - generate: {type: add_to_cart, count: 20, duration: 30s}
expect:
  stored: {add_to_cart: 21}
"""


@pytest.fixture
def registered() -> Iterator[model.EventType]:
    model.register(ADD_TO_CART)
    yield ADD_TO_CART
    model.unregister(ADD_TO_CART.name)


def test_a_registered_type_goes_through_the_whole_pipeline(
    registered: model.EventType, resources: Resources
) -> None:
    # GIVEN add_to_cart registered with the model (nothing else changed)
    assert "quantity" in model.field_names("add_to_cart")
    # THEN validation knows its rules and says which one failed
    missing = model.validate_record(b'{"eventType":"add_to_cart","userId":"u","quantity":1}')
    assert missing == Rejection(Reason.MISSING_FIELD, "required field productId is missing")
    zero = model.validate_record(
        b'{"eventType":"add_to_cart","userId":"u","productId":"p","quantity":0,'
        b'"unitPrice":1,"currency":"USD"}'
    )
    assert isinstance(zero, Rejection)
    assert zero.reason is Reason.INVALID_FIELD
    assert "quantity 0 is out of range" in zero.detail
    # AND a scenario can name it, generate it from its example values and predict the result
    scenario = loads(SCENARIO, "carts.yaml")
    plan = build(scenario, "rcart", START)
    expected = truth.compute(plan)
    assert expected.stored == {"add_to_cart": 21}
    # WHEN the plan's records are processed against the emulator's tables
    event = kinesis_event([kinesis_record(r.data, r.index) for r in plan.records])
    outcome = process_batch(event, resources.dependencies())
    # THEN every event is stored once and its metric is emitted with its dimension
    assert len(outcome.stored) == 21
    assert not outcome.failed
    assert not outcome.quarantined
    documents = build_metric_documents(outcome)
    cart_values = [d for d in documents if "CartValue" in d]
    assert {d["Currency"] for d in cart_values} <= {"USD", "EUR"}
    emitted = [v for d in cart_values for v in d["CartValue"]]
    line_values = [p.derived["lineValue"] for p in outcome.stored]
    assert sorted(emitted) == sorted(float(v) for v in line_values)  # type: ignore[arg-type]
    assert Decimal("19.98") in line_values
    # AND replay's read-back finds the items by type, with their derived field
    ids = {r.event_id for r in plan.records if r.event_id}
    found = stored_events(
        resources.dynamodb,
        resources.results_table,
        event_ids=ids,
        window=("2030-01-01T11:59:00.000Z", "2030-01-01T12:02:00.000Z"),
    )
    assert found.by_type == {"add_to_cart": 21}
    # AND the aggregates fold (replay, watch, query) sums lineValue per product
    minutes = sorted({p.event.minute for p in outcome.stored})
    rows = agg.snapshot(resources.dynamodb, resources.aggregates_table, minutes).values()
    folded = agg.fold(rows)
    assert folded.events == {"add_to_cart": 21}
    by_product: dict[str, Decimal] = {}
    for prepared in outcome.stored:
        product = str(prepared.event.fields["productId"])
        by_product[product] = by_product.get(product, Decimal(0)) + Decimal(
            str(prepared.derived["lineValue"])
        )
    assert folded.sums["carts"] == by_product
    # AND query answers for the new type from the same table
    answer = query_aggregates(
        resources.dynamodb,
        resources.aggregates_table,
        "add_to_cart",
        minutes=3,
        until=dt.datetime(2030, 1, 1, 12, 1, tzinfo=dt.UTC),
    )
    assert answer.total.count == 21
    assert answer.total.revenue == {k: float(v) for k, v in sorted(by_product.items())}
    assert answer.total.breakdowns == {}


def test_the_type_is_gone_once_unregistered() -> None:
    # (the fixture above unregisters it: other tests see the five seed types only)
    assert "add_to_cart" not in model.event_types()
    assert model.validate_record(b'{"eventType":"add_to_cart","userId":"u"}') == Rejection(
        Reason.UNKNOWN_TYPE,
        "unknown eventType 'add_to_cart' (expected one of: page_view, purchase, user_signup, "
        "click, error)",
    )
