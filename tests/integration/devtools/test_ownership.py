"""devtools uses only the emulator this checkout started, or one named with --endpoint-url."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devtools.emulator import ownership
from devtools.paths import StatePaths
from devtools.testing.pipeline import free_port
from tests.emulator import RunningEmulator
from tests.integration.devtools.cli_process import run_cli, run_cli_process


class _Plain(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def foreign_server() -> Iterator[int]:
    """Another program's HTTP server on a 127.0.0.1 port."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Plain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_a_foreign_http_server_on_our_port_is_refused(foreign_server: int, tmp_path: Path) -> None:
    # GIVEN this checkout last used the port where another program now listens
    ownership.remember_port(StatePaths(tmp_path), foreign_server)
    # WHEN a command needs the emulator
    result = run_cli("status", state_dir=tmp_path)
    # THEN exit 1 with one line: what answered, and the two ways on
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"http://127.0.0.1:{foreign_server} is answered by a process that is not" in lines[0]
    assert f"--endpoint-url http://127.0.0.1:{foreign_server}" in lines[0]
    assert "devtools up --port" in lines[0]


@pytest.mark.emulator
def test_a_foreign_ministack_is_named_and_never_deployed_into(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    # GIVEN another project's MiniStack on the port this checkout would use
    port = int(emulator.endpoint_url.rsplit(":", 1)[1])
    ownership.remember_port(StatePaths(tmp_path), port)
    # WHEN deploy runs without --endpoint-url
    result = run_cli("deploy", state_dir=tmp_path)
    # THEN it refuses before touching it, naming what answered
    assert result.returncode == 1
    assert "is answered by MiniStack 1.5.33 that this checkout did not start" in result.stderr
    assert not (tmp_path / "outputs.json").exists()
    # AND naming it on purpose is the way to use it
    explicit = run_cli("--endpoint-url", emulator.endpoint_url, "status", state_dir=tmp_path)
    assert explicit.returncode == 0, explicit.stderr


@pytest.mark.emulator
def test_up_follows_the_recorded_port(tmp_path: Path) -> None:
    port = free_port()
    try:
        started = run_cli_process("up", "--port", str(port), "--json", state_dir=tmp_path)
        assert started.returncode == 0, started.stderr
        # `up` without --port: the running emulator, idempotent
        again = run_cli_process("up", "--json", state_dir=tmp_path)
        assert again.returncode == 0, again.stderr
        assert again.json()["alreadyRunning"] is True
        assert again.json()["endpointUrl"] == f"http://127.0.0.1:{port}"
        # another port while running: says exactly what to do
        other = run_cli_process("up", "--port", str(free_port()), state_dir=tmp_path)
        assert other.returncode == 1
        assert f"already running on port {port}" in other.stderr
        assert "devtools down" in other.stderr
        # after `down`, the next `up` returns to the same port
        assert run_cli_process("down", state_dir=tmp_path).returncode == 0
        restarted = run_cli_process("up", "--json", "--no-driver", state_dir=tmp_path)
        assert restarted.returncode == 0, restarted.stderr
        assert restarted.json()["endpointUrl"] == f"http://127.0.0.1:{port}"
    finally:
        run_cli_process("down", state_dir=tmp_path)
