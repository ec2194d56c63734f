"""The event model: every event type declared once; validation, fields and families from it."""

from processor.model.click import CLICK
from processor.model.error import ERROR
from processor.model.page_view import PAGE_VIEW
from processor.model.purchase import PURCHASE
from processor.model.registry import (
    EVENTS_FAMILY,
    RegistryError,
    all_types,
    event_types,
    families,
    field_names,
    get,
    register,
    unregister,
)
from processor.model.spec import EventType, Family, Field, Metric
from processor.model.user_signup import USER_SIGNUP
from processor.model.validate import MAX_EVENT_BYTES, validate_document, validate_record

# The seed's five types, in the README's order.
for _declared in (PAGE_VIEW, PURCHASE, USER_SIGNUP, CLICK, ERROR):
    register(_declared)

__all__ = [
    "ERROR",
    "EVENTS_FAMILY",
    "MAX_EVENT_BYTES",
    "PAGE_VIEW",
    "PURCHASE",
    "EventType",
    "Family",
    "Field",
    "Metric",
    "RegistryError",
    "all_types",
    "event_types",
    "families",
    "field_names",
    "get",
    "register",
    "unregister",
    "validate_document",
    "validate_record",
]
