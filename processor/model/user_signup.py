"""user_signup: a new account; feeds sign-ups by campaign."""

from __future__ import annotations

from processor.model.rules import Boolean, Text
from processor.model.spec import Derived, EventType, Family, Field, Fields

DIRECT_CAMPAIGN = "direct"
_SEARCH = frozenset({"google", "bing", "yahoo", "duckduckgo", "baidu", "yandex", "ecosia"})
_SOCIAL = frozenset(
    {"facebook", "instagram", "twitter", "x", "linkedin", "tiktok", "reddit", "youtube",
     "pinterest", "snapchat", "mastodon", "threads"}
)  # fmt: skip
_EMAIL = frozenset({"email", "newsletter", "mailchimp", "sendgrid"})
_PAID_MARKERS = ("cpc", "ppc", "paid", "ads", "adwords", "display")
_AFFILIATE_MARKERS = ("affiliate", "partner")


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


def derive(fields: Fields) -> Derived:
    campaign = campaign_key(fields.get("campaignSource"))
    return {"campaignKey": campaign, "attributionChannel": attribution_channel(campaign)}


USER_SIGNUP = EventType(
    name="user_signup",
    fields=(
        Field("signupMethod", Text(32, identifier=True), required=True),
        Field("campaignSource", Text(64)),
        Field("marketingConsent", Boolean()),
    ),
    examples={
        "signupMethod": {"choice": ["email", "google", "apple", "github"]},
        "campaignSource": {"choice": ["google", "facebook", "newsletter", "direct", "twitter"]},
        "marketingConsent": {"choice": [True, False]},
    },
    derive=derive,
    family=Family("signups", dimensions=("campaignKey",), labels=("campaign",)),
)
