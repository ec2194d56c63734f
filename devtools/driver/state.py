"""Per-shard checkpoints and their atomic file store (`checkpoints.json`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from devtools.driver.files import read_json, write_json_atomic
from devtools.driver.ports import StartPosition

CHECKPOINTS_FILE = "checkpoints.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class OpenWindow:
    """A lane's tumbling window that has not had its final invocation yet."""

    start: float
    end: float
    state: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "state": self.state}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OpenWindow:
        state = data.get("state")
        return cls(
            start=float(data["start"]),
            end=float(data["end"]),
            state=dict(state) if isinstance(state, dict) else {},
        )


@dataclass(frozen=True)
class ShardCheckpoint:
    """How far one shard is done.

    `sequence`: the last record such that it and every earlier record are finished (processed
    or sent to the on-failure destination); a restart resumes AFTER it. With
    ParallelizationFactor > 1 later records may already be finished in other lanes:
    `lane_sequences` keeps each lane's last finished record so a restart skips them.
    `lane_windows` keeps each lane's open tumbling window and the state its finished records
    built, so a restart continues the window as AWS does instead of reopening it empty.
    """

    shard_id: str
    sequence: str | None = None
    start: StartPosition | None = None
    lanes: int = 1
    lane_sequences: dict[int, str] = field(default_factory=dict)
    starting_sequence: str = ""
    finished: bool = False
    lane_windows: dict[int, OpenWindow] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "laneWindows": {str(lane): w.to_json() for lane, w in self.lane_windows.items()},
            "sequence": self.sequence,
            "start": self.start.to_json() if self.start else None,
            "lanes": self.lanes,
            "laneSequences": {str(lane): seq for lane, seq in self.lane_sequences.items()},
            "startingSequence": self.starting_sequence,
            "finished": self.finished,
        }

    @classmethod
    def from_json(cls, shard_id: str, data: dict[str, Any]) -> ShardCheckpoint:
        start = data.get("start")
        return cls(
            shard_id=shard_id,
            sequence=data.get("sequence"),
            start=StartPosition.from_json(start) if isinstance(start, dict) else None,
            lanes=int(data.get("lanes", 1)),
            lane_sequences={int(k): str(v) for k, v in (data.get("laneSequences") or {}).items()},
            starting_sequence=str(data.get("startingSequence", "")),
            finished=bool(data.get("finished", False)),
            lane_windows={
                int(k): OpenWindow.from_json(v)
                for k, v in (data.get("laneWindows") or {}).items()
                if isinstance(v, dict)
            },
        )


@dataclass(frozen=True)
class Checkpoints:
    """Every shard's checkpoint for one mapping."""

    mapping_uuid: str
    shards: dict[str, ShardCheckpoint]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "mappingUuid": self.mapping_uuid,
            "shards": {sid: cp.to_json() for sid, cp in sorted(self.shards.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoints:
        return cls(
            mapping_uuid=str(data.get("mappingUuid", "")),
            shards={
                sid: ShardCheckpoint.from_json(sid, body)
                for sid, body in (data.get("shards") or {}).items()
            },
        )


class CheckpointStore(Protocol):
    """Loads and saves checkpoints; `save` must be atomic."""

    def load(self) -> Checkpoints | None: ...

    def save(self, checkpoints: Checkpoints) -> None: ...


class FileCheckpointStore:
    """`<state_dir>/checkpoints.json`, replaced atomically (temporary file + rename) on every save.

    A killed driver always finds the last saved checkpoints. `durable` adds an fsync per save
    (~12 ms here, on the hot path) for power cuts; off by default, since losing a few
    checkpoints to a power cut only means re-delivery, never loss.
    """

    def __init__(self, state_dir: Path, *, durable: bool = False) -> None:
        self.path = state_dir / CHECKPOINTS_FILE
        self.durable = durable

    def load(self) -> Checkpoints | None:
        data = read_json(self.path)
        return Checkpoints.from_json(data) if isinstance(data, dict) else None

    def save(self, checkpoints: Checkpoints) -> None:
        write_json_atomic(self.path, checkpoints.to_json(), durable=self.durable)
