"""Synthesis helpers for the stack tests: few synths, bundling skipped unless a test needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from stack.app import build_app
from stack.bundling import PROJECT_ROOT, ensure_dependencies
from stack.pipeline_stack import RealTimeAnalyticsPipeline

# CDK's own switch: no stack is bundled, so template tests never run pip or copy the asset.
SKIP_BUNDLING: Mapping[str, Any] = {"aws:cdk:bundling-stacks": []}


@dataclass(frozen=True)
class Synthesized:
    """A built app, its stack, and the stack's template."""

    app: App
    stack: RealTimeAnalyticsPipeline
    template: Template

    def resources(self, resource_type: str) -> dict[str, Any]:
        return dict(self.template.find_resources(resource_type))

    def logical_id(self, resource_type: str, prefix: str) -> str:
        """The one logical id of `resource_type` starting with `prefix` (CDK appends a hash)."""
        ids = [i for i in self.resources(resource_type) if i.startswith(prefix)]
        assert len(ids) == 1, ids
        return ids[0]


def synthesize(outdir: Path, context: Mapping[str, Any] | None = None) -> Synthesized:
    """Build the app like `python -m stack.app` does, with `context`, into `outdir`."""
    app = App(outdir=str(outdir), context={**SKIP_BUNDLING, **(context or {})})
    stack = build_app(app, context_keys=list(context or {}))
    return Synthesized(app, stack, Template.from_stack(stack))


@pytest.fixture(scope="session")
def default_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack with every option at its default; read-only, so one synth serves all modules."""
    return synthesize(tmp_path_factory.mktemp("cdk-out"))


STACK_ID = "RealTimeAnalyticsPipeline"
# Any HTTP(S) call from the app would go to a port nobody listens on.
DEAD_PROXY = "http://127.0.0.1:9"


@dataclass(frozen=True)
class AppRun:
    """One run of the app: exit code, output, and where it synthesized."""

    returncode: int
    stdout: str
    stderr: str
    outdir: Path


def run_app(tmp: Path, context: dict[str, object] | None = None) -> AppRun:
    """Run the CDK app in a child with no AWS_* variables, a bogus HOME and dead proxies."""
    outdir = tmp / "cdk.out"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp / "no-such-home"),
        "CDK_OUTDIR": str(outdir),
        "HTTP_PROXY": DEAD_PROXY,
        "HTTPS_PROXY": DEAD_PROXY,
        # jsii matches this against the Node major version; several are harmless.
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20,21,23",
    }
    if context is not None:
        env["CDK_CONTEXT_JSON"] = json.dumps(context)
    assert not [k for k in env if k.startswith("AWS_")]
    result = subprocess.run(
        [sys.executable, "-m", "stack.app"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return AppRun(result.returncode, result.stdout, result.stderr, outdir)


@pytest.fixture(scope="session")
def offline_synth(tmp_path_factory: pytest.TempPathFactory) -> AppRun:
    """A full synth (bundling and cdk-nag included) with no credentials and no network."""
    # The one step allowed to use the network: filling the dependency cache on a fresh clone.
    ensure_dependencies()
    return run_app(tmp_path_factory.mktemp("offline"))


def asset_dir(run: AppRun) -> Path:
    """The folder CDK zips into the function's code asset."""
    manifest = json.loads((run.outdir / f"{STACK_ID}.assets.json").read_text())
    zipped = [f for f in manifest["files"].values() if f["source"].get("packaging") == "zip"]
    assert len(zipped) == 1, zipped
    return run.outdir / str(zipped[0]["source"]["path"])


# The stack with its discarded batches going to an S3 bucket instead of the SQS queue.
S3_FAILURE_CONTEXT: Mapping[str, Any] = {"onFailureDestination": "s3"}


@pytest.fixture(scope="session")
def s3_failure_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack with `onFailureDestination=s3`; read-only, shared like `default_stack`."""
    return synthesize(tmp_path_factory.mktemp("cdk-out-s3-failure"), S3_FAILURE_CONTEXT)
