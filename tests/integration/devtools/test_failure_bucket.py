"""onFailureDestination=s3 on the emulator: discarded batches land in the bucket, replay reads them.

Its own emulator and one deploy (the stack name is fixed, and the session's shared deployment
must keep its SQS queue); the deploy sets no retries so a failing batch is discarded at once.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devtools.deploy import driver_link
from devtools.deploy.clients import AwsClients
from devtools.deploy.flow import DeployOptions, DeployResult, deploy
from devtools.deploy.status import collect
from devtools.driver.failure_record import S3_KEY_PREFIX
from devtools.emulator.health import probe
from devtools.paths import StatePaths, project_root
from devtools.replay import failures
from devtools.replay.run import Clients, ReplayTarget, replay
from devtools.scenarios import build, new_run_id, validate
from devtools.testing.pipeline import Pipeline
from tests.emulator import RunningEmulator, start, stop

CONTEXT = {"onFailureDestination": "s3", "maxRetryAttempts": "0"}
# The deployed handler name, answered by a function that always raises: every batch fails.
FAILING_HANDLER = "def lambda_handler(event, context):\n    raise RuntimeError('always fails')\n"
EVENTS = 3
SCENARIO = f"""version: 1
name: failure_bucket
seed: 5
traffic:
  - name: doomed
    generate: {{type: click, count: {EVENTS}}}
expect:
  stored_total: 0
  failure_queue: not_empty
"""


@dataclass(frozen=True)
class S3Stack:
    emulator: RunningEmulator
    paths: StatePaths
    result: DeployResult
    clients: AwsClients


@pytest.fixture(scope="module")
def s3_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Stack]:
    workdir = tmp_path_factory.mktemp("ministack-s3-failures")
    process, emulator = start(workdir)
    paths = StatePaths(workdir / "devtools-state")
    session = emulator.session()
    clients = AwsClients(
        lambda service: session.client(service, endpoint_url=emulator.endpoint_url)  # type: ignore[call-overload]
    )
    options = DeployOptions(
        project_root=project_root(),
        endpoint_url=emulator.endpoint_url,
        region=emulator.region,
        paths=paths,
        context=CONTEXT,
    )
    try:
        result = deploy(
            options, clients, iam_enforced=lambda: probe(emulator.endpoint_url).iam_enforced
        )
        yield S3Stack(emulator, paths, result, clients)
    finally:
        driver_link.stop(paths)
        stop(process)


def _make_every_batch_fail(stack: S3Stack) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("processor/__init__.py", "")
        archive.writestr("processor/handler.py", FAILING_HANDLER)
    lambda_ = stack.emulator.client("lambda")
    name = stack.result.outputs.function_name
    lambda_.update_function_code(FunctionName=name, ZipFile=buffer.getvalue())
    deadline = time.monotonic() + 30
    while lambda_.get_function(FunctionName=name)["Configuration"].get(
        "LastUpdateStatus", "Successful"
    ) not in ("Successful", "Failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_discarded_batches_land_in_the_bucket_and_replay_reads_them(
    s3_stack: S3Stack, tmp_path: Path
) -> None:
    # GIVEN the stack deployed with the S3 destination: a bucket, no queue, the mapping's
    # destination is the bucket
    outputs = s3_stack.result.outputs
    bucket = outputs.failure_bucket
    assert bucket
    assert "FailureQueueUrl" not in outputs.values
    mapping = s3_stack.emulator.client("lambda").get_event_source_mapping(UUID=outputs.mapping_id)
    destination_arn = f"arn:aws:s3:::{bucket}"
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == destination_arn
    verification = s3_stack.result.report
    assert verification is not None
    found = [
        f for f in verification.findings if f.setting == "DestinationConfig.OnFailure.Destination"
    ]
    assert [f.status for f in found] == ["ok"], found
    # AND a function that fails every batch
    _make_every_batch_fail(s3_stack)
    began = dt.datetime.now(dt.UTC)

    # WHEN a scenario is replayed against it
    path = tmp_path / "failure_bucket.yaml"
    path.write_text(SCENARIO)
    scenario, _, _ = validate(path)
    plan = build(scenario, new_run_id(), began)
    session = s3_stack.emulator.session()
    endpoint = s3_stack.emulator.endpoint_url
    clients = Clients.from_factory(
        lambda service: session.client(service, endpoint_url=endpoint)  # type: ignore[call-overload]
    )
    target = ReplayTarget.from_outputs(outputs, s3_stack.paths.driver_dir)
    assert target.failure_store.kind == "bucket"
    report = replay(plan, target, clients, drain_timeout=90)

    # THEN every record was discarded to the bucket exactly once, and the report says so
    assert report.drained, report
    assert report.passed, [c for c in report.checks if not c.passed]
    messages = report.observations.failure_messages
    assert sum(m.batch_size for m in messages) == EVENTS
    assert {m.condition for m in messages} == {"RetryAttemptsExhausted"}
    covered = sorted((m.shard_id, int(m.start_sequence), int(m.end_sequence)) for m in messages)
    for (shard, _, end), (next_shard, begin, _) in itertools.pairwise(covered):
        assert shard != next_shard or end < begin, covered  # no record in two objects
    # AND the objects are AWS's layout, each holding the batch's event, and stay in the bucket
    records = failures.bucket_records(s3_stack.emulator.client("s3"), bucket)
    assert len(records) == len(messages)
    for key, record in records.items():
        assert key.startswith(f"{S3_KEY_PREFIX}{outputs.mapping_id}/shardId-")
        payload: dict[str, Any] = record["payload"]
        assert len(payload["Records"]) == record["KinesisBatchInfo"]["batchSize"]
    # AND `devtools status` counts them where the queue's depth would be
    status = collect(s3_stack.paths, endpoint, s3_stack.clients)
    assert status.backlog is not None
    assert status.backlog.failure_bucket_objects == len(records)
    assert status.backlog.failure_queue_visible is None
    # AND the pytest plugin reads the same records (with their payload), and reset() empties it
    pipeline = Pipeline(s3_stack.paths, endpoint, outputs)
    assert sorted(r["KinesisBatchInfo"]["startSequenceNumber"] for r in pipeline.failures()) == (
        sorted(r["KinesisBatchInfo"]["startSequenceNumber"] for r in records.values())
    )
    pipeline.reset()
    assert pipeline.failures() == []
    assert failures.bucket_keys(s3_stack.emulator.client("s3"), bucket) == []
