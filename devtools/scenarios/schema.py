"""The scenario format's JSON Schema, generated from its declaration (model.py) for editors."""

from __future__ import annotations

import json
from typing import Annotated, Any, get_args, get_origin

import msgspec

from devtools.scenarios import model, values

SCHEMA_ID = "https://github.com/realtime-analytics/devtools/scenario-v1.schema.json"


def hook(kind: type[Any]) -> dict[str, Any]:
    """The schema of a value that parses itself (values.CUSTOM_TYPES)."""
    if kind in values.CUSTOM_TYPES:
        schema: dict[str, Any] = kind.json_schema()
        return schema
    raise NotImplementedError(kind)


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, with today's event types and reasons."""
    generated = msgspec.json.schema(model.ScenarioFile, schema_hook=hook)
    defs: dict[str, Any] = generated["$defs"]
    for struct in _structs():
        shown = defs.get(struct.__name__)
        if shown is None:
            continue
        # a Format's "exactly one of" rule is its __post_init__ in Python; here it is oneOf
        if struct.ONE_OF:
            shown["oneOf"] = [{"required": [key]} for key in struct.ONE_OF]
        # msgspec leaves out the names of a mapping keyed by a value that parses itself
        for field in msgspec.structs.fields(struct):
            key = _custom_key(field.type)
            if key is not None:
                shown["properties"][field.encode_name]["propertyNames"] = key.json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **generated,
    }


def _custom_key(kind: Any) -> Any:
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) is dict and get_args(kind)[0] in values.CUSTOM_TYPES:
        return get_args(kind)[0]
    return None


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
