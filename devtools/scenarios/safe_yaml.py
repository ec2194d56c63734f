"""Refuse YAML that would explode before it is built: alias bombs, cycles, deep nesting, tags."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

# A scenario is a few hundred values; these bounds are far above any real file and far below
# what hurts (a nine-deep billion-laughs file expands to 10^9 values, gigabytes).
MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 200_000  # after expanding every alias
# the core schema's tags say nothing a plain value does not; others build bytes, sets, objects
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


class UnsafeYamlError(Exception):
    """When a YAML text is too large, nests too deep, expands aliases past the budget, refers
    to an anchor from inside itself, or carries a tag other than the core schema's."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


@dataclass
class _Open:
    anchor: str | None
    values: int = 1


def check(text: str) -> None:
    """Walk the YAML event stream (no recursion, no expansion) and raise on the first danger.

    Syntax errors are left to the real parse, which reports them with their line.
    """
    if len(text) > MAX_BYTES:
        raise UnsafeYamlError(1, f"the file is larger than {MAX_BYTES // 2**20} MiB")
    sizes: dict[str, int] = {}  # anchor -> values it stands for, aliases expanded
    stack: list[_Open] = []
    total = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            size = 0
            if isinstance(event, yaml.NodeEvent):
                _check_tag(event, line)
            if isinstance(event, yaml.AliasEvent):
                anchor = str(event.anchor)
                if any(frame.anchor == anchor for frame in stack):
                    raise UnsafeYamlError(line, f"alias *{anchor} refers to its own anchor")
                size = sizes.get(anchor, 1)
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                if event.anchor is not None:
                    sizes[str(event.anchor)] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise UnsafeYamlError(line, f"nesting deeper than {MAX_DEPTH} levels")
                stack.append(_Open(None if event.anchor is None else str(event.anchor)))
                continue
            elif isinstance(event, yaml.CollectionEndEvent):
                done = stack.pop()
                size = done.values
                if done.anchor is not None:
                    sizes[done.anchor] = size
            else:
                continue
            if stack:
                stack[-1].values += size
            else:
                total += size
            if (stack[-1].values if stack else total) > MAX_VALUES:
                raise UnsafeYamlError(
                    line,
                    f"aliases expand to more than {MAX_VALUES:,} values "
                    "(a YAML alias bomb?); write the values out or use fewer aliases",
                )
    except yaml.YAMLError:
        return  # the real parse reports it, with its line


def _check_tag(event: yaml.NodeEvent, line: int) -> None:
    tag = getattr(event, "tag", None)
    if tag is None or tag == "!" or tag in _PLAIN_TAGS:
        return
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    raise UnsafeYamlError(line, f"tag {shown} is not allowed; write a plain value")
