"""Checkpoint and status files: atomic writes, round trips, drain check."""

from __future__ import annotations

from pathlib import Path

from devtools.driver import status as status_module
from devtools.driver.failure_record import iso_millis
from devtools.driver.ports import StartPosition
from devtools.driver.state import Checkpoints, FileCheckpointStore, ShardCheckpoint
from devtools.driver.status import DriverStatus, FileStatusSink, ShardStatus, is_drained


def _status(*shards: ShardStatus) -> DriverStatus:
    return DriverStatus(
        mapping_uuid="u",
        function_arn="f",
        stream_arn="s",
        state="running",
        pid=1,
        started_at=0.0,
        updated_at=0.0,
        shards=shards,
    )


def test_checkpoints_round_trip_through_the_file(tmp_path: Path) -> None:
    # GIVEN checkpoints with a sequence, a start position and lane sequences
    store = FileCheckpointStore(tmp_path)
    saved = Checkpoints(
        "u",
        {
            "shardId-000000000000": ShardCheckpoint(
                "shardId-000000000000",
                sequence="49590338271490256608559692538361571095921575989136588898",
                start=StartPosition("AT_TIMESTAMP", timestamp=1.5),
                lanes=2,
                lane_sequences={1: "49590338271490256608559692538361571095921575989136588899"},
                starting_sequence="1",
            )
        },
    )
    # WHEN saved and loaded
    store.save(saved)
    # THEN they are equal and no temporary file is left behind
    assert store.load() == saved
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoints.json"]


def test_missing_or_torn_files_load_as_none(tmp_path: Path) -> None:
    assert FileCheckpointStore(tmp_path).load() is None
    assert status_module.load(tmp_path) is None
    (tmp_path / "status.json").write_text("{not json")
    assert status_module.load(tmp_path) is None


def test_status_round_trips(tmp_path: Path) -> None:
    status = _status(ShardStatus("shardId-000000000000", "active", checkpoint="5"))
    FileStatusSink(tmp_path).write(status)
    assert status_module.load(tmp_path) == status


def test_is_drained_compares_sequence_numbers_as_integers() -> None:
    # GIVEN a checkpoint "10" (as text it sorts before "9")
    status = _status(ShardStatus("a", "active", checkpoint="10"), ShardStatus("b", "finished"))
    # THEN it is past 9 and not past 11; a finished shard is drained; an unknown one is not
    assert is_drained(status, {"a": "9"})
    assert is_drained(status, {"a": "10", "b": "99"})
    assert not is_drained(status, {"a": "11"})
    assert not is_drained(status, {"c": "1"})
    assert not is_drained(None, {"a": "1"})
    assert not is_drained(_status(ShardStatus("a", "active")), {"a": "1"})


def test_iso_millis_matches_aws_format() -> None:
    assert iso_millis(1573691886.021) == "2019-11-14T00:38:06.021Z"
