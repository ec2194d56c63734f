"""AWS's error handling for a failed batch: partial checkpoint, bisect, retry limit, record age."""

from __future__ import annotations

from dataclasses import dataclass, replace

from devtools.driver.records import StreamRecord
from devtools.driver.response import InvokeResult, Outcome, Verdict

RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


@dataclass(frozen=True)
class Chunk:
    """A batch on its way through retries: the records plus what happened to them so far."""

    records: tuple[StreamRecord, ...]
    retries: int = 0  # retries consumed (bisection does not consume any)
    invoke_count: int = 0  # invocations that carried these records
    not_before: float = 0.0  # monotonic time before which it is not invoked again
    discard: str | None = None  # set: send to the on-failure destination with this condition
    last_result: InvokeResult | None = None


@dataclass(frozen=True)
class RetryRule:
    """The mapping's error-handling settings plus the driver's retry pacing."""

    bisect_on_error: bool
    max_retry_attempts: int  # -1: until the records expire
    max_record_age_seconds: int  # -1: never expire
    backoff_base_seconds: float = 0.05
    backoff_max_seconds: float = 2.0

    def backoff(self, retries: int) -> float:
        """Pause before the n-th retry: exponential and capped, not to hammer a broken function."""
        if retries <= 0:
            return 0.0
        return float(min(self.backoff_max_seconds, self.backoff_base_seconds * 2 ** (retries - 1)))

    def exhausted(self, retries: int) -> bool:
        return self.max_retry_attempts >= 0 and retries > self.max_retry_attempts


@dataclass(frozen=True)
class Decision:
    """Records that are finished successfully, and the chunks to process next, in order."""

    succeeded: tuple[StreamRecord, ...]
    next_chunks: tuple[Chunk, ...]


def _retry_or_discard(chunk: Chunk, rule: RetryRule, now: float) -> Chunk:
    retries = chunk.retries + 1
    if rule.exhausted(retries):
        return replace(chunk, retries=retries - 1, discard=RETRY_ATTEMPTS_EXHAUSTED)
    return replace(chunk, retries=retries, not_before=now + rule.backoff(retries))


def _bisect(chunk: Chunk, rule: RetryRule, now: float) -> tuple[Chunk, ...]:
    middle = len(chunk.records) // 2
    return (
        replace(chunk, records=chunk.records[:middle], not_before=now),
        replace(chunk, records=chunk.records[middle:], not_before=now),
    )


def decide(chunk: Chunk, outcome: Outcome, rule: RetryRule, now: float) -> Decision:
    """What follows one invocation of `chunk` (whose `last_result` is already set)."""
    if outcome.verdict is Verdict.SUCCESS:
        return Decision(succeeded=chunk.records, next_chunks=())
    if outcome.verdict is Verdict.PARTIAL and outcome.first_failed_index > 0:
        # Checkpoint before the lowest failed record; retry from it.
        done = chunk.records[: outcome.first_failed_index]
        rest = replace(chunk, records=chunk.records[outcome.first_failed_index :])
        if rule.bisect_on_error:
            # The split at the returned sequence number is a bisection: no retry consumed.
            return Decision(succeeded=done, next_chunks=(replace(rest, not_before=now),))
        return Decision(succeeded=done, next_chunks=(_retry_or_discard(rest, rule, now),))
    # A function error, a whole-batch failure, or a partial failure on the first record.
    if rule.bisect_on_error and len(chunk.records) > 1:
        return Decision(succeeded=(), next_chunks=_bisect(chunk, rule, now))
    return Decision(succeeded=(), next_chunks=(_retry_or_discard(chunk, rule, now),))


def split_expired(
    chunk: Chunk, rule: RetryRule, wall_now: float
) -> tuple[Chunk | None, Chunk | None]:
    """(expired leading records to discard, the rest) under MaximumRecordAgeInSeconds."""
    if rule.max_record_age_seconds < 0 or chunk.discard:
        return None, chunk
    limit = wall_now - rule.max_record_age_seconds
    count = 0
    for record in chunk.records:
        if record.arrival >= limit:
            break
        count += 1
    if count == 0:
        return None, chunk
    expired = replace(chunk, records=chunk.records[:count], discard=RECORD_AGE_EXCEEDED)
    if count == len(chunk.records):
        return expired, None
    return expired, replace(chunk, records=chunk.records[count:])
