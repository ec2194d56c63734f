"""Answers to ad-hoc questions on the stored results: aggregates, one event, quarantine."""

from devtools.query.aggregates import AggregatesAnswer, TypeMinute, query_aggregates
from devtools.query.errors import EventNotFoundError, QueryArgumentError
from devtools.query.event import StoredEvent, find_event
from devtools.query.quarantine import QuarantineAnswer, QuarantineEntry, query_quarantine

__all__ = [
    "AggregatesAnswer",
    "EventNotFoundError",
    "QuarantineAnswer",
    "QuarantineEntry",
    "QueryArgumentError",
    "StoredEvent",
    "TypeMinute",
    "find_event",
    "query_aggregates",
    "query_quarantine",
]
