"""`deploy` and `destroy` end to end: CDK CLI, verification, poller hand-over, driver."""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from devtools.deploy import driver_link
from devtools.deploy.apply import apply_fixes, merge
from devtools.deploy.cdk import (
    STACK_NAME,
    TOOLKIT_STACK_NAME,
    CdkRun,
    CdkTarget,
    bootstrap_args,
    deploy_args,
    destroy_args,
    failure_message,
    run_cdk,
)
from devtools.deploy.clients import AwsClients
from devtools.deploy.findings import VerificationReport
from devtools.deploy.mapping import disable_emulator_poller
from devtools.deploy.outputs import StackOutputs, describe_outputs, read_outputs_file
from devtools.deploy.verify import load_template, verify
from devtools.emulator.health import probe
from devtools.emulator.lifecycle import running_record
from devtools.errors import DeployError, EmulatorNotRunningError
from devtools.paths import StatePaths
from devtools.sync import fingerprint
from devtools.sync import flow as sync_flow


class Progress(Protocol):
    """Receives progress; the CLI renders it, tests may ignore it."""

    def step(self, name: str) -> None: ...

    def detail(self, line: str) -> None: ...


class NoProgress:
    def step(self, name: str) -> None:
        pass

    def detail(self, line: str) -> None:
        pass


@dataclass(frozen=True)
class DeployOptions:
    """What `deploy` needs; built by the CLI from the global options."""

    project_root: Path
    endpoint_url: str
    region: str
    paths: StatePaths
    verify: bool = True
    start_driver: bool = True
    context: dict[str, str] = field(default_factory=dict)

    def target(self) -> CdkTarget:
        return CdkTarget(
            project_root=self.project_root,
            endpoint_url=self.endpoint_url,
            region=self.region,
            paths=self.paths,
            context=self.context,
        )


@dataclass(frozen=True)
class StepTiming:
    name: str
    seconds: float


@dataclass(frozen=True)
class DeployResult:
    """What `deploy` did: outputs, the verification report, the driver it started, timings."""

    outputs: StackOutputs
    report: VerificationReport | None
    bootstrapped: bool
    mapping_state: str | None
    driver_pid: int | None
    steps: tuple[StepTiming, ...]

    @property
    def total_seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    def seconds(self, name: str) -> float:
        return sum(step.seconds for step in self.steps if step.name == name)


@dataclass(frozen=True)
class DestroyResult:
    driver_pid: int | None
    destroyed: bool
    seconds: float


class _Timer:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.steps: list[StepTiming] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.progress.step(name)
        began = time.monotonic()
        try:
            yield
        finally:
            self.steps.append(StepTiming(name, time.monotonic() - began))


def _require_emulator(endpoint_url: str) -> None:
    if not probe(endpoint_url).reachable:
        raise EmulatorNotRunningError(
            f"no emulator answers at {endpoint_url}; run `devtools up` (or pass --endpoint-url)"
        )


def _stack_exists(clients: AwsClients, name: str) -> bool:
    try:
        stacks = clients.cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError:
        return False
    return bool(stacks) and stacks[0]["StackStatus"] != "DELETE_COMPLETE"


def _run_logged(
    target: CdkTarget,
    args: list[str],
    what: str,
    log_name: str,
    progress: Progress,
    *,
    without_app: bool = False,
) -> CdkRun:
    run = run_cdk(target, args, on_line=progress.detail, without_app=without_app)
    log_path = target.paths.root / log_name
    log_path.write_text(run.output)
    if run.returncode != 0:
        raise DeployError(failure_message(run, what, log_path))
    return run


