"""Lambda entry point for the Kinesis event source mapping (partial batch responses)."""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from processor.batch import Dependencies, process_batch
from processor.metrics import NAMESPACE, send_custom_metrics
from processor.retry import CLIENT_CONFIG
from processor.settings import load_settings
from processor.store import StoreTarget

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

# Leave this much of the invocation for quarantining, metrics and the response.
DEADLINE_MARGIN_SECONDS = 10.0

# Cold start: a bad variable fails the init phase with one line naming it.
SETTINGS = load_settings(os.environ)
logger = Logger(level=SETTINGS.log_level)
logger.append_keys(environment=SETTINGS.environment)  # which deployment a log line came from
# AWS Lambda always sets AWS_XRAY_DAEMON_ADDRESS (the per-invocation _X_AMZN_TRACE_ID is not
# there yet at init); emulators do not, so there the tracer stays off and silent.
tracer = Tracer(disabled="AWS_XRAY_DAEMON_ADDRESS" not in os.environ)
_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)
DEPENDENCIES = Dependencies(
    dynamodb=boto3.client("dynamodb", config=CLIENT_CONFIG),
    s3=boto3.client("s3", config=CLIENT_CONFIG),
    target=StoreTarget(SETTINGS.results_table, SETTINGS.aggregates_table),
    quarantine_bucket=SETTINGS.quarantine_bucket,
    ttl_days=SETTINGS.result_ttl_days,
    # A 100-record batch makes two or three independent transactions; more threads than that
    # only idle. botocore clients are thread-safe; the pool lives as long as the container.
    workers=ThreadPoolExecutor(max_workers=4, thread_name_prefix="store"),
)


def _emit(line: str) -> None:
    # EMF travels as a plain stdout line; the Logger's JSON lines go the same way.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    remaining = context.get_remaining_time_in_millis() / 1000.0
    deadline = time.monotonic() + max(0.0, remaining - DEADLINE_MARGIN_SECONDS)
    outcome = process_batch(event, DEPENDENCIES, deadline=deadline)
    send_custom_metrics(outcome, emit=_emit, namespace=_NAMESPACE)
    logger.info(
        "batch processed",
        extra={
            "records": outcome.records,
            "stored": len(outcome.stored),
            "duplicates": len(outcome.duplicates),
            "quarantined": dict(outcome.quarantined_by_reason),
            "failed": len(outcome.failed),
            "dynamodbRequests": outcome.dynamodb_requests,
            "retries": outcome.retries,
            "lane": outcome.lane,
        },
    )
    return outcome.response()
