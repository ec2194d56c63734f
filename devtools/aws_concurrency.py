"""Before `make aws-deploy`: would the function's reserved concurrency fit the account's pool?"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from stack.config import config_from_mapping
from stack.errors import ConfigError

# Lambda refuses a reservation that leaves fewer than 100 unreserved concurrent executions in
# the account and region (Lambda Developer Guide, "Configuring reserved concurrency"), so the
# deploy fails late, in CloudFormation, after a rollback.
MIN_UNRESERVED = 100
STACK_NAME = "RealTimeAnalyticsPipeline"
FUNCTION_PREFIX = "ProcessorFunction"
CONTEXT_FILES = ("cdk.json", "cdk.context.json")


@dataclass(frozen=True)
class AccountConcurrency:
    """What GetAccountSettings reports, plus this stack's current reservation (0 when none)."""

    limit: int
    unreserved: int
    current_reservation: int = 0


def reservation_problem(requested: int, account: AccountConcurrency) -> str | None:
    """One line saying why `requested` reserved executions cannot be granted; None if they can.

    Updating the stack frees the function's current reservation first, so it counts as free.
    """
    if requested == 0:
        return None
    available = account.unreserved + account.current_reservation
    left = available - requested
    if left >= MIN_UNRESERVED:
        return None
    fits = available - MIN_UNRESERVED
    largest = f"at most {fits}" if fits > 0 else "none"
    return (
        f"lambdaReservedConcurrency={requested} would leave {left} unreserved concurrent "
        f"executions in this account and region (Lambda keeps at least {MIN_UNRESERVED}; account "
        f"limit {account.limit}, unreserved now {account.unreserved}): deploy with "
        f"-c lambdaReservedConcurrency=0 (no reservation; {largest} would fit), or ask AWS "
        "Service Quotas for a higher concurrency limit"
    )


def deploy_context(project_dir: Path, overrides: Sequence[str]) -> dict[str, Any]:
    """The context the CDK CLI passes the app: cdk.json, cdk.context.json, then `-c k=v`."""
    context: dict[str, Any] = {}
    for name in CONTEXT_FILES:
        path = project_dir / name
        if not path.exists():
            continue
        try:
            loaded = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read the CDK context ({exc})") from exc
        # cdk.json nests it under "context"; cdk.context.json is the context itself.
        section = loaded.get("context", {}) if name == "cdk.json" else loaded
        if isinstance(section, dict):
            context.update(section)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"context override {item!r}: expected key=value")
        context[key] = value
    return context


def requested_reservation(context: Mapping[str, Any]) -> int:
    """The reserved concurrency the app will synthesize for this context (validated)."""
    return config_from_mapping(context).lambda_reserved_concurrency


def read_account(lambda_client: Any, cloudformation: Any) -> AccountConcurrency:
    """GetAccountSettings, and the deployed function's reservation when the stack exists."""
    limits = lambda_client.get_account_settings()["AccountLimit"]
    current = 0
    try:
        pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=STACK_NAME)
        functions = [
            r["PhysicalResourceId"]
            for page in pages
            for r in page["StackResourceSummaries"]
            if r["ResourceType"] == "AWS::Lambda::Function"
            and r["LogicalResourceId"].startswith(FUNCTION_PREFIX)
            and r.get("PhysicalResourceId")
        ]
        for name in functions:
            answer = lambda_client.get_function_concurrency(FunctionName=name)
            current += int(answer.get("ReservedConcurrentExecutions") or 0)
    except (ClientError, BotoCoreError):
        current = 0  # no stack yet (or not readable): nothing is reserved by it
    return AccountConcurrency(
        limit=int(limits["ConcurrentExecutions"]),
        unreserved=int(limits["UnreservedConcurrentExecutions"]),
        current_reservation=current,
    )
