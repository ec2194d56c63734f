"""Replay one planned scenario: send, wait for the driver, read everything back, check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devtools import aggregates as agg
from devtools.driver import status as driver_status
from devtools.replay import aggregates, alarms, failures, metrics, quarantine, results
from devtools.replay.drain import CompletionTracker, DrainResult, wait_for_drain
from devtools.replay.send import Clock, Position, SendResult, send
from devtools.report.model import Observations, ReplayReport
from devtools.scenarios.evaluate import evaluate, item_key
from devtools.scenarios.plan import Plan, format_timestamp, parse_timestamp
from processor.pipeline import derived_event_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

    from devtools.deploy.outputs import StackOutputs

# Slack around the run's time window: clocks and minute boundaries.
WINDOW_SLACK = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class ReplayTarget:
    """The deployed pipeline's resources (stack outputs) and the driver's state folder."""

    stream_name: str
    results_table: str
    aggregates_table: str
    quarantine_bucket: str
    failure_queue_url: str | None
    log_group: str
    driver_dir: Path
    alarm_topic_arn: str | None = None
    failure_bucket: str | None = None  # set instead of the queue when onFailureDestination=s3

    @property
    def failure_store(self) -> failures.FailureStore:
        return failures.FailureStore(queue_url=self.failure_queue_url, bucket=self.failure_bucket)

    @classmethod
    def from_outputs(cls, outputs: StackOutputs, driver_dir: Path) -> ReplayTarget:
        """The target named by the deployed stack's outputs (docs/contracts.md ids)."""
        return cls(
            stream_name=outputs.stream_name,
            results_table=outputs.get("ResultsTableName"),
            aggregates_table=outputs.get("AggregatesTableName"),
            quarantine_bucket=outputs.quarantine_bucket,
            failure_queue_url=outputs.values.get("FailureQueueUrl"),
            log_group=outputs.log_group_name,
            driver_dir=driver_dir,
            alarm_topic_arn=outputs.values.get("AlarmTopicArn"),
            failure_bucket=outputs.values.get("FailureBucketName"),
        )


@dataclass(frozen=True)
class Clients:
    """boto3 clients for the target (built by the caller, endpoint already set)."""

    kinesis: KinesisClient
    dynamodb: DynamoDBClient
    s3: S3Client
    sqs: SQSClient
    logs: CloudWatchLogsClient
    cloudwatch: CloudWatchClient

    @classmethod
    def from_factory(cls, client: Callable[[str], Any]) -> Clients:
        """From a factory such as `Settings.client` (service name -> boto3 client)."""
        return cls(
            kinesis=client("kinesis"),
            dynamodb=client("dynamodb"),
            s3=client("s3"),
            sqs=client("sqs"),
            logs=client("logs"),
            cloudwatch=client("cloudwatch"),
        )


class Listener:
    """Callbacks so a terminal can show progress (core logic never prints); no-ops here."""

    def phase(self, name: str) -> None:
        """A phase starts: snapshot, send, drain, collect."""

    def sent(self, done: int, total: int) -> None:
        """`done` of `total` records acknowledged by PutRecords."""

    def draining(self, done: int, total: int, elapsed: float) -> None:
        """`done` of `total` records behind the driver's checkpoints after `elapsed` s."""


@dataclass
class _Run:
    plan: Plan
    sent: SendResult | None = None
    drain: DrainResult | None = None
    tracker: CompletionTracker | None = None
    notes: list[str] = field(default_factory=list)


def minutes_between(start: dt.datetime, end: dt.datetime) -> list[str]:
    """Every aggregates minute bucket from start to end, both included."""
    moment = start.replace(second=0, microsecond=0)
    found = []
    while moment <= end:
        found.append(moment.strftime(agg.MINUTE_FORMAT))
        moment += dt.timedelta(minutes=1)
    return found


def _planned_times(plan: Plan) -> list[dt.datetime]:
    times = []
    for record in plan.records:
        stamp = record.event.get("timestamp") if record.event else None
        if isinstance(stamp, str):
            try:
                times.append(parse_timestamp(stamp))
            except ValueError:
                continue
    return times


