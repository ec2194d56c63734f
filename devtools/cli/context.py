"""What every command receives from the group: endpoint, region, state paths, terminal."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import click

from devtools.cli.terminal import Terminal
from devtools.emulator import ownership
from devtools.emulator_session import emulator_session
from devtools.paths import StatePaths

if TYPE_CHECKING:
    from collections.abc import Callable

    import boto3

DEFAULT_REGION = "us-east-1"
DEFAULT_PORT = ownership.DEFAULT_PORT


@dataclass(frozen=True)
class Settings:
    """Global options, resolved once by the group and shared by every command."""

    explicit_endpoint: str | None
    region: str
    paths: StatePaths
    debug: bool
    terminal: Terminal

    @cached_property
    def endpoint_url(self) -> str:
        """`--endpoint-url`/`AWS_ENDPOINT_URL`, else only the emulator `up` started here.

        Raises ForeignEmulatorError (exit 1) when another process answers on our port.
        """
        return ownership.resolve(self.paths, self.explicit_endpoint).url

    @cached_property
    def _session(self) -> boto3.Session:
        return emulator_session(self.region)

    def client(self, service: str) -> Any:
        """A boto3 client for the emulator (typed by the caller through boto3-stubs)."""
        return self._session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]


pass_settings: Callable[..., Any] = click.make_pass_decorator(Settings)
