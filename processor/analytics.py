"""Analytics per event type: the derived fields stored with each event (see README)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from urllib.parse import urlsplit

from processor.events import FieldValue, ValidEvent

# Load-time classes (ms): Core Web Vitals-like thresholds for a full page load.
FAST_LOAD_MS = 1000
MODERATE_LOAD_MS = 3000
# Purchase value tiers in the event's own currency units (no FX conversion).
VALUE_TIERS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(25), "low"),
    (Decimal(100), "medium"),
    (Decimal(500), "high"),
)
TOP_VALUE_TIER = "premium"
MAX_PAGE_PATH = 256
NO_PAGE = "(none)"
DIRECT_CAMPAIGN = "direct"

_SEARCH = frozenset({"google", "bing", "yahoo", "duckduckgo", "baidu", "yandex", "ecosia"})
_SOCIAL = frozenset(
    {"facebook", "instagram", "twitter", "x", "linkedin", "tiktok", "reddit", "youtube",
     "pinterest", "snapchat", "mastodon", "threads"}
)  # fmt: skip
_EMAIL = frozenset({"email", "newsletter", "mailchimp", "sendgrid"})
_PAID_MARKERS = ("cpc", "ppc", "paid", "ads", "adwords", "display")
_AFFILIATE_MARKERS = ("affiliate", "partner")
_CTA_MARKERS = ("cta", "buy", "checkout", "signup", "subscribe", "add-to-cart", "add_to_cart")
_FORM_ELEMENTS = frozenset({"input", "select", "textarea", "form", "checkbox", "radio"})
_MEDIA_ELEMENTS = frozenset({"img", "image", "video", "audio", "media"})
_LINK_ELEMENTS = frozenset({"a", "link", "nav", "menu", "tab"})
_CLIENT_ERRORS = ("javascript", "js", "typeerror", "referenceerror", "syntaxerror", "render")
_NETWORK_ERRORS = ("network", "timeout", "fetch", "cors", "offline", "dns")
_SERVER_ERRORS = ("api", "server", "backend", "database", "http5", "5xx", "internal")
_INPUT_ERRORS = ("validation", "form", "input")
_CRITICAL_PAGES = ("/checkout", "/payment", "/cart", "/login", "/signup")
_CRITICAL_TYPES = ("fatal", "crash", "payment")


def page_path(url: str) -> str:
    """Path of a page URL without query or fragment, at most 256 characters; `/` if empty."""
    try:
        path = urlsplit(url).path
    except ValueError:  # e.g. an unbalanced IPv6 bracket: keep the text before any query
        path = url.split("?", 1)[0].split("#", 1)[0]
    return (path or "/")[:MAX_PAGE_PATH]


def load_time_class(load_time_ms: int | Decimal) -> str:
    if load_time_ms < FAST_LOAD_MS:
        return "fast"
    return "moderate" if load_time_ms < MODERATE_LOAD_MS else "slow"


def engagement_score(pages_viewed: int | None, session_length_s: int | Decimal | None) -> int:
    """0..100: 10 points per page viewed plus 1 per 30 s of session, capped at 100."""
    points = 10 * (pages_viewed or 0) + int((session_length_s or 0) // 30)
    return min(100, points)


def value_tier(amount: int | Decimal) -> str:
    for upper, tier in VALUE_TIERS:
        if amount < upper:
            return tier
    return TOP_VALUE_TIER


def average_item_value(amount: int | Decimal, items_count: int) -> Decimal:
    """amount / itemsCount rounded half-even to 4 decimals."""
    return (Decimal(amount) / items_count).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def campaign_key(campaign_source: str | None) -> str:
    """Lower-cased, trimmed campaign source; `direct` when absent."""
    return campaign_source.strip().lower() if campaign_source else DIRECT_CAMPAIGN


def attribution_channel(campaign: str) -> str:
    if campaign == DIRECT_CAMPAIGN:
        return "direct"
    if any(marker in campaign for marker in _PAID_MARKERS):
        return "paid"
    if any(marker in campaign for marker in _AFFILIATE_MARKERS):
        return "affiliate"
    if campaign in _SEARCH:
        return "search"
    if campaign in _SOCIAL:
        return "social"
    if campaign in _EMAIL:
        return "email"
    return "referral"


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


def error_category(error_type: str) -> str:
    kind = error_type.lower()
    for markers, category in (
        (_CLIENT_ERRORS, "client"),
        (_NETWORK_ERRORS, "network"),
        (_SERVER_ERRORS, "server"),
        (_INPUT_ERRORS, "user_input"),
    ):
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


def process_analytics_data(event: ValidEvent) -> dict[str, FieldValue]:
    """Derived fields for one validated event; stored beside its fields in the results item."""
    fields = event.fields
    if event.event_type == "page_view":
        load_time = _number(fields["loadTime"])
        pages = fields.get("pagesViewed")
        session = fields.get("sessionLength")
        return {
            "pagePath": page_path(str(fields["pageUrl"])),
            "loadTimeClass": load_time_class(load_time),
            "engagementScore": engagement_score(
                None if pages is None else int(_number(pages)),
                None if session is None else _number(session),
            ),
        }
    if event.event_type == "purchase":
        amount = _number(fields["amount"])
        return {
            "averageItemValue": average_item_value(amount, int(_number(fields["itemsCount"]))),
            "valueTier": value_tier(amount),
        }
    if event.event_type == "user_signup":
        source = fields.get("campaignSource")
        campaign = campaign_key(None if source is None else str(source))
        return {"campaignKey": campaign, "attributionChannel": attribution_channel(campaign)}
    if event.event_type == "click":
        element_type = fields.get("elementType")
        url = fields.get("pageUrl")
        return {
            "interactionCategory": interaction_category(
                str(fields["elementId"]), None if element_type is None else str(element_type)
            ),
            "pagePath": NO_PAGE if url is None else page_path(str(url)),
        }
    if event.event_type == "error":
        error_type = str(fields["errorType"])
        url = fields.get("pageUrl")
        path = NO_PAGE if url is None else page_path(str(url))
        category = error_category(error_type)
        return {
            "pagePath": path,
            "errorCategory": category,
            "severity": error_severity(error_type, category, path),
        }
    return {}


def _number(value: FieldValue) -> int | Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"expected a validated number, got {value!r}")
    return value