def _expected_seconds(plan: Plan) -> float:
    pauses = sum(r.pause_before for r in plan.records)
    paced = sum(1 / r.rate for r in plan.records if r.rate != float("inf"))
    return pauses + paced


def replay(
    plan: Plan,
    target: ReplayTarget,
    clients: Clients,
    *,
    drain_timeout: float | None = None,
    listener: Listener | None = None,
    clock: Clock | None = None,
) -> ReplayReport:
    """Run the whole replay of `plan` and return its report (expectations checked)."""
    listener = listener or Listener()
    clock = clock or Clock()
    timeout = plan.scenario.drain_timeout if drain_timeout is None else drain_timeout
    started = dt.datetime.fromtimestamp(clock.wall(), tz=dt.UTC)
    times = _planned_times(plan)
    horizon = started + dt.timedelta(seconds=_expected_seconds(plan) + timeout) + WINDOW_SLACK
    near: list[dt.datetime] = []
    far: list[dt.datetime] = []  # events stamped far from now (history, future): own minutes
    for moment in times:
        (near if started - WINDOW_SLACK <= moment <= horizon else far).append(moment)
    watched = set(minutes_between(min([started, *near]) - WINDOW_SLACK, max([horizon, *near])))
    watched |= {t.strftime(agg.MINUTE_FORMAT) for t in far}

    listener.phase("snapshot")
    before = agg.snapshot(clients.dynamodb, target.aggregates_table, watched)

    listener.phase("send")

    def load_status() -> driver_status.DriverStatus | None:
        return driver_status.load(target.driver_dir)

    run = _Run(plan)
    positions: dict[int, Position] = {}
    run.tracker = CompletionTracker(positions)

    tracker = run.tracker

    def on_sent(done: int, total: int) -> None:
        tracker.observe(load_status(), clock.wall())
        listener.sent(done, total)

    status_before = load_status()
    run.sent = send(
        clients.kinesis,
        target.stream_name,
        plan.records,
        batch_size=plan.scenario.send.batch_size,
        progress=on_sent,
        clock=clock,
        positions=positions,
    )

    listener.phase("drain")
    total = len(plan.records)
    run.drain = wait_for_drain(
        load_status,
        run.sent.last_sequences,
        timeout=timeout,
        tracker=run.tracker,
        clock=clock,
        on_poll=lambda _status, elapsed: listener.draining(len(tracker.done_at), total, elapsed),
    )
    if not run.drain.drained:
        run.notes.append(
            f"the driver had not processed everything after {timeout:.0f} s; "
            "is it running? (`devtools status`)"
        )

    listener.phase("collect")
    errors_before = status_before.invocations.function_errors if status_before else 0
    observations = _observe(
        run, target, clients, before, watched, (started, near, far, errors_before), clock
    )
    declared = {
        run.sent.positions[r.index].sequence_number: r.reason
        for r in plan.records
        if r.kind == "malformed" and r.index in run.sent.positions
    }
    checks = evaluate(plan.scenario.expect, observations, declared_reasons=declared)
    return ReplayReport(
        scenario=plan.scenario.name,
        file=plan.scenario.path,
        run_id=plan.run_id,
        started_at=format_timestamp(started),
        send=run.sent.summary,
        drained=run.drain.drained,
        drain_seconds=round(run.drain.seconds, 3),
        observations=observations,
        checks=tuple(checks),
    )


