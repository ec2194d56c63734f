"""Aggregates folding: what each event adds to which item, and load-time extrema per minute."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


def minute_extrema(events: Iterable[ValidEvent]) -> dict[str, Extrema]:
    """The load-time min/max of the page views per minute (not additive: written separately,
    with conditional updates)."""
    extrema: dict[str, Extrema] = {}
    for event in events:
        load_time = load_time_of(event)
        if load_time is None:
            continue
        current = extrema.get(event.minute)
        if current is None:
            extrema[event.minute] = Extrema(load_time, load_time)
        else:
            current.add(load_time)
    return extrema


def _decimal(value: FieldValue) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"expected a validated number, got {value!r}")
    return Decimal(value)
