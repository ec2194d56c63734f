"""Event and Kinesis record factories shared by the processor tests."""

from __future__ import annotations

import base64
import json
from typing import Any

SHARD = "shardId-000000000000"
ARRIVAL = 1_735_732_800.0  # 2025-01-01T12:00:00Z
STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/analytics"


def page_view(**overrides: Any) -> dict[str, Any]:
    event = {
        "eventType": "page_view",
        "userId": "user_1234",
        "sessionId": "session_5678",
        "pageUrl": "/home",
        "loadTime": 1200,
        "deviceType": "desktop",
        "sessionLength": 300,
        "pagesViewed": 3,
        "timestamp": "2025-01-01T12:00:00Z",
    }
    return {**event, **overrides}


def purchase(**overrides: Any) -> dict[str, Any]:
    event = {
        "eventType": "purchase",
        "userId": "user_1234",
        "amount": 99.99,
        "currency": "USD",
        "itemsCount": 2,
        "paymentMethod": "credit_card",
        "timestamp": "2025-01-01T12:00:01Z",
    }
    return {**event, **overrides}


def signup(**overrides: Any) -> dict[str, Any]:
    event = {
        "eventType": "user_signup",
        "userId": "user_1234",
        "signupMethod": "email",
        "campaignSource": "google",
        "marketingConsent": True,
        "timestamp": "2025-01-01T12:00:02Z",
    }
    return {**event, **overrides}


def click(**overrides: Any) -> dict[str, Any]:
    event = {
        "eventType": "click",
        "userId": "user_1234",
        "elementId": "cta-button",
        "elementType": "button",
        "pageUrl": "/product",
        "timestamp": "2025-01-01T12:00:03Z",
    }
    return {**event, **overrides}


def error(**overrides: Any) -> dict[str, Any]:
    event = {
        "eventType": "error",
        "userId": "user_1234",
        "errorType": "javascript",
        "errorMessage": "Cannot read property of undefined",
        "pageUrl": "/checkout",
        "timestamp": "2025-01-01T12:00:04Z",
    }
    return {**event, **overrides}


FACTORIES = (page_view, purchase, signup, click, error)


def sequence_number(index: int) -> str:
    """Kinesis-like sequence numbers that sort as strings and as integers."""
    return f"4959{index:052d}"


def kinesis_record(
    payload: dict[str, Any] | bytes | str,
    index: int,
    *,
    shard: str = SHARD,
    arrival: float = ARRIVAL,
) -> dict[str, Any]:
    """One event-source-mapping record; dicts are JSON-encoded, bytes sent as they are."""
    if isinstance(payload, dict):
        raw = json.dumps(payload).encode()
    elif isinstance(payload, str):
        raw = payload.encode()
    else:
        raw = payload
    seq = sequence_number(index)
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "pk-" + str(index % 7),
            "sequenceNumber": seq,
            "data": base64.b64encode(raw).decode(),
            "approximateArrivalTimestamp": arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard}:{seq}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::000000000000:role/processor",
        "awsRegion": "us-east-1",
        "eventSourceARN": STREAM_ARN,
    }


def kinesis_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}


def mixed_events(
    count: int, *, start: int = 0, minute: str = "2025-01-01T12:00"
) -> list[dict[str, Any]]:
    """`count` valid events cycling through the five types, devices, currencies, elements.

    Each has its own eventId and a timestamp inside `minute`.
    """
    devices = ("desktop", "mobile", "tablet")
    currencies = ("USD", "EUR", "GBP")
    out: list[dict[str, Any]] = []
    for n in range(start, start + count):
        factory = FACTORIES[n % len(FACTORIES)]
        stamp = f"{minute}:{n % 60:02d}.{n % 1000:03d}Z"
        fields: dict[str, Any] = {"eventId": f"evt-{n:06d}", "timestamp": stamp}
        if factory is page_view:
            fields |= {"loadTime": 150 + (n * 137) % 4000, "deviceType": devices[n % 3]}
        elif factory is purchase:
            fields |= {"amount": round(5 + (n * 7.31) % 900, 2), "currency": currencies[n % 3]}
        elif factory is signup:
            fields |= {"campaignSource": ("google", "facebook", "newsletter", None)[n % 4]}
        elif factory is click:
            fields |= {"elementId": f"el-{n % 5}"}
        else:
            fields |= {"errorType": ("javascript", "network")[n % 2], "pageUrl": f"/p/{n % 3}"}
        out.append(factory(**fields))
    return out
