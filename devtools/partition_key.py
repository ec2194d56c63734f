"""The one check of a Kinesis partition key, shared by scenario validation and the producer."""

from __future__ import annotations

# "Partition keys are Unicode strings, with a maximum length limit of 256 characters for each
# key" (Kinesis API reference, PutRecordsRequestEntry: PartitionKey, length 1-256)
MIN_LENGTH = 1
MAX_LENGTH = 256


def problem(key: object) -> str | None:
    """What is wrong with `key` as a partition key, or None when Kinesis accepts it."""
    if not isinstance(key, str):
        return f"partition key must be a string, not {type(key).__name__}"
    if not MIN_LENGTH <= len(key) <= MAX_LENGTH:
        shown = repr(key) if len(key) <= 40 else f"{key[:37]!r}..."
        return f"partition key must be 1-256 characters (got {len(key):,}: {shown})"
    return None
