"""validate_event_data: every rule with a passing and a failing example."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from processor.model import validate_document as validate_event_data
from processor.types import Reason, Rejection, ValidEvent
from tests.unit.processor.factories import FACTORIES, click, error, page_view, purchase, signup

ARRIVAL = datetime(2025, 1, 1, 12, 30, 15, 250000, tzinfo=UTC).timestamp()


def validate(data: dict[str, Any]) -> ValidEvent | Rejection:
    # Numbers arrive as Decimals from the decoder (parse_float=Decimal); mimic that.
    converted = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in data.items()}
    return validate_event_data(converted, default_event_id="derived-id", arrival=ARRIVAL)


def rejected(data: dict[str, Any], reason: Reason, fragment: str) -> None:
    result = validate(data)
    assert isinstance(result, Rejection), result
    assert result.reason is reason
    assert fragment in result.detail


@pytest.mark.parametrize("factory", FACTORIES)
def test_seed_examples_of_every_type_are_valid(factory: Any) -> None:
    # GIVEN the seed's example event of each type WHEN validated THEN it is accepted
    result = validate(factory())
    assert isinstance(result, ValidEvent)
    assert result.event_type == factory()["eventType"]


def test_common_fields_are_normalised() -> None:
    # GIVEN an event with an offset timestamp, its own eventId and a device
    result = validate(page_view(timestamp="2025-01-01T13:00:00.5+01:00", eventId="e-1"))
    # THEN the timestamp is UTC with milliseconds and the minute bucket follows it
    assert isinstance(result, ValidEvent)
    assert result.timestamp == "2025-01-01T12:00:00.500Z"
    assert result.minute == "2025-01-01T12:00Z"
    assert result.event_id == "e-1"
    assert result.device_type == "desktop"
    assert result.session_id == "session_5678"


def test_absent_event_id_timestamp_and_device_take_defaults() -> None:
    # GIVEN an event without eventId, timestamp and deviceType
    data = purchase()
    del data["timestamp"]
    result = validate(data)
    # THEN the derived id, the arrival time and "unknown" device are used
    assert isinstance(result, ValidEvent)
    assert result.event_id == "derived-id"
    assert result.timestamp == "2025-01-01T12:30:15.250Z"
    assert result.minute == "2025-01-01T12:30Z"
    assert result.device_type == "unknown"


def test_null_optional_fields_count_as_absent() -> None:
    result = validate(page_view(sessionLength=None, pagesViewed=None, timestamp=None))
    assert isinstance(result, ValidEvent)
    assert "sessionLength" not in result.fields
    assert "pagesViewed" not in result.fields


def test_unknown_fields_are_ignored() -> None:
    result = validate(click(extra={"nested": [1, 2]}))
    assert isinstance(result, ValidEvent)
    assert "extra" not in result.fields


# --- common fields -------------------------------------------------------------------------


def test_missing_event_type() -> None:
    data = click()
    del data["eventType"]
    rejected(data, Reason.MISSING_FIELD, "eventType")


def test_event_type_not_a_string() -> None:
    rejected(click(eventType=5), Reason.INVALID_FIELD, "eventType must be a string")


def test_unknown_event_type_lists_the_known_ones() -> None:
    rejected(click(eventType="clck"), Reason.UNKNOWN_TYPE, "expected one of: page_view")


def test_missing_user_id() -> None:
    data = signup()
    del data["userId"]
    rejected(data, Reason.MISSING_FIELD, "userId")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (123, "must be a string, got number"),
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("u" * 129, "limit is 128"),
        ("bad\nid", "control characters"),
        ("\ud800", "not valid Unicode"),
    ],
)
def test_user_id_rules(value: Any, fragment: str) -> None:
    rejected(signup(userId=value), Reason.INVALID_FIELD, fragment)


def test_user_id_at_the_length_limit_passes() -> None:
    assert isinstance(validate(signup(userId="u" * 128)), ValidEvent)


def test_event_id_and_session_id_are_bounded() -> None:
    assert isinstance(validate(click(eventId="e" * 128, sessionId="s" * 128)), ValidEvent)
    rejected(click(eventId="e" * 129), Reason.INVALID_FIELD, "eventId")
    rejected(click(sessionId=["s"]), Reason.INVALID_FIELD, "sessionId must be a string")


def test_device_type_must_be_known() -> None:
    for device in ("desktop", "mobile", "tablet", "other"):
        assert isinstance(validate(click(deviceType=device)), ValidEvent)
    rejected(click(deviceType="toaster"), Reason.INVALID_FIELD, "deviceType 'toaster'")


@pytest.mark.parametrize(
    "value",
    ["2025-01-01T12:00:00Z", "2025-01-01T12:00:00.123456+05:30", "2025-01-01T12:00Z"],
)
def test_iso_timestamps_with_offset_pass(value: str) -> None:
    assert isinstance(validate(click(timestamp=value)), ValidEvent)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2025-01-01T12:00:00.123Z", "2025-01-01T12:00:00.123Z"),  # canonical: kept as sent
        ("2025-01-01T12:00:00Z", "2025-01-01T12:00:00.000Z"),
        ("2025-01-01t12:00:00.123Z", "2025-01-01T12:00:00.123Z"),
        ("2025-01-01T12:00:00.123+00:00", "2025-01-01T12:00:00.123Z"),
        ("2025-01-01T12:00:00.1234Z", "2025-01-01T12:00:00.123Z"),
        (" 2025-01-01T12:00:00.123Z", "2025-01-01T12:00:00.123Z"),
        # An ISO week date of the canonical length is still normalised (its minute bucket too).
        ("2025-W01-1T12:00:00.000Z", "2024-12-30T12:00:00.000Z"),
    ],
)
def test_timestamps_are_stored_in_one_format(sent: str, stored: str) -> None:
    result = validate(click(timestamp=sent))
    assert isinstance(result, ValidEvent)
    assert result.timestamp == stored
    assert result.minute == stored[:16] + "Z"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("2025-01-01", "not an ISO-8601 date-time"),
        ("yesterday", "not an ISO-8601 date-time"),
        ("2025-13-01T00:00:00Z", "not an ISO-8601 date-time"),
        ("2025-01-01T12:00:00", "no UTC offset"),
        ("1999-12-31T23:59:59Z", "between 2000 and 2100"),
        ("2100-01-01T00:00:00Z", "between 2000 and 2100"),
        (1735732800, "must be a string"),
    ],
)
def test_bad_timestamps(value: Any, fragment: str) -> None:
    rejected(click(timestamp=value), Reason.INVALID_FIELD, fragment)


# --- page_view -------------------------------------------------------------------------------


def test_page_view_required_fields() -> None:
    for name in ("pageUrl", "loadTime"):
        data = page_view()
        del data[name]
        rejected(data, Reason.MISSING_FIELD, name)


@pytest.mark.parametrize("value", [0, 0.5, 600_000, 1200.125])
def test_load_time_in_range(value: float) -> None:
    assert isinstance(validate(page_view(loadTime=value)), ValidEvent)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (-1, "out of range"),
        (600_001, "out of range"),
        ("1200", "must be a number, got string"),
        (True, "must be a number, got boolean"),
        (1.0001, "more than 3 decimals"),
    ],
)
def test_load_time_rules(value: Any, fragment: str) -> None:
    rejected(page_view(loadTime=value), Reason.INVALID_FIELD, fragment)


def test_page_url_bounds() -> None:
    assert isinstance(validate(page_view(pageUrl="/" + "a" * 2047)), ValidEvent)
    rejected(page_view(pageUrl="/" + "a" * 2048), Reason.INVALID_FIELD, "limit is 2048")


def test_session_length_and_pages_viewed_rules() -> None:
    assert isinstance(validate(page_view(sessionLength=0, pagesViewed=1)), ValidEvent)
    rejected(page_view(sessionLength=-5), Reason.INVALID_FIELD, "sessionLength")
    rejected(page_view(sessionLength=86_401), Reason.INVALID_FIELD, "sessionLength")
    rejected(page_view(pagesViewed=0), Reason.INVALID_FIELD, "pagesViewed 0 is out of range")
    rejected(page_view(pagesViewed=2.5), Reason.INVALID_FIELD, "whole number")


# --- purchase --------------------------------------------------------------------------------


def test_purchase_required_fields() -> None:
    for name in ("amount", "currency", "itemsCount"):
        data = purchase()
        del data[name]
        rejected(data, Reason.MISSING_FIELD, name)


@pytest.mark.parametrize("value", [0, 0.01, 99.99, 1_000_000_000, 12.3456])
def test_amount_in_range(value: float) -> None:
    assert isinstance(validate(purchase(amount=value)), ValidEvent)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (-0.01, "out of range"),
        (1_000_000_000.01, "out of range"),
        (1.23456, "more than 4 decimals"),
        ("9.99", "must be a number"),
    ],
)
def test_amount_rules(value: Any, fragment: str) -> None:
    rejected(purchase(amount=value), Reason.INVALID_FIELD, fragment)


def test_amount_is_exact_and_plain() -> None:
    result = validate_event_data(
        purchase(amount=Decimal("1.5E+1"), itemsCount=Decimal("2.0")),
        default_event_id="x",
        arrival=ARRIVAL,
    )
    assert isinstance(result, ValidEvent)
    assert result.fields["amount"] == 15
    assert result.fields["itemsCount"] == 2
    result = validate_event_data(
        purchase(amount=Decimal("12.3400")), default_event_id="x", arrival=ARRIVAL
    )
    assert isinstance(result, ValidEvent)
    assert str(result.fields["amount"]) == "12.34"


def test_non_finite_numbers_are_rejected() -> None:
    rejected(purchase(amount=Decimal("NaN")), Reason.INVALID_FIELD, "finite")


@pytest.mark.parametrize("code", ["USD", "EUR", "JPY", "CHF", "XAU"])
def test_iso_4217_currencies_pass(code: str) -> None:
    assert isinstance(validate(purchase(currency=code)), ValidEvent)


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("usd", "codes are upper case"),
        ("ABC", "not an ISO 4217 code"),
        ("XXX", "not an ISO 4217 code"),
        (840, "must be a string"),
    ],
)
def test_bad_currencies(code: Any, fragment: str) -> None:
    rejected(purchase(currency=code), Reason.INVALID_FIELD, fragment)


def test_items_count_must_be_positive_whole() -> None:
    assert isinstance(validate(purchase(itemsCount=1)), ValidEvent)
    assert isinstance(validate(purchase(itemsCount=10_000)), ValidEvent)
    rejected(purchase(itemsCount=0), Reason.INVALID_FIELD, "out of range")
    rejected(purchase(itemsCount=10_001), Reason.INVALID_FIELD, "out of range")
    rejected(purchase(itemsCount=1.5), Reason.INVALID_FIELD, "whole number")


def test_payment_method_is_an_identifier() -> None:
    assert isinstance(validate(purchase(paymentMethod="apple_pay")), ValidEvent)
    rejected(purchase(paymentMethod="credit card"), Reason.INVALID_FIELD, "may only contain")
    rejected(purchase(paymentMethod="p" * 33), Reason.INVALID_FIELD, "limit is 32")


# --- user_signup -----------------------------------------------------------------------------


def test_signup_rules() -> None:
    data = signup()
    del data["signupMethod"]
    rejected(data, Reason.MISSING_FIELD, "signupMethod")
    assert isinstance(validate(signup(campaignSource="c" * 64)), ValidEvent)
    rejected(signup(campaignSource="c" * 65), Reason.INVALID_FIELD, "campaignSource")
    assert isinstance(validate(signup(marketingConsent=False)), ValidEvent)
    rejected(signup(marketingConsent="yes"), Reason.INVALID_FIELD, "true or false, got string")


# --- click -----------------------------------------------------------------------------------


def test_click_rules() -> None:
    data = click()
    del data["elementId"]
    rejected(data, Reason.MISSING_FIELD, "elementId")
    assert isinstance(validate(click(elementId="#hero .cta")), ValidEvent)
    rejected(click(elementId="e" * 129), Reason.INVALID_FIELD, "elementId")
    rejected(click(elementType="div span"), Reason.INVALID_FIELD, "elementType")
    data = click()
    del data["pageUrl"], data["elementType"]
    assert isinstance(validate(data), ValidEvent)


# --- error -----------------------------------------------------------------------------------


def test_error_rules() -> None:
    for name in ("errorType", "errorMessage"):
        data = error()
        del data[name]
        rejected(data, Reason.MISSING_FIELD, name)
    assert isinstance(validate(error(errorType="TypeError", errorMessage="m" * 2048)), ValidEvent)
    rejected(error(errorType="Type Error"), Reason.INVALID_FIELD, "errorType may only contain")
    rejected(error(errorMessage="m" * 2049), Reason.INVALID_FIELD, "errorMessage")
