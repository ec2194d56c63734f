"""All-or-nothing emulator saves, the write journal's summary, child environments, cdk errors."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from devtools.child_env import minimal_env
from devtools.cli.main import main
from devtools.deploy.cdk import CdkRun, CdkTarget, failure_message
from devtools.emulator import journal
from devtools.emulator.state_files import StateSave, discard_partial, roll_forward
from devtools.emulator_session import emulator_session
from devtools.paths import StatePaths
from devtools.query.errors import EventNotFoundError
from devtools.query.event import find_event
from tests.emulator import free_port


def test_a_save_is_invisible_until_committed_and_private(tmp_path: Path) -> None:
    # GIVEN a previous state
    state = tmp_path / "state"
    state.mkdir()
    (state / "dynamodb.json").write_text("old")
    # WHEN a save stages two files but is not committed (killed before its commit log)
    save = StateSave(tmp_path)
    save.write(state / "dynamodb.json", b"new")
    save.write(state / "kinesis.json", b"new")
    # THEN the previous state is whole, and the next start drops the temporaries
    assert (state / "dynamodb.json").read_text() == "old"
    assert not (state / "kinesis.json").exists()
    assert sorted(p.name for p in discard_partial([state])) == [
        "dynamodb.json.tmp",
        "kinesis.json.tmp",
    ]
    # WHEN another save is committed THEN both files change together, 600
    save = StateSave(tmp_path)
    save.write(state / "dynamodb.json", b"new")
    save.write(state / "kinesis.json", b"new")
    assert save.commit()
    for name in ("dynamodb.json", "kinesis.json"):
        assert (state / name).read_text() == "new"
        assert stat.S_IMODE((state / name).stat().st_mode) == 0o600


def test_a_commit_cut_during_its_renames_is_finished_at_the_next_start(tmp_path: Path) -> None:
    # GIVEN a commit log naming two staged files, of which one was already renamed
    state = tmp_path / "state"
    state.mkdir()
    (state / "a.json").write_text("new a")
    (state / "b.json.tmp").write_text("new b")
    (state / "b.json").write_text("old b")
    log = [[str(state / "a.json.tmp"), str(state / "a.json")]]
    log.append([str(state / "b.json.tmp"), str(state / "b.json")])
    (tmp_path / "state-commit.json").write_text(json.dumps(log))
    # WHEN the next start rolls forward THEN the save completes, and the log is gone
    assert roll_forward(tmp_path) == 1
    assert (state / "b.json").read_text() == "new b"
    assert (state / "a.json").read_text() == "new a"
    assert not (tmp_path / "state-commit.json").exists()


def test_a_failed_write_commits_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("old")
    save = StateSave(tmp_path)
    save.write(tmp_path / "a.json", b"new")
    save.failed.append("kinesis")
    assert not save.commit()
    assert (tmp_path / "a.json").read_text() == "old"
    assert not list(tmp_path.glob("*.tmp"))


def test_the_journal_summary_counts_records_per_shard_and_item_writes() -> None:
    lines = [
        '{"call":"kinesis PutRecords","records":{"s":{"shard-0":3,"shard-1":2}}}',
        '{"call":"kinesis PutRecord","records":{"s":{"shard-1":1}}}',
        '{"call":"dynamodb TransactWriteItems","writes":{"results":2,"aggregates":1}}',
        '{"call":"s3 PUT"}',
        '{"call":"dynamodb Bat',  # torn by a kill: that call was never answered
    ]
    found = journal.summarize(lines)
    assert found.records == {"s": {"shard-0": 3, "shard-1": 3}}
    assert found.record_count == 6
    assert found.writes == {"results": 2, "aggregates": 1}
    assert found.calls["s3 PUT"] == 1
    assert found.entries == 4


def test_child_environments_hold_dummy_credentials_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-token")
    monkeypatch.setenv("AWS_PROFILE", "admin")
    monkeypatch.setenv("NODE_OPTIONS", "--max-old-space-size=4096")
    env = minimal_env("eu-west-1")
    assert env["AWS_SECRET_ACCESS_KEY"] == "test"
    assert "AWS_SESSION_TOKEN" not in env
    assert "AWS_PROFILE" not in env
    assert env["AWS_CONFIG_FILE"] == os.devnull
    cdk = CdkTarget(Path("."), "http://127.0.0.1:1", "eu-west-1", StatePaths(Path("/x"))).env()
    assert cdk["AWS_SECRET_ACCESS_KEY"] == "test"
    assert "AWS_SESSION_TOKEN" not in cdk
    assert "AWS_PROFILE" not in cdk
    assert cdk["NODE_OPTIONS"] == "--max-old-space-size=4096"


def test_the_apps_own_synth_error_is_the_line_shown(tmp_path: Path) -> None:
    # GIVEN the output `cdk deploy -c lambdaBatchSize=abc` prints (the app refuses the value,
    # then the CLI reports its subprocess failed)
    output = "\n".join(
        [
            "error: invalid context lambdaBatchSize='abc': expected an integer from 1 to 10000 "
            "(records, default 100)",
            "/venv/bin/python -m stack.app: Subprocess exited with error 1",
        ]
    )
    run = CdkRun(("npx", "cdk", "deploy"), 1, 3.0, output)
    # WHEN the failure is put in one line THEN it is the app's refusal
    line = failure_message(run, "deploy", tmp_path / "cdk-deploy.log")
    assert "invalid context lambdaBatchSize='abc': expected an integer from 1 to 10000" in line
    assert "Subprocess exited" not in line
    assert "\n" not in line


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[str]:
    """A plain HTTP file server: it answers, but not the AWS protocols."""
    server = HTTPServer(("127.0.0.1", 0), _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "command",
    [
        ["query", "event", "abc"],
        ["query", "quarantine"],
        ["query", "aggregates", "--type", "click"],
        ["logs"],
        ["watch", "--once"],
        ["put", '{"eventType":"click","userId":"u","elementId":"e"}'],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_a_non_emulator_endpoint_is_one_line_exit_1(
    tmp_path: Path, web_server: str, command: list[str]
) -> None:
    result = CliRunner().invoke(
        main,
        ["--endpoint-url", web_server, "--state-dir", str(tmp_path), *command],
        env={"NO_COLOR": "1", "COLUMNS": "400"},
    )
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip() == (
        f"error: {web_server} answered, but not as an AWS emulator would: check --endpoint-url "
        "/ AWS_ENDPOINT_URL, or run `devtools up` for the embedded emulator"
    )


def test_a_closed_port_fails_within_seconds(tmp_path: Path) -> None:
    # GIVEN a port nothing listens on WHEN a read command uses it
    endpoint = f"http://127.0.0.1:{free_port()}"
    began = time.monotonic()
    result = CliRunner().invoke(
        main,
        ["--endpoint-url", endpoint, "--state-dir", str(tmp_path), "query", "event", "abc"],
        env={"NO_COLOR": "1", "COLUMNS": "400"},
    )
    # THEN it says so in one line (botocore's defaults took 15-35 s: 4 backed-off retries)
    assert result.exit_code == 1, result.stderr
    assert "cannot reach" in result.stderr
    assert time.monotonic() - began < 10.0


@pytest.mark.parametrize("event_id", ["", "x" * 2049])
def test_query_event_refuses_an_id_no_stored_event_can_have(event_id: str) -> None:
    # GIVEN a DynamoDB client (never called: the id is refused first)
    dynamodb = emulator_session("us-east-1").client("dynamodb", endpoint_url="http://127.0.0.1:9")
    # WHEN an empty or oversize eventId is asked for THEN one user error, not DynamoDB's
    # ValidationException (which surfaced as a bug, exit 2)
    with pytest.raises(EventNotFoundError, match="eventId must be 1-2048 bytes"):
        find_event(dynamodb, "results", event_id)
