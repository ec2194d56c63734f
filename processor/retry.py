"""Bounded exponential backoff with full jitter, and which AWS errors are worth retrying."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

# The one retry layer is RetryPolicy below. botocore's own retries are off: total_max_attempts=1
# is the first attempt only (its `max_attempts` counts retries after it). Otherwise botocore
# would retry a throttled request underneath the budget, and Batch/DynamoDBRequests would count
# calls, not requests. Network faults surface as exceptions that is_transient retries.
# Parameter validation is off: every request is built here from validated values, and validating
# 100-item transactions costs milliseconds per batch. Only options botocore 1.34 knows (the
# python3.13 runtime's SDK): the asset runs on the runtime's SDK.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=3,
    read_timeout=10,
    parameter_validation=False,
)
# Error codes that say "try again later", never "this request is wrong".
TRANSIENT_ERROR_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling",
    "RequestLimitExceeded", "InternalServerError", "InternalError", "ServiceUnavailable",
    "SlowDown", "TransactionInProgressException", "TransactionConflictException", "RequestTimeout",
})  # fmt: skip
# TransactionCanceledException reason codes with the same meaning.
TRANSIENT_CANCELLATION_CODES = frozenset({
    "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
})  # fmt: skip
_NETWORK_ERRORS = (
    EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError,
)  # fmt: skip


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_transient(exc: BaseException) -> bool:
    """True for throttling, 5xx, conflicts and network faults."""
    if isinstance(exc, _NETWORK_ERRORS):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in TRANSIENT_ERROR_CODES or int(status) >= 500
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long one unit of work (a chunk, an object) may be retried.

    `deadline` is a `time.monotonic()` value after which no new attempt starts (the Lambda
    timeout minus a margin); None means no deadline.
    """

    max_attempts: int = 6
    base_delay: float = 0.05
    max_delay: float = 1.0
    deadline: float | None = None
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    def backoff(self, attempt: int) -> bool:
        """Sleep a full-jitter delay before attempt `attempt + 1` (attempt counts from 1);
        False when the budget or the deadline is spent."""
        if attempt >= self.max_attempts:
            return False
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        pause = random.uniform(0, cap)  # jitter, not cryptography
        if self.deadline is not None and self.clock() + pause >= self.deadline:
            return False
        self.sleep(pause)
        return True

    def expired(self) -> bool:
        return self.deadline is not None and self.clock() >= self.deadline
