"""Field values for generated events: literals, templates and seeded distributions."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from devtools.scenarios import templates
from processor import model
from processor.model.common import SESSION_ID, USER_ID

# Template names every generated record can use; fields generated earlier are added to these.
BUILTIN_NAMES: tuple[str, ...] = ("n", "run", "step")


def template_names(template: str) -> list[str]:
    """The names a template refers to (raises ValueError if malformed or not allowed)."""
    return templates.names(template)


def spec_template_names(spec: Any) -> list[str]:
    """Names a field spec's template refers to (only literal strings are templates)."""
    return template_names(spec) if isinstance(spec, str) else []


def check_spec(spec: Any) -> str | None:
    """A problem with a distribution's parameters that the schema cannot express, or None."""
    if not isinstance(spec, Mapping):
        return None
    if "uniform" in spec or "int" in spec:
        low, high = spec.get("uniform") or spec["int"]
        if low > high:
            return f"range [{low}, {high}] is empty (the first bound must not exceed the second)"
    if "normal" in spec:
        params = spec["normal"]
        if "min" in params and "max" in params and params["min"] > params["max"]:
            return f"normal min {params['min']} exceeds max {params['max']}"
    if "format" in spec:
        return templates.check_positional(str(spec["format"]))
    return None


def evaluate(spec: Any, rng: random.Random, n: int, names: Mapping[str, Any]) -> Any:
    """The value of one field for record `n`; `names` holds run, step and earlier fields."""
    if isinstance(spec, str):
        return templates.render(spec, names) if "{" in spec or "}" in spec else spec
    if not isinstance(spec, Mapping):
        return spec
    value: Any
    if "literal" in spec:
        return spec["literal"]
    if "choice" in spec:
        options = spec["choice"]
        if isinstance(options, Mapping):
            keys = list(options)
            value = rng.choices(keys, weights=[float(options[k]) for k in keys])[0]
        else:
            value = options[rng.randrange(len(options))]
    elif "sequence" in spec:
        items = spec["sequence"]
        value = items[n % len(items)]
    elif "uniform" in spec:
        low, high = spec["uniform"]
        value = _rounded(rng.uniform(low, high), spec.get("round"))
    elif "int" in spec:
        low, high = spec["int"]
        value = rng.randint(low, high)
    else:
        params = spec["normal"]
        drawn = rng.gauss(params["mean"], params["stddev"])
        drawn = max(params.get("min", drawn), min(params.get("max", drawn), drawn))
        value = _rounded(drawn, spec.get("round"))
    if "format" in spec:
        return templates.render_positional(str(spec["format"]), value)
    return value


def _rounded(value: float, digits: int | None) -> float | int:
    if digits is None:
        return value
    return round(value) if digits == 0 else round(value, digits)


def defaults_for(event_type: str) -> dict[str, Any]:
    """userId, sessionId, then the type's own fields, in the order they are generated.

    The example values come from the event model (processor.model): a new type brings its own.
    """
    declared = model.get(event_type)
    specs: dict[str, Any] = {USER_ID.name: USER_ID.example, SESSION_ID.name: SESSION_ID.example}
    for declared_field in declared.fields if declared is not None else ():
        if declared_field.example is not None:
            specs[declared_field.name] = declared_field.example
    return specs
