"""Which emulator devtools may use: the one this checkout started, or one named explicitly."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from devtools.emulator import process
from devtools.emulator.health import probe
from devtools.emulator.lifecycle import BIND_HOST, read_record, running_record
from devtools.errors import UserError
from devtools.paths import StatePaths

DEFAULT_PORT = 4566
# Survives `down` (which forgets the running record), so the next `up` returns to the same port.
_PORT_FILE = "port"


class ForeignEmulatorError(UserError):
    """When the port devtools would use answers, but not with an emulator this checkout started."""


@dataclass(frozen=True)
class Endpoint:
    """The endpoint commands talk to, and whether the user named it or `up` started it here."""

    url: str
    explicit: bool
    owned: bool


def preferred_port(paths: StatePaths) -> int:
    """The running emulator's port, else the port of the last `up` here, else 4566."""
    record = read_record(paths)
    if record is not None:
        return record.port
    with contextlib.suppress(OSError, ValueError):
        return int((paths.ministack_dir / _PORT_FILE).read_text().strip())
    return DEFAULT_PORT


def remember_port(paths: StatePaths, port: int) -> None:
    paths.ministack_dir.mkdir(parents=True, exist_ok=True)
    (paths.ministack_dir / _PORT_FILE).write_text(f"{port}\n")


def resolve(paths: StatePaths, explicit: str | None) -> Endpoint:
    """The endpoint to use; never a process on the port that this checkout did not start.

    Raises ForeignEmulatorError when something else listens where our emulator would be.
    Nothing listening is fine: commands that need the emulator say `devtools up` themselves.
    """
    if explicit:
        return Endpoint(explicit.rstrip("/"), explicit=True, owned=False)
    record = running_record(paths)
    if record is not None:
        return Endpoint(record.endpoint_url, explicit=False, owned=True)
    port = preferred_port(paths)
    url = f"http://{BIND_HOST}:{port}"
    if process.port_in_use(BIND_HOST, port):
        raise ForeignEmulatorError(foreign_message(url, port))
    return Endpoint(url, explicit=False, owned=False)


def foreign_message(url: str, port: int) -> str:
    """One line: what answered, and the two ways on."""
    return (
        f"{url} is answered by {describe_listener(url)} that this checkout did not start; "
        f"use it on purpose with --endpoint-url {url} (or AWS_ENDPOINT_URL), or start ours "
        f"elsewhere with `devtools up --port <free port>` (e.g. {port + 1})"
    )


def describe_listener(url: str) -> str:
    health = probe(url)
    if not health.reachable:
        return "a process that is not a LocalStack-compatible emulator"
    # MiniStack reports edition "light"/"full"; LocalStack "community"/"pro"/"enterprise"
    localstack = (health.edition or "").lower() in ("community", "pro", "enterprise")
    name = "LocalStack" if localstack else "MiniStack"
    return f"{name} {health.version}" if health.version else f"a {name} emulator"
