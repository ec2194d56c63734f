"""The event model as pydantic v2 models (bench only): the alternative to msgspec, side by side."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, Union

import pydantic

from processor import model
from processor.model.common import COMMON_FIELDS
from processor.model.rules import Boolean, Currency, Number, Rule, Text
from processor.model.spec import Field


def _annotation(rule: Rule) -> Any:
    if isinstance(rule, Text):
        if rule.choices:
            return Literal[rule.choices]
        pattern = r"^[A-Za-z0-9_.:-]+$" if rule.identifier else None
        return Annotated[
            str,
            pydantic.StringConstraints(min_length=1, max_length=rule.max_length, pattern=pattern),
        ]
    if isinstance(rule, Number):
        kind = int if rule.integral_only else Decimal
        return Annotated[kind, pydantic.Field(ge=rule.minimum, le=rule.maximum, strict=True)]
    if isinstance(rule, Boolean):
        return Annotated[bool, pydantic.Strict()]
    if isinstance(rule, Currency):
        return Annotated[str, pydantic.StringConstraints(pattern=r"^[A-Z]{3}$")]
    raise TypeError(rule)


def _fields(declared: list[Field]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in declared:
        annotation = _annotation(f.rule)
        out[f.name] = (annotation, ...) if f.required else (annotation | None, None)
    return out


def event_adapter() -> pydantic.TypeAdapter[Any]:
    """A discriminated union on eventType over every registered type."""
    models = []
    for declared in model.all_types():
        tag: Any = Literal[declared.name]
        models.append(
            pydantic.create_model(
                f"Pydantic_{declared.name}",
                eventType=(tag, ...),
                timestamp=(str | None, None),
                **_fields([*COMMON_FIELDS, *declared.fields]),
            )
        )
    union: Any = Annotated[Union[tuple(models)], pydantic.Field(discriminator="eventType")]  # noqa: UP007
    return pydantic.TypeAdapter(union)
