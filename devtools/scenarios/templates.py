"""Scenario templates: `{name}` or `{name:spec}` substitution only, with bounded widths."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devtools.errors import UserError

MAX_WIDTH = 256  # a partition key is at most 256 characters; no field needs more
_FORMATTER = string.Formatter()
# Python's format-spec mini-language, with width and precision captured to bound them
_SPEC = re.compile(
    r"^(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d+))?[bcdeEfFgGnosxX%]?$"
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TemplateError(UserError):
    """When a template's placeholder does not fit the value it is given (`{run:d}`)."""


@dataclass(frozen=True)
class Placeholder:
    """One `{name:spec}` of a template (`name` empty for the positional `{}` of `format`)."""

    name: str
    spec: str


def parse(template: str, *, positional: bool = False) -> list[tuple[str, Placeholder | None]]:
    """Literal text and placeholders; ValueError says what is not allowed.

    Only plain names (no `.attribute`, no `[index]`: those reach into Python objects), no
    `!r` conversions, no nested `{}` in a spec, widths and precisions up to MAX_WIDTH.
    `positional` allows exactly the empty name (`{}` / `{:04d}`) instead of names.
    """
    try:
        pieces = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise ValueError(f"malformed braces ({exc}); write {{{{ or }}}} for a brace") from exc
    parts: list[tuple[str, Placeholder | None]] = []
    for literal, name, spec, conversion in pieces:
        if name is None:
            parts.append((literal, None))
            continue
        if conversion:
            raise ValueError(f"conversion '!{conversion}' is not allowed; use {{{name}}}")
        if positional:
            if name:
                raise ValueError("use one '{}' placeholder such as '{:04d}', without a name")
        elif not name or name.isdigit():
            raise ValueError("positional '{}' is not allowed; name a field such as {n}")
        elif not _NAME.match(name):
            raise ValueError(
                f"'{{{name}}}' reaches into a value; only plain names such as {{n}} are allowed"
            )
        parts.append((literal, Placeholder(name, _check_spec(spec or ""))))
    return parts


def names(template: str) -> list[str]:
    """The names a template refers to, in order (ValueError when it is not allowed)."""
    return [p.name for _, p in parse(template) if p is not None]


def render(template: str, values: Mapping[str, Any]) -> str:
    """`template` with each placeholder replaced by its value, formatted by its spec."""
    return _render(template, parse(template), lambda p: values[p.name])


def render_positional(template: str, value: Any) -> str:
    """A distribution's `format` (`user_{:04d}`) applied to its drawn value."""
    return _render(template, parse(template, positional=True), lambda _: value)


def check_positional(template: str) -> str | None:
    """A problem with a distribution's `format`, or None."""
    try:
        placeholders = [p for _, p in parse(template, positional=True) if p is not None]
    except ValueError as exc:
        return f"format {template!r}: {exc}"
    if len(placeholders) != 1:
        return f"format {template!r} must hold one '{{}}' placeholder such as '{{:04d}}'"
    return None


def _render(template: str, parts: list[tuple[str, Placeholder | None]], value: Any) -> str:
    out: list[str] = []
    for literal, placeholder in parts:
        out.append(literal)
        if placeholder is None:
            continue
        given = value(placeholder)
        try:
            out.append(format(given, placeholder.spec))
        except (ValueError, TypeError) as exc:
            raise TemplateError(
                f"template {template!r}: '{{{placeholder.name}:{placeholder.spec}}}' does not "
                f"fit the value {given!r} ({exc})"
            ) from exc
    return "".join(out)


def _check_spec(spec: str) -> str:
    if "{" in spec or "}" in spec:
        raise ValueError("a format spec cannot hold another placeholder")
    found = _SPEC.match(spec)
    if found is None:
        raise ValueError(f"format spec ':{spec}' is not valid")
    for part in ("width", "precision"):
        digits = found.group(part)
        if digits and (len(digits) > 3 or int(digits) > MAX_WIDTH):
            raise ValueError(f"{part} {digits[:12]} in ':{spec[:24]}' exceeds {MAX_WIDTH}")
    return spec
