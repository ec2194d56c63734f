"""What a person reads on 80- and 120-column terminals, on real data from the emulator; and
Ctrl-C during a replay."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from devtools.cli.main import main
from tests.deployed import DeployedStack

pytestmark = pytest.mark.emulator

STORED_DEADLINE_SECONDS = 30.0


def _run(deployed: DeployedStack, columns: int, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        [*deployed.cli_args(), *args],
        env={"NO_COLOR": "1", "COLUMNS": str(columns)},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def _fits(text: str, columns: int) -> None:
    widest = max((len(line.rstrip()) for line in text.splitlines()), default=0)
    assert widest <= columns, f"{widest} columns at {columns}:\n{text}"


def _whole_or_elided(token: str, text: str) -> bool:
    """The token appears whole, or shortened on purpose (its start and end around '…')."""
    if token in text:
        return True
    return any("…" in word and token.startswith(word.split("…")[0]) for word in text.split())


@pytest.fixture(scope="module")
def landed(deployed: DeployedStack) -> dict[str, str]:
    """One valid event (id derived by the processor) and one poison record sent with --raw."""
    code, out, err = _run(
        deployed,
        200,
        "put",
        "--json",
        json.dumps({"eventType": "click", "userId": "screens", "elementId": "cta"}),
    )
    assert code == 0, err
    (record,) = json.loads(out)["records"]
    poison = f"screens-{uuid.uuid4().hex[:8]}"
    code, _, err = _run(
        deployed, 200, "put", "--raw", json.dumps({"eventType": "click", "elementId": poison})
    )
    assert code == 0, err
    deadline = time.monotonic() + STORED_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        found, _, _ = _run(deployed, 200, "query", "event", record["eventId"])
        quarantine = _run(deployed, 200, "query", "quarantine", "--reason", "missing_field")[1]
        if found == 0 and "required field userId is missing" in quarantine:
            break
        time.sleep(1.0)
    else:
        pytest.fail("the put events did not land")
    return {"eventId": record["eventId"]}


@pytest.mark.parametrize("columns", [80, 120])
def test_every_screen_fits_the_terminal_on_real_data(
    deployed: DeployedStack, landed: dict[str, str], columns: int
) -> None:
    outputs = deployed.outputs
    screens = {
        "status": ["status"],
        "verification": ["status", "--verification"],
        "logs": ["logs", "--since", "1h"],
        "metrics": ["logs", "--metrics"],
        "quarantine": ["query", "quarantine", "--limit", "5"],
        "event": ["query", "event", landed["eventId"]],
        "aggregates": ["query", "aggregates", "--type", "click"],
        "watch": ["watch", "--once", "--interval", "0"],
    }
    shown: dict[str, str] = {}
    for name, args in screens.items():
        code, out, err = _run(deployed, columns, *args)
        assert code == 0, f"{name}: {err}"
        _fits(out, columns)
        shown[name] = out
    # long names stay whole, or are visibly shortened; a wide terminal shows them whole
    for token in (outputs.stream_name, outputs.log_group_name):
        assert _whole_or_elided(token, shown["status"]), token
        if columns >= 120:
            assert token in shown["status"]
    assert landed["eventId"] in shown["event"]
    assert "missing_field" in shown["quarantine"]
    assert "ReservedConcurrentExecutions" in shown["verification"]
    # no EMF document is printed raw, and --metrics keeps its last column
    assert '{"_aws"' not in shown["logs"]
    assert "max" in next(line for line in shown["metrics"].splitlines() if "samples" in line)


def test_empty_and_not_found_answers_say_what_to_do_next(deployed: DeployedStack) -> None:
    code, _, err = _run(deployed, 80, "query", "event", f"nope-{uuid.uuid4()}")
    assert code == 1
    assert "`devtools watch`" in err
    assert "`devtools query quarantine`" in err
    # a minute long ago holds no aggregates: a hint instead of an empty table
    code, out, err = _run(
        deployed, 80, "query", "aggregates", "--type", "user_signup", "--minutes", "1",
        "--until", "2001-01-01T00:00Z",
    )  # fmt: skip
    said = " ".join(err.split())  # the hint wraps at 80 columns
    assert code == 0
    assert out == ""
    assert "no user_signup events in 2001-01-01T00:00Z" in said
    assert "widen --minutes" in said


def _sigint_as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class _NewRecords:
    """Reads only what reaches the stream after it is made (LATEST iterators, moved on with each
    read): scanning from the trim horizon slows down as the shared stream fills up."""

    def __init__(self, deployed: DeployedStack) -> None:
        self._kinesis = deployed.client("kinesis")
        stream = deployed.outputs.stream_name
        self._iterators = [
            self._kinesis.get_shard_iterator(
                StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for shard in self._kinesis.list_shards(StreamName=stream)["Shards"]
        ]

    def carrying(self, marker: str) -> int:
        """How many of the records that arrived since the last call carry `marker`."""
        found = 0
        for index, iterator in enumerate(self._iterators):
            page = self._kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            found += sum(marker.encode() in record["Data"] for record in page["Records"])
            self._iterators[index] = page["NextShardIterator"]
        return found


def test_ctrl_c_during_a_replay_says_what_was_sent_and_exits_130(
    deployed: DeployedStack, tmp_path: Path
) -> None:
    # GIVEN a slow scenario (600 clicks at 4 records/s: 150 s, so that Ctrl-C always lands while
    # it is sending, however long the stream takes to show its first records)
    path = tmp_path / "slow.yaml"
    path.write_text(
        "version: 1\nname: slow_clicks\nsend: {rate: 4}\n"
        "traffic:\n  - generate: {type: click, count: 600}\n"
    )
    arriving = _NewRecords(deployed)
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.cli.main", *deployed.cli_args(), "replay", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        # As from a terminal. A job a shell starts in the background (`cmd &`, as CI runners
        # may start the suite) ignores SIGINT, its children inherit that, and Python then never
        # raises KeyboardInterrupt: the test must not depend on how the suite was started.
        preexec_fn=_sigint_as_from_a_terminal,
    )
    # WHEN Ctrl-C arrives once the first records of its run are on the stream
    assert process.stderr is not None
    announced = process.stderr.readline()  # "slow_clicks: 600 records, run r1234abcd"
    run_id = announced.strip().rsplit(" ", 1)[-1]
    assert run_id.startswith("r"), announced
    deadline = time.monotonic() + 60
    while not arriving.carrying(run_id):
        assert time.monotonic() < deadline, "the replay sent nothing"
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    # THEN it exits 130 and says what was sent and how to follow it
    assert process.returncode == 130, err
    assert "interrupted after" in err
    assert "records were sent" in err
    assert "`devtools watch`" in err
    # AND what was sent is still processed: the driver drains it (nothing else is waiting)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _, out, _ = _run(deployed, 200, "status", "--json")
        shards = json.loads(out)["driver"]["status"]["shards"]
        if all(shard["pending_records"] == 0 for shard in shards):
            break
        time.sleep(1.0)
    else:
        pytest.fail("the interrupted replay's records were not drained")
