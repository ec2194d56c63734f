"""The Lambda asset as built for AWS, on python3.13 with the runtime's older SDK (1.34.145)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from stack.bundling import build_asset, ensure_dependencies
from tests.integration.processor.tables import Resources
from tests.integration.processor.truth import actual_aggregates, expected
from tests.runtime_sdk import RUNTIME_SDK, ensure_runtime_sdk, python313
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

pytestmark = pytest.mark.emulator

# Runs inside python3.13 with no site-packages: the asset first, then the runtime's SDK, the
# order of Lambda's sys.path (/var/task before /var/runtime).
DRIVER = """
import json, sys
asset, sdk, event_file = sys.argv[1:4]
sys.path[:0] = [asset, sdk]
import boto3, botocore, jmespath, urllib3
from processor import handler

class Context:
    function_name = "processor"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:processor"
    aws_request_id = "req-1"
    def get_remaining_time_in_millis(self):
        return 300_000

with open(event_file) as f:
    event = json.load(f)
response = handler.lambda_handler(event, Context())
modules = {m.__name__: m.__file__ for m in (boto3, botocore, jmespath, urllib3)}
print(json.dumps({"botocore": botocore.__version__, "boto3": boto3.__version__,
                  "modules": modules, "response": response}))
"""


@pytest.fixture(scope="module")
def asset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The asset as the stack's bundling lays it out, byte-code included.

    Its compiled wheels (msgspec) are built for this machine's python3.13: Lambda's arm64 ones
    cannot load here.
    """
    folder = tmp_path_factory.mktemp("asset")
    python = python313()
    dependencies = ensure_dependencies(python=str(python), platform=())
    build_asset(folder, dependencies.path, python=python)
    return folder


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_asset_handles_a_batch_on_the_runtime_sdk(resources: Resources, asset: Path) -> None:
    # GIVEN the asset, the runtime's SDK and a batch with one poison record
    sdk = ensure_runtime_sdk()
    events = mixed_events(20)
    batch = kinesis_event(
        [kinesis_record(e, i) for i, e in enumerate(events)] + [kinesis_record("{x", 50)]
    )
    event_file = asset.parent / "event.json"
    event_file.write_text(json.dumps(batch))
    before = _files(asset)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **resources.function_env(environment="dev", log_level="WARNING"),
        "AWS_ENDPOINT_URL": resources.emulator.endpoint_url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    # WHEN python3.13 imports processor.handler and handles the batch
    run = subprocess.run(
        [str(python313()), "-I", "-S", "-c", DRIVER, str(asset), str(sdk), str(event_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    # THEN it ran on the pinned runtime SDK, and botocore's dependencies came from beside it
    pins = {p.split("==")[0]: p.split("==")[1] for p in RUNTIME_SDK}
    assert (report["boto3"], report["botocore"]) == (pins["boto3"], pins["botocore"])
    for name, file in report["modules"].items():
        assert file.startswith(str(sdk)), (name, file)
    # AND the batch was handled: no failures, the poison record quarantined, aggregates exact
    assert report["response"] == {"batchItemFailures": []}
    truth = expected(events)
    assert actual_aggregates(resources.dynamodb, resources.aggregates_table) == truth.aggregates
    # AND the shipped byte-code was used as it is: nothing compiled or rewritten in the asset
    assert _files(asset) == before


def test_asset_ships_unchecked_byte_code_for_python313(asset: Path) -> None:
    modules = [p for p in asset.rglob("*.py") if "dist-info" not in str(p)]
    assert modules
    for module in modules:
        cached = module.parent / "__pycache__" / f"{module.stem}.cpython-313.pyc"
        assert cached.is_file(), module
        # PEP 552 flags: 0b01 = hash-based, not checked against the source (the zip's mtimes
        # and the read-only /var/task then cost nothing at a cold start).
        flags = int.from_bytes(cached.read_bytes()[4:8], "little")
        assert flags == 0b01, cached
