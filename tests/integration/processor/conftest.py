"""Fixtures for processor integration tests: fresh tables and bucket on the session emulator."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from processor.batch import Dependencies
from processor.retry import RetryPolicy
from processor.store import StoreTarget
from tests.emulator import RunningEmulator

# Fast backoff: the tests inject faults, they do not need real waiting.
FAST_POLICY = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005)


@dataclass(frozen=True)
class Resources:
    """One test's results table, aggregates table and quarantine bucket."""

    emulator: RunningEmulator
    results_table: str
    aggregates_table: str
    bucket: str

    def dependencies(self, policy: RetryPolicy = FAST_POLICY, **clients: Any) -> Dependencies:
        """Dependencies with fresh clients (one set per thread in concurrency tests)."""
        return Dependencies(
            dynamodb=clients.get("dynamodb") or self.emulator.client("dynamodb"),
            s3=clients.get("s3") or self.emulator.client("s3"),
            target=StoreTarget(self.results_table, self.aggregates_table),
            quarantine_bucket=self.bucket,
            ttl_days=30,
            policy=policy,
        )


def create_resources(emulator: RunningEmulator) -> Resources:
    """Tables with the schema of docs/contracts.md, and a bucket, under unique names."""
    suffix = uuid.uuid4().hex[:10]
    dynamodb = emulator.client("dynamodb")
    results, aggregates, bucket = f"results-{suffix}", f"aggregates-{suffix}", f"quar-{suffix}"
    dynamodb.create_table(
        TableName=results,
        KeySchema=[
            {"AttributeName": "eventId", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "eventId", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "S"},
            {"AttributeName": "eventType", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byEventType",
                "KeySchema": [
                    {"AttributeName": "eventType", "KeyType": "HASH"},
                    {"AttributeName": "timestamp", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.create_table(
        TableName=aggregates,
        KeySchema=[
            {"AttributeName": "metricKey", "KeyType": "HASH"},
            {"AttributeName": "minute", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "metricKey", "AttributeType": "S"},
            {"AttributeName": "minute", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    emulator.client("s3").create_bucket(Bucket=bucket)
    return Resources(emulator, results, aggregates, bucket)


@pytest.fixture
def resources(emulator: RunningEmulator) -> Resources:
    return create_resources(emulator)


@pytest.fixture
def fresh_resources(emulator: RunningEmulator) -> Callable[[], Resources]:
    """For tests (e.g. hypothesis) that need several independent sets."""
    return lambda: create_resources(emulator)
