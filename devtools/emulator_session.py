"""boto3 sessions for the emulator: its dummy credentials, never the developer's real keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import boto3

# The emulator accepts any credentials; real ones must never be sent to it.
DUMMY_ACCESS_KEY = "test"
DUMMY_SECRET_KEY = "test"  # a well-known dummy, not a secret


def emulator_session(region: str) -> boto3.Session:
    """One session for every client of a command (each new session reloads service models)."""
    import boto3  # here, not at module import: `devtools sync` forks its check before this

    return boto3.Session(
        aws_access_key_id=DUMMY_ACCESS_KEY,
        aws_secret_access_key=DUMMY_SECRET_KEY,
        region_name=region,
    )
