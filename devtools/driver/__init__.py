"""Kinesis event-source-mapping driver with AWS semantics, for emulators that lack them."""

from __future__ import annotations

from devtools.driver.config import MappingConfig, mapping_config
from devtools.driver.engine import Engine, EngineOptions, Ports
from devtools.driver.exceptions import (
    DestinationError,
    DriverError,
    InvalidMappingError,
    InvokeError,
    IteratorExpiredError,
    MappingNotFoundError,
    ShardGoneError,
    SupervisorError,
)
from devtools.driver.status import DriverStatus, InvocationStats, ShardStatus, is_drained, load

__all__ = [
    "DestinationError",
    "DriverError",
    "DriverStatus",
    "Engine",
    "EngineOptions",
    "InvalidMappingError",
    "InvocationStats",
    "InvokeError",
    "IteratorExpiredError",
    "MappingConfig",
    "MappingNotFoundError",
    "Ports",
    "ShardGoneError",
    "ShardStatus",
    "SupervisorError",
    "is_drained",
    "load",
    "mapping_config",
]
