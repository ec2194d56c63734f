"""Pure parts of replay: batching and pacing, EMF folding, aggregate deltas, alarm verdicts."""

from __future__ import annotations

import json
from decimal import Decimal

from devtools import aggregates as agg
from devtools.replay import aggregates, alarms, failures, metrics, quarantine
from devtools.scenarios.plan import PlannedRecord


def record(index: int, rate: float = float("inf"), pause: float = 0.0) -> PlannedRecord:
    return PlannedRecord(index, "s", "event", b"{}", "k", rate, pause_before=pause)


def test_batches_respect_size_rate_changes_and_pauses() -> None:
    from devtools.replay.send import batches

    records = [record(i) for i in range(7)] + [record(7, pause=1.0), record(8, rate=10.0)]
    sizes = [len(b) for b in batches(records, 3)]
    # 3+3+1 unthrottled, a pause starts a batch, a rate of 10/s sends 2 per batch (5 per second)
    assert sizes == [3, 3, 1, 1, 1]


def test_emf_lines_fold_per_metric_and_dimension_set() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1,
                "CloudWatchMetrics": [
                    {"Namespace": "N", "Dimensions": [["EventType"]],
                     "Metrics": [{"Name": "EventsProcessed", "Unit": "Count"}]}
                ],
            },
            "EventType": "click",
            "EventsProcessed": [2, 3],
        }
    )  # fmt: skip
    folded = metrics.fold([line, "START RequestId: x", line])
    assert len(folded) == 1
    assert folded[0].dimensions == {"EventType": "click"}
    assert (folded[0].count, folded[0].sum, folded[0].maximum) == (4, 10.0, 3.0)


def row(key: str, minute: str, **values: int) -> agg.AggregateRow:
    family, dims = agg.split_metric_key(key)
    histogram = {float(k[2:]): v for k, v in values.items() if k.startswith("le")}
    plain = {k: Decimal(v) for k, v in values.items() if not k.startswith("le")}
    return agg.AggregateRow(key, family, dims, minute, plain, histogram)


def test_aggregate_delta_keeps_only_what_this_run_added() -> None:
    before = {("revenue#USD", "m1"): row("revenue#USD", "m1", sum=10, count=1)}
    after = {
        ("revenue#USD", "m1"): row("revenue#USD", "m1", sum=35, count=3),
        ("errors#javascript#/checkout", "m1"): row("errors#javascript#/checkout", "m1", count=4),
        ("loadtime", "m2"): row("loadtime", "m2", count=2, sum=900, min=400, max=500, le500=2),
    }
    minutes, totals = aggregates.per_minute(agg.delta(before, after))
    assert [m.minute for m in minutes] == ["m1", "m2"]
    assert totals.revenue == {"USD": 25.0}
    assert totals.purchases == {"USD": 2}
    assert totals.errors_by_page == {"/checkout": 4}
    assert totals.errors_by_type == {"javascript": 4}
    assert totals.load_time_count == 2
    assert totals.load_time_p95 is not None
    assert 400 <= totals.load_time_p95 <= 500


def definition(
    metric: str, namespace: str, comparison: str, missing: str
) -> alarms.AlarmDefinition:
    return alarms.AlarmDefinition("A", namespace, metric, {}, "Sum", 60, comparison, 1.0, missing)


def test_alarm_verdicts_from_replay_signals() -> None:
    signals = alarms.Signals(incoming_records=5, queue_depth=2, function_errors=0)
    incoming = definition("IncomingRecords", "AWS/Kinesis", "LessThanThreshold", "breaching")
    queue = definition("ApproximateNumberOfMessagesVisible", "AWS/SQS",
                       "GreaterThanOrEqualToThreshold", "notBreaching")  # fmt: skip
    unknown = definition("Nothing", "Custom", "GreaterThanThreshold", "breaching")
    verdicts = [
        alarms.verdict(a, *alarms.derived_value(a, signals)) for a in (incoming, queue, unknown)
    ]
    assert [v.would_fire for v in verdicts] == [False, True, True]
    assert verdicts[0].observed == 5.0
    assert "missing data treated as breaching" in verdicts[2].basis


def test_the_failure_bucket_alarm_counts_the_objects_this_replay_wrote() -> None:
    # onFailureDestination=s3: FailureObjectsWritten watches PutRequests of the bucket
    puts = definition("PutRequests", "AWS/S3", "GreaterThanOrEqualToThreshold", "notBreaching")
    quiet = alarms.Signals(queue_depth=7, failure_objects_written=0)
    loud = alarms.Signals(queue_depth=None, failure_objects_written=3)
    assert alarms.verdict(puts, *alarms.derived_value(puts, quiet)).would_fire is False
    fired = alarms.verdict(puts, *alarms.derived_value(puts, loud))
    assert (fired.would_fire, fired.observed) == (True, 3.0)


def test_the_failure_store_is_the_bucket_or_the_queue_the_outputs_name() -> None:
    bucket = failures.FailureStore.from_outputs({"FailureBucketName": "b"})
    queue = failures.FailureStore.from_outputs({"FailureQueueUrl": "http://q"})
    assert (bucket.kind, queue.kind, failures.FailureStore.from_outputs({}).kind) == (
        "bucket",
        "queue",
        "none",
    )


def test_quarantine_keys_and_failure_records_parse() -> None:
    assert quarantine.parse_key("quarantine/not_json/shardId-000000000001/123.json") == (
        "not_json",
        "shardId-000000000001",
        "123",
    )
    assert quarantine.parse_key("other/x.json") is None
    body = json.dumps({
        "requestContext": {"condition": "RetryAttemptsExhausted"},
        "KinesisBatchInfo": {"shardId": "s-1", "startSequenceNumber": "10",
                             "endSequenceNumber": "20", "batchSize": 3},
    })  # fmt: skip
    message = failures.parse_invocation_record(body)
    assert message is not None
    assert failures.concerning([message], {"s-1": ("15", "30")}) == [message]
    assert failures.concerning([message], {"s-1": ("21", "30")}) == []


def test_batches_stay_under_the_5_mib_request_limit() -> None:
    from devtools.producer import MAX_BYTES_PER_REQUEST
    from devtools.replay.send import batches

    # GIVEN 500 records of 40 KB each (20 MB in all), unthrottled
    records = [
        PlannedRecord(i, "s", "malformed", b"x" * 40_000, "k", float("inf")) for i in range(500)
    ]
    # WHEN split into PutRecords calls
    calls = batches(records, 500)
    # THEN no call exceeds 5 MiB, none is split needlessly, and every record is sent once
    sizes = [sum(len(r.data) + len(r.partition_key) for r in call) for call in calls]
    assert max(sizes) <= MAX_BYTES_PER_REQUEST
    assert len(calls) == 4
    assert [r.index for call in calls for r in call] == list(range(500))
