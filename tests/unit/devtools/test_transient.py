"""devtools' own rule for "try again later" (botocore's lists), used by the mapping driver."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from devtools.transient import is_transient


def _error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "GetEventSourceMapping",
    )


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="http://127.0.0.1:4566"),
        ConnectTimeoutError(endpoint_url="http://127.0.0.1:4566"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:4566"),
        ConnectionClosedError(endpoint_url="http://127.0.0.1:4566"),
        _error("ThrottlingException", 400),
        _error("TooManyRequestsException", 429),
        _error("ServiceUnavailable", 503),
        _error("InternalFailure", 500),
        _error("RequestTimeout", 408),
    ],
)
def test_faults_that_pass_are_transient(exc: BaseException) -> None:
    assert is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [
        _error("ResourceNotFoundException", 404),
        _error("AccessDeniedException", 403),
        _error("ValidationException", 400),
        ValueError("not an AWS error"),
    ],
)
def test_refusals_and_bugs_are_not(exc: BaseException) -> None:
    assert not is_transient(exc)
