"""boto3 sessions for the emulator: its dummy credentials, never the developer's real keys."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from devtools.child_env import DUMMY_CREDENTIALS

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

# The emulator accepts any credentials; real ones must never be sent to it.
DUMMY_ACCESS_KEY = DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"]
DUMMY_SECRET_KEY = DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]


def client_config() -> Config:
    """Client settings for every emulator call.

    A local endpoint answers a connect at once or never: botocore's defaults (60 s connect
    timeout, legacy mode retrying a refused connection 4 times with backoff) made a command
    against a closed port take 15-35 s to fail. Standard mode keeps retrying throttling and
    5xx answers, with a bounded backoff.
    """
    from botocore.config import Config  # lazily: `devtools sync` forks its check before the SDK

    return Config(
        connect_timeout=2,
        read_timeout=60,
        retries={"mode": "standard", "total_max_attempts": 3},
    )


def emulator_session(region: str) -> boto3.Session:
    """One session for every client of a command (each new session reloads service models)."""
    import boto3  # here, not at module import: `devtools sync` forks its check before this
    import botocore.session

    # the user's profile (AWS_PROFILE, ~/.aws/config) must not shape emulator calls: a profile
    # named there but missing made every command fail, and its settings are not the emulator's;
    # these session variables drop the environment and file lookups (logical name -> config
    # key, env var, default, converter)
    core = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        }
    )
    core.set_default_client_config(client_config())
    return boto3.Session(
        aws_access_key_id=DUMMY_ACCESS_KEY,
        aws_secret_access_key=DUMMY_SECRET_KEY,
        region_name=region,
        botocore_session=core,
    )
