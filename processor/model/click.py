"""click: an element was clicked; feeds clicks by element."""

from __future__ import annotations

from processor.model.common import EXAMPLE_PAGES, URL, optional_page_path
from processor.model.rules import Text
from processor.model.spec import Derived, EventType, Family, Field, Fields

_CTA_MARKERS = ("cta", "buy", "checkout", "signup", "subscribe", "add-to-cart", "add_to_cart")
_FORM_ELEMENTS = frozenset({"input", "select", "textarea", "form", "checkbox", "radio"})
_MEDIA_ELEMENTS = frozenset({"img", "image", "video", "audio", "media"})
_LINK_ELEMENTS = frozenset({"a", "link", "nav", "menu", "tab"})


def interaction_category(element_id: str, element_type: str | None) -> str:
    kind = (element_type or "").lower()
    ident = element_id.lower()
    if any(marker in ident for marker in _CTA_MARKERS):
        return "cta"
    if kind in _FORM_ELEMENTS:
        return "form"
    if kind in _MEDIA_ELEMENTS:
        return "media"
    if kind in _LINK_ELEMENTS:
        return "navigation"
    return "action" if kind == "button" else "other"


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
