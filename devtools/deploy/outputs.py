"""The deployed stack's outputs (contract ids), from `--outputs-file` or CloudFormation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from devtools.deploy.cdk import STACK_NAME
from devtools.errors import StackNotDeployedError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient


@dataclass(frozen=True)
class StackOutputs:
    """The stack's CfnOutputs by id (docs/contracts.md); accessors for the ones devtools uses."""

    values: dict[str, str]

    def get(self, key: str) -> str:
        try:
            return self.values[key]
        except KeyError:
            raise StackNotDeployedError(
                f"the deployed stack has no output {key!r}; redeploy with `devtools deploy`"
            ) from None

    @property
    def stream_name(self) -> str:
        return self.get("StreamName")

    @property
    def stream_arn(self) -> str:
        return self.get("StreamArn")

    @property
    def function_name(self) -> str:
        return self.get("ProcessorFunctionName")

    @property
    def log_group_name(self) -> str:
        return self.get("ProcessorLogGroupName")

    @property
    def mapping_id(self) -> str:
        return self.get("EventSourceMappingId")

    @property
    def failure_queue_url(self) -> str:
        return self.get("FailureQueueUrl")

    @property
    def failure_bucket(self) -> str | None:
        """The on-failure bucket (onFailureDestination=s3), or None when the queue is used."""
        return self.values.get("FailureBucketName")

    @property
    def quarantine_bucket(self) -> str:
        return self.get("QuarantineBucketName")


def read_outputs_file(path: Path, stack_name: str = STACK_NAME) -> StackOutputs | None:
    """The outputs `cdk deploy --outputs-file` wrote, or None when absent or unreadable."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    stack = raw.get(stack_name) if isinstance(raw, dict) else None
    if not isinstance(stack, dict):
        return None
    return StackOutputs({str(k): str(v) for k, v in stack.items()})


def describe_outputs(
    cloudformation: CloudFormationClient, stack_name: str = STACK_NAME
) -> StackOutputs | None:
    """The outputs as CloudFormation reports them, or None when the stack does not exist."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    if not stacks or stacks[0]["StackStatus"].startswith("DELETE_COMPLETE"):
        return None
    return StackOutputs(
        {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) if "OutputKey" in o}
    )


def require_outputs(
    outputs_file: Path, cloudformation: CloudFormationClient | None = None
) -> StackOutputs:
    """The stack's outputs: CloudFormation's when it answers (authoritative), else the file.

    Raises StackNotDeployedError when neither knows the stack.
    """
    found: StackOutputs | None = None
    if cloudformation is not None:
        try:
            found = describe_outputs(cloudformation)
        except BotoCoreError:
            found = read_outputs_file(outputs_file)
            if found is None:
                raise  # unreachable or not an emulator: say that, not "not deployed"
    else:
        found = read_outputs_file(outputs_file)
    if found is None:
        raise StackNotDeployedError(
            f"stack {STACK_NAME} is not deployed here; run `devtools deploy` first"
        )
    return found
