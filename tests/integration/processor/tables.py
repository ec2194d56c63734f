"""Per-test AWS resources on the emulator: tables as in docs/contracts.md, bucket, clients."""

from __future__ import annotations

import uuid
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3

from processor.batch import Dependencies
from processor.retry import RetryPolicy
from processor.store import StoreTarget
from tests.emulator import RunningEmulator

# Fast backoff: the tests inject faults, they do not need real waiting.
FAST_POLICY = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005)
# As in the handler: independent transactions of a batch are written at the same time.
STORE_WORKERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="test-store")


@dataclass(frozen=True)
class FakeContext:
    """The parts of the Lambda context object Powertools and the handler read."""

    function_name: str = "processor"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:processor"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@dataclass(frozen=True)
class Resources:
    """One test's results table, aggregates table and quarantine bucket, and clients for them.

    Building a boto3 client from a fresh session costs ~0.15 s, more than a batch: the clients
    come from one session and are shared by the test (botocore clients are thread-safe).
    Tests that inject faults pass their own clients.
    """

    emulator: RunningEmulator
    results_table: str
    aggregates_table: str
    bucket: str
    session: boto3.Session
    dynamodb: Any
    s3: Any

    def function_env(self, *, environment: str, log_level: str) -> dict[str, str]:
        """The processor's environment variables as the stack sets them, for these resources."""
        return {
            "RESULTS_TABLE_NAME": self.results_table,
            "AGGREGATES_TABLE_NAME": self.aggregates_table,
            "QUARANTINE_BUCKET_NAME": self.bucket,
            "RESULT_TTL_DAYS": "30",
            "ENVIRONMENT": environment,
            "POWERTOOLS_SERVICE_NAME": "realtime-analytics",
            "POWERTOOLS_METRICS_NAMESPACE": "RealTimeAnalytics",
            "LOG_LEVEL": log_level,
        }

    def dependencies(
        self,
        policy: RetryPolicy = FAST_POLICY,
        *,
        workers: Executor | None = STORE_WORKERS,
        **clients: Any,
    ) -> Dependencies:
        return Dependencies(
            dynamodb=clients.get("dynamodb") or self.dynamodb,
            s3=clients.get("s3") or self.s3,
            target=StoreTarget(self.results_table, self.aggregates_table),
            quarantine_bucket=self.bucket,
            ttl_days=30,
            policy=policy,
            workers=workers,
        )


def create_resources(emulator: RunningEmulator, session: boto3.Session) -> Resources:
    """Tables with the schema of docs/contracts.md, and a bucket, under unique names."""
    suffix = uuid.uuid4().hex[:10]
    dynamodb = new_client(emulator, session, "dynamodb")
    s3 = new_client(emulator, session, "s3")
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
            {"AttributeName": "eventTypeShard", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byEventType",
                "KeySchema": [
                    {"AttributeName": "eventTypeShard", "KeyType": "HASH"},
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
    s3.create_bucket(Bucket=bucket)
    return Resources(emulator, results, aggregates, bucket, session, dynamodb, s3)


def new_client(emulator: RunningEmulator, session: boto3.Session, service: str) -> Any:
    """A client of its own (for fault hooks) from the shared session: cheap."""
    return session.client(service, endpoint_url=emulator.endpoint_url)  # type: ignore[call-overload]
