"""The driver's observable state (`status.json`): per shard, invocations, for status and alarms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from devtools.driver.files import read_json, write_json_atomic

STATUS_FILE = "status.json"


@dataclass(frozen=True)
class ShardStatus:
    """One shard: position, lag, last result and counters."""

    shard_id: str
    phase: str  # waiting (for parents) | active | closed (draining) | finished
    parent_ids: tuple[str, ...] = ()
    checkpoint: str | None = None
    latest_sequence: str | None = None  # highest sequence number read from the shard
    millis_behind_latest: int = 0  # GetRecords' MillisBehindLatest
    iterator_age_ms: int = 0  # max(MillisBehindLatest, age of the oldest unfinished record)
    last_result: str = "No records processed"
    invocations: int = 0
    failures: int = 0  # invocations that did not succeed (function error, partial, invoke error)
    records_delivered: int = 0  # records finished successfully
    records_to_destination: int = 0  # records sent to the on-failure destination
    records_discarded: int = 0  # records dropped with no on-failure destination configured
    records_filtered: int = 0  # records FilterCriteria kept from the function
    pending_records: int = 0  # read but not finished

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ShardStatus:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["parent_ids"] = tuple(known.get("parent_ids") or ())
        return cls(**known)


@dataclass(frozen=True)
class InvocationStats:
    """Mapping-wide invocation figures: enough to say whether the Lambda alarms would fire."""

    invocations: int = 0
    function_errors: int = 0  # Invoke answered with FunctionError (the "Lambda errors" alarm)
    invoke_errors: int = 0  # Invoke itself failed (throttle, 5xx, connection)
    duration_ms_max: float = 0.0
    duration_ms_p50: float = 0.0
    duration_ms_p95: float = 0.0
    recent_durations_ms: tuple[float, ...] = ()  # the last few hundred invocations

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InvocationStats:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["recent_durations_ms"] = tuple(known.get("recent_durations_ms") or ())
        return cls(**known)


@dataclass(frozen=True)
class DriverStatus:
    """Everything `status.json` holds."""

    mapping_uuid: str
    function_arn: str
    stream_arn: str
    state: str  # starting | running | stopped | failed
    pid: int
    started_at: float
    updated_at: float
    function_timeout_seconds: float | None = None
    config: dict[str, Any] = field(default_factory=dict)
    shards: tuple[ShardStatus, ...] = ()
    invocations: InvocationStats = field(default_factory=InvocationStats)
    last_error: str | None = None
    last_error_at: float | None = None  # epoch seconds: tells a stale error from a current one

    def shard(self, shard_id: str) -> ShardStatus | None:
        return next((s for s in self.shards if s.shard_id == shard_id), None)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DriverStatus:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["shards"] = tuple(ShardStatus.from_json(s) for s in known.get("shards") or ())
        known["invocations"] = InvocationStats.from_json(known.get("invocations") or {})
        return cls(**known)


def load(state_dir: Path) -> DriverStatus | None:
    """The last status the driver wrote under `state_dir`, or None when there is none."""
    data = read_json(Path(state_dir) / STATUS_FILE)
    if not isinstance(data, dict):
        return None
    try:
        return DriverStatus.from_json(data)
    except (TypeError, ValueError):
        return None


def is_drained(status: DriverStatus | None, last_sequences: Mapping[str, str]) -> bool:
    """Whether every shard's checkpoint has reached the given sequence numbers.

    `last_sequences` maps shard id to the highest sequence number put (PutRecords' answer).
    Sequence numbers are compared as integers. A shard the driver finished (closed parent)
    counts as drained.
    """
    if status is None:
        return False
    for shard_id, sequence in last_sequences.items():
        shard = status.shard(shard_id)
        if shard is None:
            return False
        if shard.phase == "finished":
            continue
        if shard.checkpoint is None or int(shard.checkpoint) < int(sequence):
            return False
    return True


class FileStatusSink:
    """Writes `<state_dir>/status.json` atomically."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / STATUS_FILE

    def write(self, status: DriverStatus) -> None:
        # Status is rebuilt from the engine after a restart: no fsync needed on the hot path.
        write_json_atomic(self.path, status.to_json(), durable=False)
