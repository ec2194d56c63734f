"""The one place devtools' own commands reach the mapping driver (devtools/driver)."""

from __future__ import annotations

from devtools.driver import status as driver_status
from devtools.driver import supervisor
from devtools.driver.exceptions import DriverError
from devtools.driver.status import DriverStatus
from devtools.errors import DeployError
from devtools.paths import StatePaths


def running_pid(paths: StatePaths) -> int | None:
    return supervisor.running_pid(paths.driver_dir)


def start(paths: StatePaths, *, endpoint_url: str, region: str, mapping_uuid: str) -> int:
    """Start (or keep) the driver for the mapping; its pid."""
    try:
        return supervisor.start(paths.driver_dir, endpoint_url, region, mapping_uuid)
    except DriverError as exc:
        raise DeployError(f"the mapping driver did not start: {exc}") from exc


def stop(paths: StatePaths) -> int | None:
    """Stop the driver if it runs; the pid it had."""
    pid = running_pid(paths)
    supervisor.stop(paths.driver_dir)
    return pid


def load_status(paths: StatePaths) -> DriverStatus | None:
    return driver_status.load(paths.driver_dir)
