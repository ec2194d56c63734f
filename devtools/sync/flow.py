"""`sync`: check that processor/ imports, then push it to the function without CloudFormation."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from devtools.deploy.cdk import STACK_NAME
from devtools.deploy.clients import AwsClients
from devtools.deploy.outputs import read_outputs_file
from devtools.errors import StackNotDeployedError, UserError
from devtools.paths import StatePaths
from devtools.sync import fingerprint, imports, package, push
from devtools.sync.fingerprint import Fingerprint, SourceRecord

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class ImportCheckError(UserError):
    """When processor/ does not import (syntax or import error): nothing was pushed."""


class NeedsDeployError(UserError):
    """When stack/ or the processor's pinned dependencies changed since the last deploy."""


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: pushed (with the new code's hash and size) or found nothing to push."""

    function_name: str
    pushed: bool
    code_sha256: str | None
    code_bytes: int
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.steps.values())


def changed_infrastructure(record: SourceRecord, now: Fingerprint) -> list[str]:
    """Which parts that only a deploy can apply changed since the last deploy."""
    changed: list[str] = []
    if now.stack != record.deployed.stack:
        changed.append("stack/ (or cdk.json)")
    if now.requirements != record.deployed.requirements:
        changed.append(str(fingerprint.REQUIREMENTS))
    return changed


def needs_deploy_message(changed: list[str]) -> str:
    return (
        f"{' and '.join(changed)} changed since the last deploy: sync pushes only processor "
        "code; run `devtools deploy` (or `devtools deploy --watch`, which does it by itself)"
    )


def sync(
    project_root: Path,
    paths: StatePaths,
    clients: AwsClients,
    *,
    force: bool = False,
) -> SyncResult:
    """Import-check processor/ and push it when it differs from what the function runs."""
    steps: dict[str, float] = {}
    began = time.monotonic()
    record = fingerprint.load(paths)
    outputs = read_outputs_file(paths.outputs)
    if record is None or outputs is None:
        raise StackNotDeployedError(
            "nothing deployed from this checkout yet (no deploy record under "
            f"{paths.root}); run `devtools deploy` first"
        )
    now = fingerprint.take(project_root)
    changed = changed_infrastructure(record, now)
    if changed:
        raise NeedsDeployError(needs_deploy_message(changed))
    function_name = outputs.function_name
    running = record.synced_processor if record.synced_since_deploy else record.deployed.processor
    if now.processor == running and not force:
        return SyncResult(function_name, pushed=False, code_sha256=record.code_sha256, code_bytes=0)

    # started before the first AWS call, so the check overlaps loading the SDK in this process
    env = record.function_env or function_env(clients.lambda_, function_name)
    pending = imports.start_check(project_root, env)
    steps["prepare"] = time.monotonic() - began

    began = time.monotonic()
    try:
        asset = package.deployed_asset(paths, STACK_NAME)
        dependencies = package.dependencies_zip(asset, paths.root / "sync")
        code = package.function_zip(dependencies, project_root / "processor")
    finally:
        steps["package"] = time.monotonic() - began
        began = time.monotonic()
        problem = pending.result()  # always reaped, also when packaging failed
        steps["import check"] = time.monotonic() - began
    if problem is not None:
        raise ImportCheckError(f"{problem} (nothing pushed)")

    began = time.monotonic()
    code_sha256 = push.push(clients.lambda_, function_name, code)
    steps["push"] = time.monotonic() - began
    fingerprint.record_sync(paths, record, now.processor, code_sha256)
    return SyncResult(function_name, True, code_sha256, len(code), steps)


def function_env(lambda_client: LambdaClient, function_name: str) -> dict[str, str]:
    """The function's environment as the Lambda runtime shows it to the handler at import."""
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    env = dict(config.get("Environment", {}).get("Variables", {}))
    # what the runtime adds; the handler builds its clients at import time
    env.setdefault("AWS_REGION", config["FunctionArn"].split(":")[3])
    env.setdefault("AWS_DEFAULT_REGION", env["AWS_REGION"])
    return env


def reverted_after_sync(previous: SourceRecord, now: Fingerprint) -> bool:
    """A deploy of the processor the last deploy had, while the function runs synced code."""
    return (
        previous.synced_since_deploy
        and previous.synced_processor != now.processor
        and previous.deployed.processor == now.processor
    )


def push_deployed_asset(paths: StatePaths, clients: AwsClients, function_name: str) -> str:
    """Push the bundled asset of the last synth as it is (its own processor/ included)."""
    asset = package.deployed_asset(paths, STACK_NAME)
    dependencies = package.dependencies_zip(asset, paths.root / "sync")
    return push.push(
        clients.lambda_, function_name, package.function_zip(dependencies, asset / "processor")
    )
