"""One invocation's work: pure path, quarantine, exactly-once store, partial batch response."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from processor.invocation_lane import LanePool
from processor.known_extrema import KnownExtrema
from processor.pipeline import Poison, Prepared, prepare_records
from processor.quarantine import quarantine_record
from processor.retry import RetryPolicy
from processor.store import StoreTarget, store_events
from processor.types import MalformedEventError, Reason, Rejection

if TYPE_CHECKING:
    # The documented response, as Powertools types it (not imported at run time: ~0.1 s).
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class Dependencies:
    """Everything process_batch talks to or needs to know; built once per cold start."""

    dynamodb: DynamoDBClient
    s3: S3Client
    target: StoreTarget
    quarantine_bucket: str
    ttl_days: int
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    # Outlives invocations in a warm container: saves the min/max update most batches need not make.
    known_extrema: KnownExtrema = field(default_factory=KnownExtrema)
    # Writes transactions that share no aggregates item at the same time; None: one by one.
    workers: Executor | None = None
    # Lane ids of this process's in-flight invocations (keys of their aggregates partial items).
    lanes: LanePool = field(default_factory=LanePool)


@dataclass
class BatchOutcome:
    """Per-record fate of one batch; every record is in exactly one of the four lists."""

    stored: list[Prepared] = field(default_factory=list)
    duplicates: list[Prepared] = field(default_factory=list)
    quarantined: list[tuple[str, Reason]] = field(default_factory=list)  # (sequence, reason)
    failed: list[str] = field(default_factory=list)  # sequence numbers, stream order
    records: int = 0
    dynamodb_requests: int = 0
    retries: int = 0
    lane: str = ""  # the invocation's lane: its aggregates went to the partial items of it

    @property
    def quarantined_by_reason(self) -> Counter[str]:
        return Counter(reason.value for _, reason in self.quarantined)

    def response(self) -> PartialItemFailureResponse:
        return {"batchItemFailures": [{"itemIdentifier": seq} for seq in self.failed]}


def process_batch(
    event: Mapping[str, Any], deps: Dependencies, *, deadline: float | None = None
) -> BatchOutcome:
    """Decode, validate, quarantine poison, store valid events once; never raises for a record.

    Holds a lane of `deps.lanes` for the whole call: an invocation's aggregates go to partial
    items no concurrent invocation writes. Raises MalformedEventError only when the payload is
    not a Kinesis event at all.
    """
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise MalformedEventError("the event has no Records list: is this a Kinesis invocation?")
    with deps.lanes.lease() as lane:
        return _process(records, deps, deadline, lane)


def _process(
    records: list[Any], deps: Dependencies, deadline: float | None, lane: str
) -> BatchOutcome:
    policy = replace(deps.policy, deadline=deadline)
    outcomes = prepare_records(records, ttl_days=deps.ttl_days)
    result = BatchOutcome(records=len(outcomes), lane=lane)
    to_quarantine = [(o.ref, o.rejection) for o in outcomes if isinstance(o, Poison)]
    valid = [o for o in outcomes if isinstance(o, Prepared)]
    stored = store_events(
        deps.dynamodb, valid, deps.target, policy, deps.known_extrema, deps.workers, lane_id=lane
    )
    result.stored, result.duplicates = stored.stored, stored.duplicates
    result.dynamodb_requests, result.retries = stored.requests, stored.retries
    failed = {p.ref.sequence_number for p in stored.failed}
    to_quarantine += [
        (p.ref, Rejection(Reason.UNSTORABLE, detail)) for p, detail in stored.unstorable
    ]
    for ref, rejection in to_quarantine:
        if quarantine_record(deps.s3, deps.quarantine_bucket, ref, rejection, policy):
            result.quarantined.append((ref.sequence_number, rejection.reason))
        else:
            failed.add(ref.sequence_number)
    # Stream order: the mapping checkpoints before the lowest failed sequence number.
    result.failed = [o.ref.sequence_number for o in outcomes if o.ref.sequence_number in failed]
    return result
