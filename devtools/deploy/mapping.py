"""Hand the Kinesis mapping over from the emulator's own poller to the devtools driver."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from devtools.errors import DeployError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

DISABLE_DEADLINE_SECONDS = 5.0


def disable_emulator_poller(lambda_client: LambdaClient, mapping_uuid: str) -> str:
    """Set Enabled=False so MiniStack's `_poll_kinesis` skips the mapping; its final State.

    MiniStack's poller drops failed records (it ignores batchItemFailures) and retries a
    raising handler forever; its loop checks `esm.get("Enabled", True)` on every pass and
    `continue`s for a disabled mapping, so after this call only the driver invokes the function.
    The driver reads the mapping's settings with GetEventSourceMapping, which keeps working.
    """
    lambda_client.update_event_source_mapping(UUID=mapping_uuid, Enabled=False)
    deadline = time.monotonic() + DISABLE_DEADLINE_SECONDS
    state = ""
    while time.monotonic() < deadline:
        state = lambda_client.get_event_source_mapping(UUID=mapping_uuid).get("State", "")
        if state == "Disabled":
            return state
        time.sleep(0.1)
    raise DeployError(
        f"event source mapping {mapping_uuid} did not reach State=Disabled (it is {state!r}); "
        "the emulator's own poller would keep consuming the stream"
    )
