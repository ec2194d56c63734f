"""UpdateFunctionCode and wait until the function serves the new code."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from devtools.errors import DeployError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

POLL_SECONDS = 0.05
UPDATE_DEADLINE_SECONDS = 60.0


def push(lambda_client: LambdaClient, function_name: str, code: bytes) -> str:
    """Replace $LATEST's code; return its CodeSha256 once LastUpdateStatus is Successful.

    AWS keeps serving the previous code while the update is InProgress and switches when it
    is Successful ("Lambda function states", AWS Lambda developer guide), so that is the
    moment the next batch runs the new code.
    """
    updated = lambda_client.update_function_code(FunctionName=function_name, ZipFile=code)
    wait_until_updated(lambda_client, function_name, updated)
    return str(updated["CodeSha256"])


def wait_until_updated(
    lambda_client: LambdaClient,
    function_name: str,
    answer: Mapping[str, Any],
    what: str = "code update",
) -> None:
    """Poll until the update that gave `answer` is no longer InProgress; raise if it Failed."""
    deadline = time.monotonic() + UPDATE_DEADLINE_SECONDS
    status, reason = answer.get("LastUpdateStatus"), answer.get("LastUpdateStatusReason")
    while (status or "Successful") == "InProgress":
        if time.monotonic() > deadline:
            raise DeployError(
                f"{function_name}: the {what} is still InProgress after "
                f"{UPDATE_DEADLINE_SECONDS:.0f} s; check `devtools logs` and the emulator log"
            )
        time.sleep(POLL_SECONDS)
        config = lambda_client.get_function_configuration(FunctionName=function_name)
        status, reason = config.get("LastUpdateStatus"), config.get("LastUpdateStatusReason")
    if status == "Failed":
        raise DeployError(f"{function_name}: the {what} failed: {reason or 'no reason given'}")