def _observe(
    run: _Run,
    target: ReplayTarget,
    clients: Clients,
    before: agg.Snapshot,
    watched: set[str],
    when: tuple[dt.datetime, list[dt.datetime], list[dt.datetime], int],
    clock: Clock,
) -> Observations:
    assert run.sent is not None
    assert run.drain is not None
    assert run.tracker is not None
    started, near, far, errors_before = when
    plan = run.plan
    sent = run.sent
    ended = dt.datetime.fromtimestamp(clock.wall(), tz=dt.UTC)
    by_position = {(p.shard_id, p.sequence_number): i for i, p in sent.positions.items()}

    event_ids: set[str] = set()
    outliers: set[str] = set()
    far_stamps = {format_timestamp(t) for t in far}
    for record in plan.records:
        position = sent.positions.get(record.index)
        if record.event_id:
            event_ids.add(record.event_id)
            if record.event and record.event.get("timestamp") in far_stamps:
                outliers.add(record.event_id)
        elif position is not None:
            event_ids.add(derived_event_id(position.shard_id, position.sequence_number))
    window = (
        format_timestamp(min([started, *near]) - WINDOW_SLACK),
        format_timestamp(max([ended, *near]) + WINDOW_SLACK),
    )
    stored = results.stored_events(
        clients.dynamodb,
        target.results_table,
        event_ids=event_ids,
        window=window,
        outliers=sorted(outliers),
    )
    after = agg.snapshot(clients.dynamodb, target.aggregates_table, watched)
    minutes, totals = aggregates.per_minute(agg.delta(before, after))

    origins = {
        (p.shard_id, p.sequence_number): (plan.records[i].step, plan.records[i].reason)
        for i, p in sent.positions.items()
    }
    poison = quarantine.quarantined(clients.s3, target.quarantine_bucket, origins)

    spans: dict[str, tuple[str, str]] = {}
    for position in sent.positions.values():
        first, last = spans.get(position.shard_id, (position.sequence_number,) * 2)
        seq = position.sequence_number
        spans[position.shard_id] = (
            min(first, seq, key=int),
            max(last, seq, key=int),
        )
    store = target.failure_store
    # Read, never consumed: the queue with visibility 0, the bucket's objects by GET (objects
    # written since the run began; each key once). Re-driving is the operator's decision.
    written = failures.read_all(clients.sqs, clients.s3, store, since=started - WINDOW_SLACK)
    messages = failures.concerning(written, spans)
    depth = failures.depth(clients.sqs, clients.s3, store) or 0

    log_lines = metrics.log_messages(
        clients.logs,
        target.log_group,
        # from the first put on: earlier lines belong to earlier runs
        int(started.timestamp() * 1000),
        int(ended.timestamp() * 1000) + 1000,
    )
    emitted = metrics.fold(log_lines)

    status = run.drain.status
    signals = alarms.Signals(
        incoming_records=sent.summary.records,
        function_errors=(status.invocations.function_errors - errors_before) if status else None,
        max_duration_ms=status.invocations.duration_ms_max if status else None,
        max_iterator_age_ms=(
            float(max((s.iterator_age_ms for s in status.shards), default=0)) if status else None
        ),
        queue_depth=depth,
        failure_objects_written=len(written) if store.kind == "bucket" else None,
        emf=tuple(emitted),
    )
    definitions = alarms.definitions(clients.cloudwatch, target.alarm_topic_arn)
    verdicts = alarms.evaluate(clients.cloudwatch, definitions, signals, started, ended)

    stored_indexes = {by_position[p] for p in stored.positions if p in by_position}
    items = _expected_items(run, clients, target)
    return Observations(
        stored_by_type=stored.by_type,
        sample_rows=stored.rows,
        minutes=minutes,
        totals=totals,
        quarantined=tuple(poison),
        failure_messages=tuple(messages),
        failure_queue_depth=len(messages),
        metrics=tuple(emitted),
        alarms=tuple(verdicts),
        latency=run.tracker.latency(stored_indexes or None),
        notes=tuple(run.notes) + _queue_note(depth, len(messages), store.kind),
        items=items,
    )


def _expected_items(
    run: _Run, clients: Clients, target: ReplayTarget
) -> dict[str, dict[str, Any] | None]:
    """The stored items `expect.items` names, read by their eventId."""
    assert run.sent is not None
    found: dict[str, dict[str, Any] | None] = {}
    for wanted in run.plan.scenario.expect.items:
        records = [r for r in run.plan.records if r.step == wanted.step and r.kind == "event"]
        record = records[wanted.event]
        position = run.sent.positions.get(record.index)
        event_id = record.event_id or (
            derived_event_id(position.shard_id, position.sequence_number) if position else None
        )
        found[item_key(wanted)] = (
            results.stored_item(clients.dynamodb, target.results_table, event_id)
            if event_id
            else None
        )
    return found


def _queue_note(depth: int, mine: int, kind: str = "queue") -> tuple[str, ...]:
    if depth == mine:
        return ()
    what = "objects" if kind == "bucket" else "messages"
    return (f"the on-failure {kind} holds {depth} {what} in all, {mine} from this run",)
