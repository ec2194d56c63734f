"""Derived fields: every derived field of every event type, as each type's model derives them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from processor import model
from processor.model import validate_document as validate_event_data
from processor.model.click import interaction_category
from processor.model.common import page_path
from processor.model.error import error_category
from processor.model.page_view import engagement_score, load_time_class
from processor.model.purchase import value_tier
from processor.model.user_signup import attribution_channel
from processor.types import FieldValue, ValidEvent
from tests.unit.processor.factories import click, error, page_view, purchase, signup


def derived(data: dict[str, Any]) -> dict[str, FieldValue]:
    converted = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in data.items()}
    event = validate_event_data(
        converted, default_event_id="x", arrival=datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    )
    assert isinstance(event, ValidEvent), event
    declared = model.get(event.event_type)
    assert declared is not None
    return declared.derive(event.fields)


def test_page_view_fields() -> None:
    # GIVEN the seed page view (1200 ms, 3 pages, 300 s) THEN moderate load, score 40
    assert derived(page_view(pageUrl="/home?ref=x#top")) == {
        "pagePath": "/home",
        "loadTimeClass": "moderate",
        "engagementScore": 40,
    }


@pytest.mark.parametrize(
    ("load_time", "expected"), [(0, "fast"), (999, "fast"), (1000, "moderate"), (3000, "slow")]
)
def test_load_time_class(load_time: int, expected: str) -> None:
    assert load_time_class(load_time) == expected


def test_engagement_score() -> None:
    assert engagement_score(None, None) == 0
    assert engagement_score(3, 300) == 40
    assert engagement_score(2, Decimal("59.9")) == 21
    assert engagement_score(50, 0) == 100


def test_page_path() -> None:
    assert page_path("https://shop.example/cart/items?x=1") == "/cart/items"
    assert page_path("https://shop.example") == "/"
    assert page_path("/" + "a" * 500) == "/" + "a" * 255
    assert page_path("http://[::1/broken?x") == "http://[::1/broken"


def test_purchase_fields() -> None:
    assert derived(purchase()) == {"averageItemValue": Decimal("49.9950"), "valueTier": "medium"}
    assert derived(purchase(amount=10, itemsCount=3))["averageItemValue"] == Decimal("3.3333")


@pytest.mark.parametrize(
    ("amount", "tier"),
    [(0, "low"), (Decimal("24.99"), "low"), (25, "medium"), (100, "high"), (500, "premium")],
)
def test_value_tier(amount: Decimal, tier: str) -> None:
    assert value_tier(amount) == tier


def test_signup_fields() -> None:
    assert derived(signup(campaignSource=" Google ")) == {
        "campaignKey": "google",
        "attributionChannel": "search",
    }
    assert derived(signup(campaignSource=None)) == {
        "campaignKey": "direct",
        "attributionChannel": "direct",
    }


@pytest.mark.parametrize(
    ("campaign", "channel"),
    [
        ("direct", "direct"),
        ("google_cpc", "paid"),
        ("partner-blog", "affiliate"),
        ("bing", "search"),
        ("instagram", "social"),
        ("newsletter", "email"),
        ("somesite.example", "referral"),
    ],
)
def test_attribution_channel(campaign: str, channel: str) -> None:
    assert attribution_channel(campaign) == channel


def test_click_fields() -> None:
    assert derived(click()) == {"interactionCategory": "cta", "pagePath": "/product"}
    data = click(elementId="nav-home", elementType="a")
    del data["pageUrl"]
    assert derived(data) == {"interactionCategory": "navigation", "pagePath": "(none)"}


@pytest.mark.parametrize(
    ("element_id", "element_type", "category"),
    [
        ("buy-now", None, "cta"),
        ("email", "input", "form"),
        ("hero", "img", "media"),
        ("menu", "link", "navigation"),
        ("close", "button", "action"),
        ("x", None, "other"),
    ],
)
def test_interaction_category(element_id: str, element_type: str | None, category: str) -> None:
    assert interaction_category(element_id, element_type) == category


def test_error_fields() -> None:
    # GIVEN a JavaScript error on /checkout THEN client category, critical severity
    assert derived(error()) == {
        "pagePath": "/checkout",
        "errorCategory": "client",
        "severity": "critical",
    }
    data = error(errorType="validation")
    del data["pageUrl"]
    assert derived(data) == {"pagePath": "(none)", "errorCategory": "user_input", "severity": "low"}


@pytest.mark.parametrize(
    ("error_type", "category"),
    [
        ("TypeError", "client"),
        ("network", "network"),
        ("api_timeout", "network"),
        ("database", "server"),
        ("form_validation", "user_input"),
        ("weird", "other"),
    ],
)
def test_error_category(error_type: str, category: str) -> None:
    assert error_category(error_type) == category


@pytest.mark.parametrize(
    ("error_type", "url", "severity"),
    [
        ("fatal_render", "/home", "critical"),
        ("api", "/payment", "critical"),
        ("network", "/cart", "high"),
        ("database", "/home", "high"),
        ("javascript", "/home", "medium"),
        ("validation", "/home", "low"),
    ],
)
def test_error_severity(error_type: str, url: str, severity: str) -> None:
    assert derived(error(errorType=error_type, pageUrl=url))["severity"] == severity
