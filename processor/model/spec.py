"""What declares an event type: fields, derived fields, aggregates family, metrics; the registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from processor.model.rules import Rule
from processor.types import FieldValue

Derive = Callable[[Mapping[str, FieldValue]], dict[str, FieldValue]]


def no_derived(_fields: Mapping[str, FieldValue]) -> dict[str, FieldValue]:
    return {}


@dataclass(frozen=True)
class Field:
    """One field of an event: its rule, whether it is required, and how scenarios make values.

    `example` is a scenario field spec (a literal, or a distribution such as
    `{"int": [1, 5]}` / `{"choice": {...}}`, see docs/scenarios.md) used by generators.
    """

    name: str
    rule: Rule
    required: bool = False
    example: Any = None
    # True: a common field (userId, deviceType...) listed only to give this type its own
    # example values at this position; validated once, as a common field.
    common: bool = False

    def with_example(self, example: Any) -> Field:
        """This common field, with type-specific example values."""
        return Field(self.name, self.rule, self.required, example, common=True)


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
    """Everything the pipeline and devtools know of one event type, in one place."""

    name: str
    fields: tuple[Field, ...]
    derive: Derive = no_derived
    derived: tuple[str, ...] = ()  # names `derive` returns, in item order
    family: Family | None = None
    metrics: tuple[Metric, ...] = ()
    description: str = ""
    # The type-specific fields (validated and stored as this type's fields), and the required.
    own_fields: tuple[Field, ...] = field(init=False)
    required: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        own = tuple(f for f in self.fields if not f.common)
        object.__setattr__(self, "own_fields", own)
        object.__setattr__(self, "required", tuple(f.name for f in own if f.required))
