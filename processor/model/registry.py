"""The registry of event types: the five built-in ones, and any a test or extension adds."""

from __future__ import annotations

from collections.abc import Callable

from processor.model.common import COMMON_NAMES
from processor.model.spec import EventType, Family

# Every event adds 1 to events#<eventType>#<deviceType>.
EVENTS_FAMILY = Family("events", dimensions=("eventType", "deviceType"), labels=("type", "device"))

_TYPES: dict[str, EventType] = {}
_listeners: list[Callable[[], None]] = []


class RegistryError(ValueError):
    """When an event type declaration clashes with the registry (name, fields, family)."""


def register(event_type: EventType) -> EventType:
    """Add an event type; every derived view (decoder, schema, readers) follows at once."""
    if event_type.name in _TYPES:
        raise RegistryError(f"event type {event_type.name!r} is already registered")
    names = [f.name for f in event_type.fields]
    clashes = sorted({n for n in names if n in COMMON_NAMES or names.count(n) > 1})
    if clashes:
        raise RegistryError(f"{event_type.name}: fields declared twice: {', '.join(clashes)}")
    undeclared = ", ".join(sorted(set(event_type.examples) - {*names, *COMMON_NAMES}))
    if undeclared:
        raise RegistryError(f"{event_type.name}: examples of undeclared fields: {undeclared}")
    family = event_type.family
    if family is not None and family.name in families():
        raise RegistryError(f"{event_type.name}: aggregates family {family.name!r} is taken")
    _TYPES[event_type.name] = event_type
    _changed()
    return event_type


def unregister(name: str) -> None:
    """Remove an event type (tests that register their own)."""
    _TYPES.pop(name, None)
    _changed()


def on_change(listener: Callable[[], None]) -> None:
    """Call `listener` whenever a type is added or removed (caches derived from the registry)."""
    _listeners.append(listener)


def _changed() -> None:
    for listener in _listeners:
        listener()


def event_types() -> tuple[str, ...]:
    """Names of the registered types, in registration order."""
    return tuple(_TYPES)


def get(name: str) -> EventType | None:
    return _TYPES.get(name)


def all_types() -> tuple[EventType, ...]:
    return tuple(_TYPES.values())


def field_names(event_type: str) -> tuple[str, ...]:
    """Every field an event of this type may carry (common ones first); () if unknown."""
    declared = _TYPES.get(event_type)
    return (*COMMON_NAMES, *(f.name for f in declared.fields)) if declared else ()


def families() -> dict[str, Family]:
    """Every aggregates family by its metricKey prefix, `events` included."""
    declared = [t.family for t in _TYPES.values() if t.family is not None]
    return {family.name: family for family in (EVENTS_FAMILY, *declared)}
