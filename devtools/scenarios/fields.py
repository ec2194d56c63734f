"""Field values for generated events: literals, templates and seeded distributions."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from msgspec import UNSET

from devtools.scenarios import templates
from devtools.scenarios.model import Distribution, FieldValue

# Template names every generated record can use; fields generated earlier are added to these.
BUILTIN_NAMES: tuple[str, ...] = ("n", "run", "step")


def spec_template_names(spec: FieldValue) -> list[str]:
    """Names a field spec's template refers to (only literal strings are templates)."""
    return templates.names(spec) if isinstance(spec, str) else []


def evaluate(spec: FieldValue, rng: random.Random, n: int, names: Mapping[str, Any]) -> Any:
    """The value of one field for record `n`; `names` holds run, step and earlier fields."""
    if isinstance(spec, str):
        return templates.render(spec, names) if "{" in spec or "}" in spec else spec
    if not isinstance(spec, Distribution):
        return spec
    value: Any
    if spec.literal is not UNSET:
        return spec.literal
    if spec.choice is not None:
        options = spec.choice
        if isinstance(options, Mapping):
            keys = list(options)
            value = rng.choices(keys, weights=[float(options[k]) for k in keys])[0]
        else:
            value = options[rng.randrange(len(options))]
    elif spec.sequence is not None:
        value = spec.sequence[n % len(spec.sequence)]
    elif spec.uniform is not None:
        low, high = spec.uniform
        value = _rounded(rng.uniform(low, high), spec.round)
    elif spec.int_range is not None:
        low_int, high_int = spec.int_range
        value = rng.randint(low_int, high_int)
    else:
        params = spec.normal
        assert params is not None  # exactly one kind is given (Distribution checks it)
        drawn = rng.gauss(params.mean, params.stddev)
        low = drawn if params.min is None else params.min
        high = drawn if params.max is None else params.max
        value = _rounded(max(low, min(high, drawn)), spec.round)
    if spec.format is not None:
        return templates.render_positional(spec.format, value)
    return value


def _rounded(value: float, digits: int | None) -> float | int:
    if digits is None:
        return value
    return round(value) if digits == 0 else round(value, digits)
