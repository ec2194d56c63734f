"""`python -m stack.app` as the CDK CLI runs it: offline, no credentials, real bundling."""

from __future__ import annotations

import json
from pathlib import Path

from stack.app import CONTEXT_ENV, CONTEXT_OVERFLOW_ENV, cli_context
from stack.bundling import PROJECT_ROOT
from tests.stack.conftest import STACK_ID, AppRun, asset_dir, run_app


def test_synth_needs_no_credentials_and_no_network(offline_synth: AppRun) -> None:
    # GIVEN no AWS variables, a HOME without ~/.aws, and no reachable network
    # THEN the app synthesizes the stack (cdk-nag gate included) and says nothing on stdout
    assert offline_synth.returncode == 0, offline_synth.stderr
    template = json.loads((offline_synth.outdir / f"{STACK_ID}.template.json").read_text())
    assert len(template["Resources"]) > 20
    # No context lookup was needed (it would have required credentials and AWS calls).
    manifest = json.loads((offline_synth.outdir / "manifest.json").read_text())
    assert "missing" not in manifest


def test_asset_holds_the_processor_and_its_dependencies(offline_synth: AppRun) -> None:
    # GIVEN the asset CDK will zip and upload for the function
    asset = asset_dir(offline_synth)
    # THEN the processor package sits at the root beside Powertools
    assert (asset / "processor" / "__init__.py").is_file()
    assert (asset / "processor" / "requirements.txt").is_file()
    assert (asset / "aws_lambda_powertools" / "__init__.py").is_file()
    assert (asset / "aws_xray_sdk").is_dir()  # from the [tracer] extra
    # ... built for the function's platform, without what the runtime provides, without caches
    assert list(asset.glob("wrapt/*cpython-313-aarch64-linux-gnu.so"))
    # (the runtime's SDK and its whole dependency closure stay out: stack/bundling.py)
    for provided in ("boto3", "botocore", "s3transfer", "urllib3", "jmespath", "dateutil"):
        assert not (asset / provided).exists(), provided
    assert not (asset / "six.py").exists()
    # ... and byte-code only for the runtime's Python
    assert {p.name.split(".")[1] for p in asset.rglob("*.pyc")} <= {"cpython-313"}
    if (PROJECT_ROOT / "processor" / "handler.py").exists():
        assert (asset / "processor" / "handler.py").is_file()


def test_function_code_is_that_asset(offline_synth: AppRun) -> None:
    template = json.loads((offline_synth.outdir / f"{STACK_ID}.template.json").read_text())
    (function,) = (
        r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
    )
    asset_hash = asset_dir(offline_synth).name.removeprefix("asset.")
    assert function["Properties"]["Code"]["S3Key"] == f"{asset_hash}.zip"


def test_invalid_context_is_one_line_and_exit_1(tmp_path: Path) -> None:
    # GIVEN a batch size of 0 passed the way `cdk synth -c lambdaBatchSize=0` passes it
    run = run_app(tmp_path, {"lambdaBatchSize": "0"})
    # THEN exit 1 with one line naming option, value and range, and no stack trace
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: invalid context lambdaBatchSize='0': expected an integer from 1 to 10000 "
        "(records, default 100)"
    ]
    assert "Traceback" not in run.stderr
    assert not (run.outdir / f"{STACK_ID}.template.json").exists()


def test_cli_context_reads_the_env_and_the_overflow_file(tmp_path: Path) -> None:
    # GIVEN context split by the CDK CLI between the variable and an overflow file
    overflow = tmp_path / "context-overflow.json"
    overflow.write_text(json.dumps({"lambdaTimeout": 3}))
    environ = {
        CONTEXT_ENV: json.dumps({"kinesisShardCount": "4"}),
        CONTEXT_OVERFLOW_ENV: str(overflow),
    }
    # WHEN read THEN both parts are there, as App would see them
    assert cli_context(environ) == {"kinesisShardCount": "4", "lambdaTimeout": 3}
    assert cli_context({}) == {}
