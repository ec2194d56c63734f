"""Which AWS errors mean "try again later", by botocore's own retry rules (not processor/'s)."""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.retries.standard import (
    RetryContext,
    ThrottledRetryableChecker,
    TransientRetryableChecker,
)

# devtools must not import the user's processor package for this: a driver resumed by
# `devtools up` would not start while processor/ is mid-edit (and the processor's rules are
# tuned for DynamoDB transactions). botocore's "standard" mode lists are the maintained ones.
_THROTTLED = ThrottledRetryableChecker()
_TRANSIENT = TransientRetryableChecker()


def is_transient(exc: BaseException) -> bool:
    """True for throttling, 5xx and network faults (no connection, timeouts, closed sockets)."""
    if isinstance(exc, ClientError):
        context = RetryContext(attempt_number=1, parsed_response=dict(exc.response))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        return status >= 500 or _THROTTLED.is_retryable(context) or _TRANSIENT.is_retryable(context)
    # EndpointConnectionError and ConnectTimeoutError are ConnectionErrors; ReadTimeoutError and
    # ConnectionClosedError are HTTPClientErrors.
    return isinstance(exc, (BotocoreConnectionError, HTTPClientError))