def deploy(
    options: DeployOptions,
    clients: AwsClients,
    progress: Progress | None = None,
    *,
    iam_enforced: Callable[[], bool | None] | None = None,
) -> DeployResult:
    """Bootstrap if needed, `cdk deploy`, verify + apply dropped settings, hand over to driver."""
    progress = progress or NoProgress()
    timer = _Timer(progress)
    options.paths.root.mkdir(parents=True, exist_ok=True)
    _require_emulator(options.endpoint_url)
    target = options.target()

    bootstrapped = False
    if not _stack_exists(clients, TOOLKIT_STACK_NAME):
        with timer.step("bootstrap"):
            _run_logged(
                target,
                bootstrap_args(target),
                "bootstrap",
                "cdk-bootstrap.log",
                progress,
                without_app=True,
            )
        bootstrapped = True

    with timer.step("synth + deploy"):
        # taken before the synth: an edit saved during the deploy is not in what was deployed
        source = fingerprint.take(options.project_root)
        previous = fingerprint.load(options.paths)
        _run_logged(target, deploy_args(target), "deploy", "cdk-deploy.log", progress)
    outputs = read_outputs_file(options.paths.outputs) or describe_outputs(clients.cloudformation)
    if outputs is None:
        raise DeployError(f"cdk deploy succeeded but wrote no outputs to {options.paths.outputs}")
    if previous is not None and sync_flow.reverted_after_sync(previous, source):
        # the asset is unchanged for CloudFormation, which therefore left the synced code
        with timer.step("restore code"):
            sync_flow.push_deployed_asset(options.paths, clients, outputs.function_name)
    fingerprint.record_deploy(
        options.paths, source, sync_flow.function_env(clients.lambda_, outputs.function_name)
    )

    report: VerificationReport | None = None
    if options.verify:
        with timer.step("verify"):
            report = verify_and_apply(
                clients,
                options.paths.cdk_out / f"{STACK_NAME}.template.json",
                region=options.region,
                iam_enforced=iam_enforced() if iam_enforced else None,
                executed_runtime=_embedded_runtime(options),
            )
            options.paths.verification.write_text(report.dumps())

    mapping_state: str | None = None
    driver_pid: int | None = None
    if options.start_driver:
        with timer.step("driver"):
            mapping_state = disable_emulator_poller(clients.lambda_, outputs.mapping_id)
            driver_pid = driver_link.start(
                options.paths,
                endpoint_url=options.endpoint_url,
                region=options.region,
                mapping_uuid=outputs.mapping_id,
            )
    return DeployResult(
        outputs=outputs,
        report=report,
        bootstrapped=bootstrapped,
        mapping_state=mapping_state,
        driver_pid=driver_pid,
        steps=tuple(timer.steps),
    )


def _embedded_runtime(options: DeployOptions) -> str | None:
    """The interpreter functions run on, when the emulator is the one `up` started from here."""
    record = running_record(options.paths)
    if record is None or record.endpoint_url != options.endpoint_url.rstrip("/"):
        return None
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"host python{version} ({platform.machine()})"


def verify_and_apply(
    clients: AwsClients,
    template_path: Path,
    *,
    region: str,
    iam_enforced: bool | None = None,
    executed_runtime: str | None = None,
) -> VerificationReport:
    """Compare, apply what the API allows, compare again; the merged report."""
    try:
        template = load_template(template_path)
    except (OSError, ValueError) as exc:
        raise DeployError(f"cannot read the synthesized template {template_path}: {exc}") from exc
    try:

        def check() -> VerificationReport:
            return verify(
                clients,
                template,
                stack_name=STACK_NAME,
                region=region,
                iam_enforced=iam_enforced,
                executed_runtime=executed_runtime,
            )

        before = check()
        errors = apply_fixes(clients, before)
        after = check()
    except (ClientError, BotoCoreError) as exc:
        raise DeployError(f"verification against the emulator failed: {exc}") from exc
    return merge(before, after, errors)


def destroy(
    options: DeployOptions, clients: AwsClients, progress: Progress | None = None
) -> DestroyResult:
    """Stop the driver, `cdk destroy`, forget the outputs."""
    progress = progress or NoProgress()
    began = time.monotonic()
    progress.step("stop driver")
    driver_pid = driver_link.stop(options.paths)
    _require_emulator(options.endpoint_url)
    destroyed = False
    if _stack_exists(clients, STACK_NAME):
        progress.step("cdk destroy")
        target = options.target()
        _run_logged(target, destroy_args(target), "destroy", "cdk-destroy.log", progress)
        destroyed = True
    for stale in (options.paths.outputs, options.paths.verification):
        stale.unlink(missing_ok=True)
    fingerprint.forget(options.paths)
    return DestroyResult(driver_pid, destroyed, time.monotonic() - began)


@dataclass(frozen=True)
class ResumeResult:
    """What `up` did about a stack deployed before the emulator restarted."""

    mapping_id: str
    mapping_state: str
    driver_pid: int


def resume_driver(
    paths: StatePaths, *, endpoint_url: str, region: str, clients: AwsClients
) -> ResumeResult | None:
    """After a restart with persisted state: keep the poller off and start the driver again.

    None when nothing was deployed here (no outputs, or the mapping no longer exists).
    """
    outputs = read_outputs_file(paths.outputs)
    if outputs is None or "EventSourceMappingId" not in outputs.values:
        return None
    try:
        clients.lambda_.get_event_source_mapping(UUID=outputs.mapping_id)
    except ClientError:
        return None  # state was wiped, or the stack destroyed behind our back
    state = disable_emulator_poller(clients.lambda_, outputs.mapping_id)
    pid = driver_link.start(
        paths, endpoint_url=endpoint_url, region=region, mapping_uuid=outputs.mapping_id
    )
    return ResumeResult(outputs.mapping_id, state, pid)


def load_report(paths: StatePaths) -> VerificationReport | None:
    """The report the last deploy wrote, for `status`."""
    import json

    from devtools.deploy.findings import Finding

    try:
        raw: dict[str, Any] = json.loads(paths.verification.read_text())
    except (OSError, ValueError):
        return None
    return VerificationReport(tuple(Finding(**item) for item in raw.get("findings", [])))
