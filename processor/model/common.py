"""Fields every event type has, and helpers several types' derived fields share."""

from __future__ import annotations

from urllib.parse import urlsplit

from processor.model.rules import Text
from processor.model.spec import Field

DEVICE_TYPES: tuple[str, ...] = ("desktop", "mobile", "tablet", "other")
UNKNOWN_DEVICE = "unknown"
MAX_PAGE_PATH = 256
NO_PAGE = "(none)"
URL = Text(2048)
# Realistic page URLs for generated events (weights).
EXAMPLE_PAGES = {"/home": 4, "/product": 3, "/search": 2, "/cart": 1, "/checkout": 1}

# eventType and timestamp are common too; they are handled by name (tag and normalisation).
USER_ID = Field("userId", Text(128), required=True)
EVENT_ID = Field("eventId", Text(128))
SESSION_ID = Field("sessionId", Text(128))
DEVICE_TYPE = Field("deviceType", Text(16, choices=DEVICE_TYPES))
COMMON_FIELDS: tuple[Field, ...] = (USER_ID, EVENT_ID, SESSION_ID, DEVICE_TYPE)
COMMON_NAMES: tuple[str, ...] = ("eventType", "timestamp", *(f.name for f in COMMON_FIELDS))
# Generated before each type's own examples (EventType.examples).
COMMON_EXAMPLES = {
    "userId": {"int": [1, 500], "format": "user_{:04d}"},
    "sessionId": {"int": [1, 2000], "format": "session_{:05d}"},
}


def page_path(url: str) -> str:
    """Path of a page URL without query or fragment, at most 256 characters; `/` if empty."""
    if url[:1] == "/" and url[1:2] != "/" and "?" not in url and "#" not in url:
        return url[:MAX_PAGE_PATH]  # already a bare path (what urlsplit would return)
    try:
        path = urlsplit(url).path
    except ValueError:  # e.g. an unbalanced IPv6 bracket: keep the text before any query
        path = url.split("?", 1)[0].split("#", 1)[0]
    return (path or "/")[:MAX_PAGE_PATH]


def optional_page_path(url: str | None) -> str:
    """page_path of an optional pageUrl; `(none)` without one."""
    return NO_PAGE if url is None else page_path(url)
