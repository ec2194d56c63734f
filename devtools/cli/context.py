"""What every command receives from the group: endpoint, region, state paths, terminal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
import click

from devtools.cli.terminal import Terminal
from devtools.paths import StatePaths

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_REGION = "us-east-1"
DEFAULT_PORT = 4566
# the emulator accepts any credentials; real keys must never reach it
DUMMY_ACCESS_KEY = "test"
DUMMY_SECRET_KEY = "test"


@dataclass(frozen=True)
class Settings:
    """Global options, resolved once by the group and shared by every command."""

    explicit_endpoint: str | None
    region: str
    paths: StatePaths
    debug: bool
    terminal: Terminal

    @property
    def endpoint_url(self) -> str:
        """`--endpoint-url`/`AWS_ENDPOINT_URL`, else the emulator `up` started, else :4566."""
        if self.explicit_endpoint:
            return self.explicit_endpoint.rstrip("/")
        try:
            recorded = json.loads(self.paths.ministack_info.read_text())
            return str(recorded["endpoint_url"])
        except (OSError, ValueError, KeyError):
            return f"http://127.0.0.1:{DEFAULT_PORT}"

    @cached_property
    def _session(self) -> boto3.Session:
        # one session for every client: each new session would reload the service models
        return boto3.Session(
            aws_access_key_id=DUMMY_ACCESS_KEY,
            aws_secret_access_key=DUMMY_SECRET_KEY,
            region_name=self.region,
        )

    def session(self) -> boto3.Session:
        return self._session

    def client(self, service: str) -> Any:
        """A boto3 client for the emulator (typed by the caller through boto3-stubs)."""
        return self._session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def aws_env(self) -> dict[str, str]:
        """Environment for a child process (CDK CLI, driver) that must talk to the emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }


pass_settings: Callable[..., Any] = click.make_pass_decorator(Settings)
