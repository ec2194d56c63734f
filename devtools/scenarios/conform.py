"""Convert plain data into a declared type with msgspec, collecting every problem with its path."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, get_args, get_origin

import msgspec

from devtools.event_check import suggest
from devtools.scenarios import values

Path = tuple[str | int, ...]
T = TypeVar("T")
# msgspec ends a ValidationError's message with where it happened: " - at `$.traffic[0].at`"
_AT = " - at `"
_STEP = re.compile(r"\.([^.\[`]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Found:
    """A problem at `path`; `at` is where its line is (an unknown key's own line)."""

    path: Path
    message: str
    at: Path


def dec_hook(kind: type[Any], value: Any) -> Any:
    """Values that parse themselves (durations, rates, event types, reasons, events)."""
    if kind in values.CUSTOM_TYPES:
        return kind.parse(value)
    raise NotImplementedError(kind)


def convert(data: Any, kind: type[T]) -> tuple[T | None, list[Found]]:
    """`data` as `kind`, or None and every problem (msgspec stops at the first: the declared
    structure is walked to find the others)."""
    try:
        return msgspec.convert(data, kind, dec_hook=dec_hook, strict=True), []
    except msgspec.ValidationError:
        found: list[Found] = []
        _collect(data, kind, (), found)
        return None, found


def _collect(value: Any, kind: Any, path: Path, found: list[Found]) -> None:
    try:
        msgspec.convert(value, kind, dec_hook=dec_hook, strict=True)
        return
    except msgspec.ValidationError as exc:
        error = exc
    before = len(found)
    shape = _member_for(kind, value)
    options = _literals(kind)
    if isinstance(value, str) and options and all(isinstance(o, str) for o in options):
        # a word where the declaration lists the words it accepts (perhaps besides numbers)
        found.append(Found(path, f"{value!r} is not one of: {', '.join(options)}", path))
    elif isinstance(shape, type) and issubclass(shape, msgspec.Struct) and isinstance(value, dict):
        _collect_struct(value, shape, path, found)
    elif get_origin(shape) is list and isinstance(value, list):
        (item,) = get_args(shape)
        for index, element in enumerate(value):
            _collect(element, item, (*path, index), found)
    elif get_origin(shape) is dict and isinstance(value, dict):
        key_kind, value_kind = get_args(shape)
        for key, element in value.items():
            _collect(key, key_kind, (*path, str(key)), found)
            _collect(element, value_kind, (*path, str(key)), found)
    if len(found) == before:  # nothing more precise below: msgspec's own words
        found.append(_from_error(error, value, path))


def _collect_struct(
    value: dict[Any, Any], struct: type[msgspec.Struct], path: Path, found: list[Found]
) -> None:
    fields = {f.encode_name: f for f in msgspec.structs.fields(struct)}
    allowed = tuple(fields)
    for key in value:
        if key not in fields:
            hint = suggest(str(key), allowed) or f" (expected one of: {', '.join(allowed)})"
            found.append(Found(path, f"unknown key {key!r}{hint}", (*path, str(key))))
    for key, info in fields.items():
        if info.required and key not in value:
            found.append(Found(path, f"missing required key {key!r}", path))
        elif key in value:
            _collect(value[key], info.type, (*path, key), found)


def _member_for(kind: Any, value: Any) -> Any:
    """The part of a declared type that `value`'s shape selects (through Annotated, unions)."""
    while get_origin(kind) is typing.Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) not in (typing.Union, types.UnionType):
        return kind
    for member in get_args(kind):
        member = _member_for(member, value)
        origin = get_origin(member) or member
        shaped = isinstance(origin, type) and issubclass(origin, msgspec.Struct | dict)
        if isinstance(value, dict) and shaped:
            return member
        if isinstance(value, list) and origin is list:
            return member
    return kind


def _literals(kind: Any) -> tuple[Any, ...]:
    """The values of every Literal in a declared type (through Annotated and unions)."""
    while get_origin(kind) is typing.Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) is Literal:
        return get_args(kind)
    if get_origin(kind) in (typing.Union, types.UnionType):
        return tuple(value for member in get_args(kind) for value in _literals(member))
    return ()


def _from_error(error: msgspec.ValidationError, value: Any, path: Path) -> Found:
    text, _, where = str(error).rpartition(_AT)
    if not text:
        text, where = str(error), ""
    inner: list[str | int] = []
    if where.startswith("$"):  # not "`key` in `$.x`": a key's problem is reported at its path
        for name, index in _STEP.findall(where.rstrip("`")):
            inner.append(name if name else int(index))
    for step in inner:
        if isinstance(value, dict | list | tuple):
            try:
                value = value[step]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                break
    if text[:1].isupper() and text[1:2].islower():
        text = text[0].lower() + text[1:]
    if "got" not in text and repr(value) not in text and not isinstance(value, dict | list):
        text = f"{text}, got {value!r}"
    full = (*path, *inner)
    return Found(full, text, full)
