"""What every command receives from the group: endpoint, region, state paths, terminal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
import click

from devtools.cli.terminal import Terminal
from devtools.emulator_session import emulator_session
from devtools.paths import StatePaths

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_REGION = "us-east-1"
DEFAULT_PORT = 4566


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
        return emulator_session(self.region)

    def client(self, service: str) -> Any:
        """A boto3 client for the emulator (typed by the caller through boto3-stubs)."""
        return self._session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]


pass_settings: Callable[..., Any] = click.make_pass_decorator(Settings)
