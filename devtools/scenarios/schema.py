"""The scenario format's JSON Schema, generated from its declaration (model.py) for editors."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from devtools.scenarios import model

SCHEMA_ID = "https://github.com/realtime-analytics/devtools/scenario-v1.schema.json"


def hook(kind: type[Any]) -> dict[str, Any]:
    """The schema of a value that parses itself (model.CUSTOM_TYPES)."""
    if kind in model.CUSTOM_TYPES:
        schema: dict[str, Any] = kind.json_schema()
        return schema
    raise NotImplementedError(kind)


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, with today's event types and reasons."""
    generated = msgspec.json.schema(model.ScenarioFile, schema_hook=hook)
    defs: dict[str, Any] = generated["$defs"]
    for struct in _structs():
        # a Format's "exactly one of" rule is its __post_init__ in Python; here it is oneOf
        if struct.ONE_OF and struct.__name__ in defs:
            defs[struct.__name__]["oneOf"] = [{"required": [key]} for key in struct.ONE_OF]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **generated,
    }


def _structs() -> list[type[model.Format]]:
    return [
        value
        for value in vars(model).values()
        if isinstance(value, type) and issubclass(value, model.Format)
    ]


def render() -> str:
    """schema.json as shipped: regenerate with `make schema` (a test keeps the file equal)."""
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
