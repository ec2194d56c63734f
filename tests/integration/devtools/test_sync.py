"""`sync` against the shared deployment: checked, pushed, served, checkpoints kept."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

import pytest

from devtools.deploy import driver_link
from devtools.sync import flow
from devtools.testing.checkout import copy_sources
from tests.deployed import DeployedStack

pytestmark = pytest.mark.emulator

ROOT = Path(__file__).resolve().parents[3]


def _code_sha(deployed: DeployedStack) -> str:
    config = deployed.client("lambda").get_function_configuration(
        FunctionName=deployed.outputs.function_name
    )
    return str(config["CodeSha256"])


def test_sync_checks_refuses_and_pushes(deployed: DeployedStack, tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    before = _code_sha(deployed)
    driver_pid = driver_link.running_pid(deployed.paths)

    # a syntax error: one file:line line, nothing pushed
    analytics = root / "processor" / "pipeline.py"
    original = analytics.read_text()
    analytics.write_text(original + "\nbroken = (\n")
    with pytest.raises(flow.ImportCheckError, match=r"processor/pipeline\.py:\d+: SyntaxError"):
        flow.sync(root, deployed.paths, deployed.clients())
    assert _code_sha(deployed) == before

    # a stack change: sync points to deploy
    analytics.write_text(original)
    (root / "stack" / "app.py").write_text((ROOT / "stack" / "app.py").read_text() + "\n# x\n")
    with pytest.raises(flow.NeedsDeployError, match="devtools deploy"):
        flow.sync(root, deployed.paths, deployed.clients())
    shutil.copy(ROOT / "stack" / "app.py", root / "stack" / "app.py")

    # a processor change: pushed, served by the next batch, driver and checkpoints kept
    marker = f"sync-marker-{uuid.uuid4().hex[:8]}"
    handler = root / "processor" / "handler.py"
    handler.write_text(handler.read_text() + f"\nprint({marker!r})\n")
    try:
        result = flow.sync(root, deployed.paths, deployed.clients())
        assert result.pushed
        assert result.code_sha256 == _code_sha(deployed) != before
        assert driver_link.running_pid(deployed.paths) == driver_pid
        checkpoints = json.loads((deployed.paths.driver_dir / "checkpoints.json").read_text())
        kinesis = deployed.client("kinesis")
        event_id = f"sync-{uuid.uuid4()}"
        kinesis.put_record(
            StreamName=deployed.outputs.stream_name,
            Data=json.dumps(
                {"eventId": event_id, "eventType": "click", "userId": "u", "elementId": "e"}
            ).encode(),
            PartitionKey="u",
        )
        logs = deployed.client("logs")
        deadline = time.monotonic() + 90
        found = False
        while time.monotonic() < deadline and not found:
            events = logs.filter_log_events(
                logGroupName=deployed.outputs.log_group_name, filterPattern=f'"{marker}"'
            )["events"]
            found = bool(events)
            time.sleep(0.5)
        assert found, "the new code did not serve the next batch"
        after = json.loads((deployed.paths.driver_dir / "checkpoints.json").read_text())
        # the same driver went on from its checkpoints (a restart would re-read from the start)
        assert after["mappingUuid"] == checkpoints["mappingUuid"]
        for shard, state in checkpoints["shards"].items():
            assert after["shards"][shard]["startingSequence"] == state["startingSequence"]
        # nothing to do the second time
        assert not flow.sync(root, deployed.paths, deployed.clients()).pushed
    finally:
        # the shared deployment runs the checkout's code again
        flow.sync(ROOT, deployed.paths, deployed.clients(), force=True)
