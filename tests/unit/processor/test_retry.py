"""Retry policy: bounded attempts, deadline, and which errors count as transient."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from processor.retry import RetryPolicy, is_transient


def client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": "m"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "TransactWriteItems")


def test_backoff_sleeps_with_capped_jitter_until_the_budget_is_spent() -> None:
    slept: list[float] = []
    policy = RetryPolicy(max_attempts=4, base_delay=0.1, max_delay=0.25, sleep=slept.append)
    assert [policy.backoff(attempt) for attempt in range(1, 6)] == [True, True, True, False, False]
    caps = [0.1, 0.2, 0.25]
    assert all(0 <= pause <= cap for pause, cap in zip(slept, caps, strict=True))


def test_backoff_never_sleeps_past_the_deadline() -> None:
    now = [100.0]
    slept: list[float] = []
    policy = RetryPolicy(
        max_attempts=10,
        base_delay=1.0,
        max_delay=1.0,
        deadline=100.0,
        sleep=slept.append,
        clock=lambda: now[0],
    )
    assert policy.expired()
    assert not policy.backoff(1)
    assert slept == []
    assert not RetryPolicy().expired()


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (client_error("ProvisionedThroughputExceededException"), True),
        (client_error("ThrottlingException"), True),
        (client_error("TransactionConflictException"), True),
        (client_error("SomethingNew", status=503), True),
        (client_error("ValidationException"), False),
        (client_error("ResourceNotFoundException"), False),
        (EndpointConnectionError(endpoint_url="http://x"), True),
        (NoCredentialsError(), False),
        (ValueError("bug"), False),
    ],
)
def test_transient_errors(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient
