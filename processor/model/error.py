"""error: a client-side error; feeds errors by type and page."""

from __future__ import annotations

from processor.model.common import EXAMPLE_PAGES, URL, optional_page_path
from processor.model.rules import Text
from processor.model.spec import Derived, EventType, Family, Field, Fields

# Categories by substrings of the lower-cased errorType; the first that matches wins.
_CATEGORIES = (
    ("client", ("javascript", "js", "typeerror", "referenceerror", "syntaxerror", "render")),
    ("network", ("network", "timeout", "fetch", "cors", "offline", "dns")),
    ("server", ("api", "server", "backend", "database", "http5", "5xx", "internal")),
    ("user_input", ("validation", "form", "input")),
)
_CRITICAL_PAGES = ("/checkout", "/payment", "/cart", "/login", "/signup")
_CRITICAL_TYPES = ("fatal", "crash", "payment")


def error_category(error_type: str) -> str:
    kind = error_type.lower()
    for category, markers in _CATEGORIES:
        if any(marker in kind for marker in markers):
            return category
    return "other"


def error_severity(error_type: str, category: str, path: str) -> str:
    critical_page = path.lower().startswith(_CRITICAL_PAGES)
    if any(marker in error_type.lower() for marker in _CRITICAL_TYPES) or (
        critical_page and category in ("server", "client")
    ):
        return "critical"
    if critical_page or category == "server":
        return "high"
    return "medium" if category in ("client", "network") else "low"


def derive(fields: Fields) -> Derived:
    error_type = fields["errorType"]
    path = optional_page_path(fields.get("pageUrl"))
    category = error_category(error_type)
    return {
        "pagePath": path,
        "errorCategory": category,
        "severity": error_severity(error_type, category, path),
    }


ERROR = EventType(
    name="error",
    fields=(
        Field("errorType", Text(64, identifier=True), required=True),
        Field("errorMessage", Text(2048), required=True),
        Field("pageUrl", URL),
    ),
    examples={
        "errorType": {"choice": {"javascript": 6, "network": 3, "validation": 1}},
        "errorMessage": {
            "choice": [
                "Cannot read property of undefined",
                "NetworkError when attempting to fetch resource",
                "Payment form validation failed",
            ]
        },
        "pageUrl": {"choice": EXAMPLE_PAGES},
    },
    derive=derive,
    family=Family("errors", dimensions=("errorType", "pagePath"), labels=("errorType", "page")),
)
