"""An event type the seed does not have, declared as README "Adding an event type" shows."""

from __future__ import annotations

from decimal import Decimal

from processor.model.rules import Currency, Number, Text
from processor.model.spec import Derived, EventType, Family, Field, Fields, Metric


def derive(fields: Fields) -> Derived:
    """lineValue = unitPrice x quantity, to the cent."""
    price = Decimal(fields["unitPrice"])
    return {"lineValue": (price * fields["quantity"]).quantize(Decimal("0.01"))}


ADD_TO_CART = EventType(
    name="add_to_cart",
    fields=(
        Field("productId", Text(64, identifier=True), required=True),
        Field("quantity", Number(1, 100, integral_only=True), required=True),
        Field("unitPrice", Number(0, 100_000, places=2), required=True),
        Field("currency", Currency(), required=True),
    ),
    examples={
        "productId": {"choice": ["sku-1", "sku-2", "sku-3"]},
        "quantity": {"int": [1, 3]},
        "unitPrice": {"uniform": [1, 80], "round": 2},
        "currency": {"choice": ["USD", "EUR"]},
    },
    derive=derive,
    family=Family("carts", dimensions=("productId",), labels=("product",), sums="lineValue"),
    metrics=(Metric("CartValue", "None", "lineValue", (("Currency", "currency"),)),),
)
