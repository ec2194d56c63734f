"""purchase: an order; feeds revenue by currency and PurchaseAmount."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from processor.model.rules import Currency, Number, Text
from processor.model.spec import Derived, EventType, Family, Field, Fields, Metric

# Purchase value tiers in the event's own currency units (no FX conversion).
VALUE_TIERS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(25), "low"),
    (Decimal(100), "medium"),
    (Decimal(500), "high"),
)
TOP_VALUE_TIER = "premium"


def value_tier(amount: int | Decimal) -> str:
    for upper, tier in VALUE_TIERS:
        if amount < upper:
            return tier
    return TOP_VALUE_TIER


def average_item_value(amount: int | Decimal, items_count: int) -> Decimal:
    """amount / itemsCount rounded half-even to 4 decimals."""
    return (Decimal(amount) / items_count).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def derive(fields: Fields) -> Derived:
    amount = fields["amount"]
    return {
        "averageItemValue": average_item_value(amount, fields["itemsCount"]),
        "valueTier": value_tier(amount),
    }


PURCHASE = EventType(
    name="purchase",
    fields=(
        Field("amount", Number(0, 1_000_000_000, places=4), required=True),
        Field("currency", Currency(), required=True),
        Field("itemsCount", Number(1, 10_000, integral_only=True), required=True),
        Field("paymentMethod", Text(32, identifier=True)),
    ),
    examples={
        "amount": {"uniform": [5, 250], "round": 2},
        "currency": {"choice": {"USD": 6, "EUR": 3, "GBP": 1}},
        "itemsCount": {"int": [1, 5]},
        "paymentMethod": {"choice": ["credit_card", "paypal", "apple_pay", "debit_card"]},
    },
    derive=derive,
    family=Family("revenue", dimensions=("currency",), sums="amount"),
    metrics=(Metric("PurchaseAmount", "None", "amount", (("Currency", "currency"),)),),
)
