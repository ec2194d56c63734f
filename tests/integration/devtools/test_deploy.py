"""`devtools deploy` on the session emulator: outputs, verification, poller hand-over, driver,
logs, status, and a redeploy after a code change that keeps data and positions."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from devtools.cli.main import main
from devtools.deploy import driver_link
from devtools.deploy.flow import deploy
from devtools.emf import parse_lines
from devtools.emulator.process import alive
from devtools.logs import read_events
from devtools.paths import project_root
from tests.deployed import DeployedStack

pytestmark = pytest.mark.emulator

CONTRACT_OUTPUTS = {
    "StreamName",
    "StreamArn",
    "ResultsTableName",
    "AggregatesTableName",
    "QuarantineBucketName",
    "FailureQueueUrl",
    "FailureQueueArn",
    "AlarmTopicArn",
    "DashboardName",
    "ProcessorFunctionName",
    "ProcessorLogGroupName",
    "EventSourceMappingId",
    "PutRecordExample",
    "ScanExample",
}
# batching window 5 s + invocation + slack on a loaded 2-core machine
STORED_DEADLINE_SECONDS = 30.0


def _cli(deployed: DeployedStack, *args: str) -> Any:
    result = CliRunner().invoke(
        main,
        [*deployed.cli_args(), *args],
        env={"NO_COLOR": "1", "COLUMNS": "200"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def _wait(condition: Callable[[], Any], deadline: float, what: str) -> Any:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {deadline:.0f} s waiting for {what}")


def _page_view(event_id: str) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "eventType": "page_view",
        "userId": f"user-{event_id}",
        "timestamp": "2026-01-01T12:00:00Z",
        "pageUrl": "/home",
        "loadTime": 321,
        "deviceType": "mobile",
    }


def _stored(deployed: DeployedStack, event_id: str) -> bool:
    items = deployed.client("dynamodb").query(
        TableName=deployed.outputs.get("ResultsTableName"),
        KeyConditionExpression="eventId = :id",
        ExpressionAttributeValues={":id": {"S": event_id}},
    )["Items"]
    return bool(items)


def test_deploy_writes_every_contract_output(deployed: DeployedStack) -> None:
    # GIVEN the stack deployed once for the session
    outputs = deployed.outputs.values
    # THEN every output devtools and the other parts rely on exists, in the file too
    assert set(outputs) >= CONTRACT_OUTPUTS
    written = json.loads(deployed.paths.outputs.read_text())["RealTimeAnalyticsPipeline"]
    assert written == outputs
    assert (deployed.paths.cdk_out / "RealTimeAnalyticsPipeline.template.json").is_file()
    assert {s.name for s in deployed.result.steps} >= {"synth + deploy", "verify", "driver"}


def test_verification_reports_and_applies_what_the_emulator_dropped(
    deployed: DeployedStack,
) -> None:
    # GIVEN the verification report of the deploy
    report = deployed.result.report
    assert report is not None
    by_setting = {(f.resource_type, f.setting): f for f in report.findings}
    statuses: dict[str, set[str]] = {}
    for finding in report.findings:
        statuses.setdefault(finding.setting, set()).add(finding.status)

    # THEN MiniStack's CloudFormation dropped these and the API put them back
    for setting in (
        "StreamEncryption",
        "TimeToLiveSpecification",
        "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
        "ReservedConcurrentExecutions",
        "LifecycleConfiguration.Rules",
        "KmsMasterKeyId",
    ):
        assert statuses[setting] == {"applied"}, (setting, statuses[setting])
    # AND what no API can fix stays reported
    iam = by_setting[("AWS::IAM::*", "IAM policy enforcement")]
    assert (iam.status, iam.actual) == ("dropped", "not enforced (AUTH=false)")
    assert not [f for f in report.findings if f.status in ("apply-failed", "differs")]
    # AND the mapping's settings arrived intact (the driver reads them back)
    mapping = [f for f in report.findings if f.resource_type == "AWS::Lambda::EventSourceMapping"]
    assert {f.setting for f in mapping} >= {
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "StartingPosition",
        "FunctionResponseTypes",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "ParallelizationFactor",
        "DestinationConfig.OnFailure.Destination",
    }
    assert {f.status for f in mapping} == {"ok"}
    # AND the emulator now really has the applied settings
    dynamodb = deployed.client("dynamodb")
    results_table = deployed.outputs.get("ResultsTableName")
    ttl = dynamodb.describe_time_to_live(TableName=results_table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiresAt")
    pitr = dynamodb.describe_continuous_backups(TableName=results_table)
    assert (
        pitr["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
            "PointInTimeRecoveryStatus"
        ]
        == "ENABLED"
    )
    stream = deployed.client("kinesis").describe_stream_summary(
        StreamName=deployed.outputs.stream_name
    )["StreamDescriptionSummary"]
    assert (stream["EncryptionType"], stream["KeyId"]) == ("KMS", "alias/aws/kinesis")
    # AND the report is kept for `status --verification`
    saved = json.loads(deployed.paths.verification.read_text())
    assert saved["counts"] == report.counts()


def test_the_emulator_poller_is_disabled_and_the_driver_runs(deployed: DeployedStack) -> None:
    mapping = deployed.client("lambda").get_event_source_mapping(UUID=deployed.outputs.mapping_id)
    assert mapping["State"] == "Disabled"
    assert deployed.result.mapping_state == "Disabled"
    pid = driver_link.running_pid(deployed.paths)
    assert pid is not None
    assert alive(pid)
    status = driver_link.load_status(deployed.paths)
    assert status is not None
    assert status.mapping_uuid == deployed.outputs.mapping_id
    assert len(status.shards) == 2


def test_put_then_logs_show_the_invocation_and_its_emf_metrics(deployed: DeployedStack) -> None:
    # GIVEN one event put through the CLI
    event_id = f"logs-{uuid.uuid4()}"
    put = _cli(deployed, "put", json.dumps(_page_view(event_id)), "--json")
    (record,) = put["records"]
    assert record["shardId"].startswith("shardId-")
    assert record["partitionKey"] == f"user-{event_id}"
    # WHEN the driver has delivered it and the function stored it
    _wait(lambda: _stored(deployed, event_id), STORED_DEADLINE_SECONDS, f"{event_id} stored")
    # THEN the function's own log group holds the invocation, written by MiniStack
    events = read_events(deployed.client("logs"), deployed.outputs.log_group_name)
    messages = [e.message for e in events]
    assert any(m.startswith("START RequestId:") for m in messages)
    assert any(m.startswith("REPORT RequestId:") for m in messages)
    # AND its EMF lines parse into the seed's metrics
    names = {d.name for d in parse_lines(messages)}
    assert {"EventsProcessed", "PageLoadTime"} <= names
    # AND `devtools logs --metrics --json` summarizes them
    summary = _cli(deployed, "logs", "--metrics", "--json")
    processed = [
        s
        for s in summary
        if s["name"] == "EventsProcessed"
        and s["dimensions"] == {"EventType": "page_view", "DeviceType": "mobile"}
    ]
    assert processed
    assert processed[0]["sum"] >= 1
    # AND plain `devtools logs` prints level, time and message, EMF summarized
    plain = _cli(deployed, "logs", "--since", "1h")
    assert " START " in plain
    assert " EMF    EventsProcessed=" in plain
    assert '{"_aws"' not in plain
    # AND --raw prints the lines as logged
    assert "START RequestId:" in _cli(deployed, "logs", "--since", "1h", "--raw")


def test_status_shows_stack_mapping_driver_and_backlog(deployed: DeployedStack) -> None:
    status = _cli(deployed, "status", "--json")
    assert status["emulator"]["reachable"] is True
    assert status["stack"]["status"].endswith("_COMPLETE")
    assert status["stack"]["outputs"]["StreamName"] == deployed.outputs.stream_name
    assert status["mappingState"] == "Disabled"
    assert status["driver"]["pid"] == driver_link.running_pid(deployed.paths)
    shards = status["driver"]["status"]["shards"]
    assert {s["shard_id"] for s in shards} == {"shardId-000000000000", "shardId-000000000001"}
    assert isinstance(status["backlog"]["failure_queue_visible"], int)
    assert isinstance(status["backlog"]["quarantine_objects"], int)
    text = _cli(deployed, "status")
    assert "mapping driver running" in text


def _project_copy(destination: Path) -> Path:
    """The stack and processor sources in a new folder, node_modules and caches shared."""
    source = project_root()
    for folder in ("stack", "processor"):
        shutil.copytree(
            source / folder, destination / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    for name in ("cdk.json", "package.json", "package-lock.json"):
        shutil.copy2(source / name, destination / name)
    for name in ("node_modules", ".cache"):
        (destination / name).symlink_to(source / name)
    return destination


def test_redeploy_after_a_code_change_updates_the_function_and_keeps_data_and_positions(
    deployed: DeployedStack, tmp_path: Path
) -> None:
    # GIVEN a stored event and the driver's positions
    lambda_client = deployed.client("lambda")
    function_name = deployed.outputs.function_name
    before_code = lambda_client.get_function(FunctionName=function_name)["Configuration"][
        "CodeSha256"
    ]
    first_id = f"redeploy-before-{uuid.uuid4()}"
    _cli(deployed, "put", json.dumps(_page_view(first_id)))
    _wait(lambda: _stored(deployed, first_id), STORED_DEADLINE_SECONDS, "first event stored")
    driver_pid = driver_link.running_pid(deployed.paths)
    before = driver_link.load_status(deployed.paths)
    assert before is not None
    checkpoints = {s.shard_id: s.checkpoint for s in before.shards}

    # WHEN the processor code changes and deploy runs again
    root = _project_copy(tmp_path / "project")
    (root / "processor" / "_redeploy_marker.py").write_text('"""A code change."""\n')
    result = deploy(deployed.options(root), deployed.clients())

    # THEN the function has new code, same mapping, poller still off, same driver
    after_code = lambda_client.get_function(FunctionName=function_name)["Configuration"][
        "CodeSha256"
    ]
    assert after_code != before_code
    assert result.outputs.values == deployed.outputs.values
    assert result.mapping_state == "Disabled"
    assert driver_link.running_pid(deployed.paths) == driver_pid
    # AND the data and the stream positions are kept
    assert _stored(deployed, first_id)
    after = driver_link.load_status(deployed.paths)
    assert after is not None
    for shard in after.shards:
        previous = checkpoints.get(shard.shard_id)
        if previous is not None:
            assert shard.checkpoint is not None
            assert int(shard.checkpoint) >= int(previous)
    # AND settings applied by the first deploy survived the update
    assert result.report is not None
    assert not result.report.problems or {f.setting for f in result.report.problems} == {
        "IAM policy enforcement"
    }
    # AND the new code processes new events
    second_id = f"redeploy-after-{uuid.uuid4()}"
    _cli(deployed, "put", json.dumps(_page_view(second_id)))
    _wait(lambda: _stored(deployed, second_id), STORED_DEADLINE_SECONDS, "second event stored")
