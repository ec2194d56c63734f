"""The driver against MiniStack: real stream, real Invoke of deployed test functions, real SQS."""

from __future__ import annotations

import base64
import json
import time
from collections import defaultdict
from datetime import datetime
from typing import Any

import pytest

from devtools.driver import status as driver_status
from tests.integration.driver.conftest import PipelineFactory

pytestmark = pytest.mark.emulator


def test_delivers_every_record_once_in_order_per_key_with_parallelization(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN 2 shards, ParallelizationFactor 3, BatchSize 10, and 300 records over 12 keys
    p = pipeline("record_ok", shards=2, ParallelizationFactor=3, BatchSize=10)
    driver = run_driver(p)
    p.put([(f"user-{i % 12}", {"n": i}) for i in range(300)])
    # WHEN the driver drains the stream
    status = p.wait_drained()
    driver.close()
    # THEN every record was delivered exactly once
    delivered = p.delivered_ok()
    assert sorted(r["data"]["n"] for r in delivered) == list(range(300))
    # ... in put order per partition key
    per_key: dict[str, list[int]] = defaultdict(list)
    for record in delivered:
        per_key[record["key"]].append(record["data"]["n"])
    for values in per_key.values():
        assert values == sorted(values)
    # ... in batches of at most 10, each from one shard, in AWS's event shape
    for invocation in p.invocations():
        assert 1 <= len(invocation["records"]) <= 10
        assert len({r["shard"] for r in invocation["records"]}) == 1
        assert invocation["source"] == p.stream_arn
        assert invocation["event_keys"] == sorted(
            [
                "awsRegion",
                "eventID",
                "eventName",
                "eventSource",
                "eventSourceARN",
                "eventVersion",
                "invokeIdentityArn",
                "kinesis",
            ]
        )
    # ... and the status shows the mapping as deployed and per-shard counters
    assert status.config["ParallelizationFactor"] == 3
    assert sum(s.records_delivered for s in status.shards) == 300
    assert status.invocations.function_errors == 0


def test_poison_record_is_bisected_out_and_its_invocation_record_sent_to_sqs(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN a function raising on poison, bisect on, 1 retry, SQS on-failure destination
    p = pipeline(
        "raise_on_poison",
        BatchSize=8,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=1,
    )
    # ... and 8 records already in the stream, the 6th one poison
    answers = p.put([("k", {"n": i, "poison": i == 5}) for i in range(8)])
    # WHEN the driver runs
    driver = run_driver(p)
    status = p.wait_drained()
    driver.close()
    # THEN the seven good records were delivered, the shard moved past the poison one
    assert sorted(r["data"]["n"] for r in p.delivered_ok()) == [0, 1, 2, 3, 4, 6, 7]
    # ... and the queue got AWS's invocation record for exactly the poison record
    (message,) = p.queue_messages(1)
    poison_seq = answers[5]["SequenceNumber"]
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] >= 2
    assert message["requestContext"]["functionArn"].endswith(f":function:{p.name}")
    assert message["responseContext"]["functionError"] == "Unhandled"
    assert message["responseContext"]["statusCode"] == 200
    assert message["version"] == "1.0"
    info = message["KinesisBatchInfo"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == poison_seq
    assert info["batchSize"] == 1
    assert info["shardId"] == answers[5]["ShardId"]
    assert info["streamArn"] == p.stream_arn
    shard = status.shards[0]
    assert shard.records_to_destination == 1
    assert status.invocations.function_errors >= 4  # 8, 4, 2, 1 (+1 retry) all raised


def test_partial_batch_response_retries_from_the_lowest_failure_until_exhausted(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN ReportBatchItemFailures, 2 retries, and a function reporting record 3 of 6
    p = pipeline(
        "report_poison",
        BatchSize=6,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=2,
    )
    answers = p.put([("k", {"n": i, "poison": i == 3}) for i in range(6)])
    # WHEN the driver runs
    driver = run_driver(p)
    p.wait_drained()
    driver.close()
    # THEN the first invocation had 6 records, each retry started at the failed record
    invocations = p.invocations()
    assert [len(i["records"]) for i in invocations] == [6, 3, 3]
    # ... and after 2 retries the remaining 3 went to the destination
    (message,) = p.queue_messages(1)
    assert message["KinesisBatchInfo"]["startSequenceNumber"] == answers[3]["SequenceNumber"]
    assert message["KinesisBatchInfo"]["endSequenceNumber"] == answers[5]["SequenceNumber"]
    assert message["requestContext"]["approximateInvokeCount"] == 3
    assert message["responseContext"]["functionError"] is None


def test_batching_window_holds_a_small_batch_until_it_expires(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN a 1 s batching window and BatchSize 100
    p = pipeline("record_ok", BatchSize=100, MaximumBatchingWindowInSeconds=1)
    driver = run_driver(p)
    p.put([("warm-up", {"n": -1})])  # the function's first (cold) start is not measured
    p.wait_drained()
    # WHEN three records are put
    put_at = time.monotonic()
    p.put([("k", {"n": i}) for i in range(3)])
    p.wait_drained()
    waited = time.monotonic() - put_at
    driver.close()
    # THEN they arrive together, after about the window (not at once)
    assert [len(i["records"]) for i in p.invocations()] == [1, 3]
    assert 0.9 <= waited <= 5.0  # upper bound loose: CI machines are slow


def test_reshard_children_are_read_after_their_parent(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN a running driver that delivered records of the single shard
    p = pipeline("record_ok", BatchSize=10)
    driver = run_driver(p)
    p.put([(f"k{i}", {"n": i}) for i in range(20)])
    p.wait_drained()
    # WHEN the shard is split and records go to the children
    kinesis = p.emulator.client("kinesis")
    kinesis.split_shard(
        StreamARN=p.stream_arn,
        ShardToSplit="shardId-000000000000",
        NewStartingHashKey=str(2**127),
    )
    p.last_sequences.clear()
    answers = p.put([(f"k{i}", {"n": i}) for i in range(20, 60)])
    status = p.wait_drained()
    driver.close()
    # THEN both children were discovered and every record was delivered once
    assert {a["ShardId"] for a in answers} == {"shardId-000000000001", "shardId-000000000002"}
    assert sorted(r["data"]["n"] for r in p.delivered_ok()) == list(range(60))
    parent = status.shard("shardId-000000000000")
    assert parent is not None
    assert parent.phase == "finished"


def test_overrides_supply_settings_the_emulator_did_not_keep(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN a deployed mapping without retry limits (the emulator's BatchSize default is 10)
    p = pipeline("raise_on_poison", BatchSize=4, DestinationConfig={})
    # ... and overrides from the synthesized template
    overrides = {
        "MaximumRetryAttempts": 0,
        "DestinationConfig": {"OnFailure": {"Destination": p.queue_arn}},
    }
    p.put([("k", {"n": 0, "poison": True})])
    # WHEN the driver runs with them
    driver = run_driver(p, overrides)
    status = p.wait_drained()
    driver.close()
    # THEN they are applied (one invocation, then the queue) and reported
    assert len(p.invocations()) == 1
    assert len(p.queue_messages(1)) == 1
    assert set(status.config["Overridden"]) == {"MaximumRetryAttempts", "DestinationConfig"}


def test_a_redeployed_mapping_is_picked_up_without_losing_position(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN a running driver with BatchSize 10 that delivered 20 records
    p = pipeline("record_ok", BatchSize=10)
    driver = run_driver(p)
    p.put([("k", {"n": i}) for i in range(20)])
    p.wait_drained()
    # WHEN the mapping is updated to BatchSize 3 and more records arrive
    p.emulator.client("lambda").update_event_source_mapping(UUID=p.mapping_uuid, BatchSize=3)
    # the driver re-reads the mapping every 0.3 s here: wait until it runs with the new size
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        current = driver_status.load(p.state_dir)
        if current is not None and current.config.get("BatchSize") == 3:
            break
        time.sleep(0.05)
    p.put([("k", {"n": i}) for i in range(20, 29)])
    status = p.wait_drained()
    driver.close()
    # THEN the new records come in batches of 3, and nothing was delivered twice
    sizes = [len(i["records"]) for i in p.invocations()]
    assert sizes[-3:] == [3, 3, 3]
    assert sorted(r["data"]["n"] for r in p.delivered_ok()) == list(range(29))
    assert status.config["BatchSize"] == 3


def test_on_failure_destination_can_be_an_sns_topic(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN an SNS topic (with the queue subscribed, raw) as the on-failure destination
    p = pipeline("raise_on_poison", BatchSize=2, MaximumRetryAttempts=0, DestinationConfig={})
    sns = p.emulator.client("sns")
    topic_arn = sns.create_topic(Name=f"{p.name}-failures")["TopicArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=p.queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    p.emulator.client("lambda").update_event_source_mapping(
        UUID=p.mapping_uuid, DestinationConfig={"OnFailure": {"Destination": topic_arn}}
    )
    answers = p.put([("k", {"n": 0, "poison": True})])
    # WHEN the driver runs
    driver = run_driver(p)
    p.wait_drained()
    driver.close()
    # THEN the invocation record was published to the topic
    (message,) = p.queue_messages(1)
    assert message["KinesisBatchInfo"]["startSequenceNumber"] == answers[0]["SequenceNumber"]
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_filter_criteria_of_the_deployed_mapping_are_applied(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN a mapping whose FilterCriteria keep only purchases
    pattern = '{"data": {"eventType": ["purchase"]}}'
    p = pipeline("record_ok", FilterCriteria={"Filters": [{"Pattern": pattern}]})
    p.put([("k", {"n": i, "eventType": "purchase" if i % 3 == 0 else "click"}) for i in range(9)])
    # WHEN the driver runs
    driver = run_driver(p)
    status = p.wait_drained()
    driver.close()
    # THEN only purchases reached the function, and the stream is drained past the rest
    assert sorted(r["data"]["n"] for r in p.delivered_ok()) == [0, 3, 6]
    assert status.shards[0].records_filtered == 6


def test_stop_does_not_wait_for_a_slow_invocation_beyond_the_grace_period(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN a function that takes 4 s, and a driver with a 0.5 s shutdown grace period
    p = pipeline("record_ok", env={"SLEEP_SECONDS": "4"})
    p.put([("k", {"n": 0})])
    driver = run_driver(p, shutdown_grace_seconds=0.5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = driver_status.load(p.state_dir)
        if status is not None and status.shards and status.shards[0].pending_records:
            break
        time.sleep(0.05)
    # WHEN it is stopped while the invocation runs
    started = time.monotonic()
    driver.close()
    # THEN it stops after the grace period (well before the function's 4 s), without
    # checkpointing the unfinished batch
    assert time.monotonic() - started < 3.5
    final = driver_status.load(p.state_dir)
    assert final is not None
    assert final.state == "stopped"
    assert final.shards[0].checkpoint is None


def test_tumbling_window_from_overrides_aggregates_and_finalizes(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN a mapping the emulator keeps no TumblingWindowInSeconds for, and the override 2 s
    p = pipeline("window_sum", BatchSize=2)
    p.put([("k", {"n": n}) for n in (1, 2, 3)])
    # WHEN the driver runs past the window's end
    driver = run_driver(p, {"TumblingWindowInSeconds": 2})
    p.wait_drained()
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and not any(i["final"] for i in p.invocations()):
        time.sleep(0.1)
    driver.close()
    # THEN the state was carried between the window's invocations and handed to the final one
    invocations = p.invocations()
    finals = [i for i in invocations if i["final"]]
    assert finals
    assert sum(i["records"] for i in invocations if not i["final"]) == 3
    assert all(f["records"] == 0 for f in finals)
    assert sum(f["state_in"]["sum"] for f in finals) == 6  # (records may straddle two windows)
    assert len({f["window"]["start"] for f in finals}) == len(finals)  # one final per window


def test_on_failure_destination_can_be_an_s3_bucket(
    pipeline: PipelineFactory, run_driver: Any
) -> None:
    # GIVEN an S3 bucket as the on-failure destination (AWS's layout and content:
    # tests/conformance/recordings/kinesis_esm_on_failure.json, case s3-retries-exhausted-...)
    p = pipeline("raise_on_poison", BatchSize=1, MaximumRetryAttempts=1, DestinationConfig={})
    s3 = p.emulator.client("s3")
    bucket = f"{p.name}-failures"
    s3.create_bucket(Bucket=bucket)
    p.emulator.client("lambda").update_event_source_mapping(
        UUID=p.mapping_uuid,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:s3:::{bucket}"}},
    )
    answers = p.put([("k", {"n": 0, "poison": True})])
    # WHEN the driver runs
    driver = run_driver(p)
    p.wait_drained()
    driver.close()
    # THEN one object holds the invocation record plus the batch's event, under AWS's key layout
    (listed,) = s3.list_objects_v2(Bucket=bucket)["Contents"]
    body = json.loads(s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read())
    shard, sequence = answers[0]["ShardId"], answers[0]["SequenceNumber"]
    moment = datetime.fromisoformat(body["timestamp"])
    assert listed["Key"].startswith(
        f"aws/lambda/{p.mapping_uuid}/{shard}/{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-"
    )
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 2
    assert body["responseContext"]["functionError"] == "Unhandled"
    assert body["KinesisBatchInfo"]["startSequenceNumber"] == sequence
    (event_record,) = body["payload"]["Records"]
    assert event_record["eventID"] == f"{shard}:{sequence}"
    assert json.loads(base64.b64decode(event_record["kinesis"]["data"])) == {"n": 0, "poison": True}
