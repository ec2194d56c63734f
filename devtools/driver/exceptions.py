"""Errors raised by the event-source-mapping driver."""

from __future__ import annotations


class DriverError(Exception):
    """Base class of every error the driver raises on purpose."""


class MappingNotFoundError(DriverError):
    """When the event source mapping UUID is unknown to the Lambda endpoint."""


class InvalidMappingError(DriverError):
    """When a mapping setting (deployed or overridden) is outside AWS's allowed range."""


class ShardGoneError(DriverError):
    """When the stream no longer has the shard (MiniStack deletes a parent on SplitShard)."""


class IteratorExpiredError(DriverError):
    """When GetRecords answers ExpiredIteratorException; the reader asks for a new iterator."""


class InvokeError(DriverError):
    """When Invoke itself fails (throttle, 5xx, connection) - not a function error.

    Such failures are retried with backoff and neither consume retries nor bisect.
    """


class DestinationError(DriverError):
    """When the on-failure destination cannot be written; the batch is kept and retried."""


class SupervisorError(DriverError):
    """When the driver process cannot be started (it exited at once; see driver.log)."""
