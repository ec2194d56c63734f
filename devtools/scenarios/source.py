"""YAML to plain Python values, keeping the line of every mapping key and sequence item."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from devtools.scenarios import safe_yaml

Path = tuple[str | int, ...]


class SourceSyntaxError(Exception):
    """When the text is not valid YAML, or a mapping repeats a key (YAML allows neither)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


@dataclass
class SourceDocument:
    """A parsed document and where each of its nodes starts (1-based lines)."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        return line_in(self.lines, path)


def line_in(lines: Mapping[Path, int], path: Path) -> int:
    """The line of `path` in `lines`, or of its nearest ancestor that has one (else 1)."""
    for end in range(len(path), -1, -1):
        found = lines.get(tuple(path[:end]))
        if found is not None:
            return found
    return 1


def parse(text: str) -> SourceDocument:
    """Parse one YAML document with the safe loader, recording a line per path."""
    try:
        safe_yaml.check(text)  # before anything is built or expanded
    except safe_yaml.UnsafeYamlError as exc:
        raise SourceSyntaxError(exc.line, exc.message) from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise SourceSyntaxError(line, f"not valid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise SourceSyntaxError(1, f"not valid YAML: {exc}") from exc
    document = SourceDocument(data=None)
    if root is None:
        return document
    constructor = yaml.SafeLoader("")
    document.data = _convert(root, (), document, constructor)
    return document


def _convert(node: yaml.Node, path: Path, doc: SourceDocument, ctor: yaml.SafeLoader) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        ctor.flatten_mapping(node)  # resolves `<<` merge keys like the safe loader does
        for key_node, value_node in node.value:
            key = ctor.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise SourceSyntaxError(
                    key_node.start_mark.line + 1, "mapping keys must be scalars"
                )
            if key in result:
                raise SourceSyntaxError(key_node.start_mark.line + 1, f"duplicate key '{key}'")
            child = (*path, str(key))
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, doc, ctor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), doc, ctor) for index, item in enumerate(node.value)]
    value = ctor.construct_object(node, deep=True)
    # YAML turns unquoted ISO dates into datetime objects; events carry them as strings
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None and value.utcoffset() == datetime.timedelta(0):
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
