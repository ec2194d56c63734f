"""What declares an event type: fields, derived fields, aggregates family, metrics, examples."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from processor.model.rules import Rule
from processor.types import FieldValue

# What `derive` receives, the validated fields (absent optional ones left out: their rules fix
# the types), and what it returns, the derived fields.
Fields = Mapping[str, Any]
Derived = dict[str, FieldValue]
Derive = Callable[[Fields], Derived]


def no_derived(_fields: Fields) -> Derived:
    return {}


@dataclass(frozen=True)
class Field:
    """One type-specific field of an event: its rule, and whether it is required."""

    name: str
    rule: Rule
    required: bool = False


@dataclass(frozen=True)
class Family:
    """The aggregates items a type adds to, besides `events#<type>#<device>`.

    metricKey is `<name>#<dimension values...>` (values of fields or derived fields, free-form
    ones last). Each event adds 1 to `count`; `sums` fields add their value to `sum`;
    `histogram` counts the field's value in the load-time buckets and keeps its per-minute
    min/max. `labels` name the dimensions for readers (defaults: the field names).
    """

    name: str
    dimensions: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    sums: str | None = None
    histogram: str | None = None

    @property
    def dimension_labels(self) -> tuple[str, ...]:
        return self.labels or self.dimensions


@dataclass(frozen=True)
class Metric:
    """A per-event EMF metric: the value of field `value`, dimensions from fields (a field or
    a derived field, for both)."""

    name: str
    unit: str
    value: str
    dimensions: tuple[tuple[str, str], ...] = ()  # (dimension name, field name)


@dataclass(frozen=True)
class EventType:
    """Everything the pipeline and devtools know of one event type, in one place.

    `examples` gives scenario generators a field spec per field name (a literal, or a
    distribution such as `{"int": [1, 5]}` / `{"choice": {...}}`, see docs/scenarios.md), drawn
    in this order; it may also give a common field (deviceType...) this type's own values.
    """

    name: str
    fields: tuple[Field, ...]
    examples: Mapping[str, Any] = field(default_factory=dict)
    derive: Derive = no_derived  # the derived fields, stored after the validated ones
    family: Family | None = None
    metrics: tuple[Metric, ...] = ()
