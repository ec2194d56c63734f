"""click: an element was clicked; feeds clicks by element."""

from __future__ import annotations

from processor.model.common import EXAMPLE_PAGES, URL, optional_page_path
from processor.model.rules import Text
from processor.model.spec import Derived, EventType, Family, Field, Fields

_CTA_MARKERS = ("cta", "buy", "checkout", "signup", "subscribe", "add-to-cart", "add_to_cart")
# Category by lower-cased elementType (when the elementId is not a call to action).
_CATEGORIES = {
    **dict.fromkeys(("input", "select", "textarea", "form", "checkbox", "radio"), "form"),
    **dict.fromkeys(("img", "image", "video", "audio", "media"), "media"),
    **dict.fromkeys(("a", "link", "nav", "menu", "tab"), "navigation"),
    "button": "action",
}


def interaction_category(element_id: str, element_type: str | None) -> str:
    if any(marker in element_id.lower() for marker in _CTA_MARKERS):
        return "cta"
    return _CATEGORIES.get((element_type or "").lower(), "other")


def derive(fields: Fields) -> Derived:
    return {
        "interactionCategory": interaction_category(fields["elementId"], fields.get("elementType")),
        "pagePath": optional_page_path(fields.get("pageUrl")),
    }


CLICK = EventType(
    name="click",
    fields=(
        Field("elementId", Text(128), required=True),
        Field("elementType", Text(32, identifier=True)),
        Field("pageUrl", URL),
    ),
    examples={
        "elementId": {"choice": ["cta-button", "nav-home", "add-to-cart", "search-box"]},
        "elementType": {"choice": ["button", "link", "input"]},
        "pageUrl": {"choice": EXAMPLE_PAGES},
    },
    derive=derive,
    family=Family("clicks", dimensions=("elementId",), labels=("element",)),
)
