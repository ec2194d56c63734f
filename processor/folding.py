"""Aggregates folding: events -> per-(metricKey, minute) additive deltas and load-time extrema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from processor import aggregates as agg
from processor.events import FieldValue, ValidEvent

AggregateKey = tuple[str, str]  # (metricKey, minute)


@dataclass
class Extrema:
    """Smallest and largest load time seen in one minute."""

    minimum: Decimal
    maximum: Decimal

    def add(self, value: Decimal) -> None:
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)


@dataclass
class Folded:
    """Deltas to ADD per aggregates item, and load-time extrema per minute (min/max are not
    additive, so they are written separately with conditional updates)."""

    deltas: dict[AggregateKey, dict[str, Decimal]] = field(default_factory=dict)
    extrema: dict[str, Extrema] = field(default_factory=dict)

    def add(self, key: AggregateKey, attribute: str, amount: Decimal) -> None:
        values = self.deltas.setdefault(key, {})
        values[attribute] = values.get(attribute, Decimal(0)) + amount

    def merge(self, other: Folded) -> None:
        for key, values in other.deltas.items():
            for attribute, amount in values.items():
                self.add(key, attribute, amount)
        for minute, extrema in other.extrema.items():
            mine = self.extrema.get(minute)
            if mine is None:
                self.extrema[minute] = Extrema(extrema.minimum, extrema.maximum)
            else:
                mine.add(extrema.minimum)
                mine.add(extrema.maximum)


_ONE = Decimal(1)


def aggregate_contributions(
    event: ValidEvent, derived: Mapping[str, FieldValue]
) -> list[tuple[AggregateKey, str, Decimal]]:
    """Every (item, attribute, amount) one event adds to the aggregates."""
    minute = event.minute
    fields = event.fields
    out: list[tuple[AggregateKey, str, Decimal]] = [
        ((agg.events_key(event.event_type, event.device_type), minute), agg.COUNT, _ONE)
    ]
    if event.event_type == "purchase":
        key = (agg.revenue_key(str(fields["currency"])), minute)
        out.append((key, agg.SUM, _decimal(fields["amount"])))
        out.append((key, agg.COUNT, _ONE))
    elif event.event_type == "page_view":
        load_time = _decimal(fields["loadTime"])
        key = (agg.LOAD_TIME, minute)
        out.append((key, agg.COUNT, _ONE))
        out.append((key, agg.SUM, load_time))
        out.append((key, agg.bucket_attribute(load_time), _ONE))
    elif event.event_type == "error":
        key = (agg.errors_key(str(fields["errorType"]), str(derived["pagePath"])), minute)
        out.append((key, agg.COUNT, _ONE))
    elif event.event_type == "user_signup":
        out.append(((agg.signups_key(str(derived["campaignKey"])), minute), agg.COUNT, _ONE))
    elif event.event_type == "click":
        out.append(((agg.clicks_key(str(fields["elementId"])), minute), agg.COUNT, _ONE))
    return out


def load_time_of(event: ValidEvent) -> Decimal | None:
    """The load time a page view contributes to its minute's min/max, else None."""
    if event.event_type != "page_view":
        return None
    return _decimal(event.fields["loadTime"])


def fold(pairs: Iterable[tuple[ValidEvent, Mapping[str, FieldValue]]]) -> Folded:
    """Fold (event, derived fields) pairs into coalesced deltas and extrema."""
    folded = Folded()
    for event, derived in pairs:
        for key, attribute, amount in aggregate_contributions(event, derived):
            folded.add(key, attribute, amount)
        load_time = load_time_of(event)
        if load_time is not None:
            current = folded.extrema.get(event.minute)
            if current is None:
                folded.extrema[event.minute] = Extrema(load_time, load_time)
            else:
                current.add(load_time)
    return folded


def _decimal(value: FieldValue) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"expected a validated number, got {value!r}")
    return Decimal(value)
