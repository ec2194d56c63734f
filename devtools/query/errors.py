"""Exceptions raised while answering `devtools query` questions."""

from __future__ import annotations

from devtools.errors import UserError


class EventNotFoundError(UserError):
    """When no results-table item has the requested eventId."""


class QueryArgumentError(UserError):
    """When a query argument is out of range (unknown event type, window, limit)."""
