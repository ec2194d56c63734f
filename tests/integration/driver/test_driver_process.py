"""The driver as a detached process: supervisor start/stop, SIGKILL and restart lose nothing."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter

import pytest

from devtools.driver import status as driver_status
from devtools.driver import supervisor
from devtools.driver.exceptions import SupervisorError
from tests.integration.driver.conftest import PipelineFactory

pytestmark = pytest.mark.emulator


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_driver_restarts_from_its_checkpoint_redelivering_at_most_the_batch_in_flight(
    pipeline: PipelineFactory,
) -> None:
    # GIVEN a slow function (0.1 s per batch of 10) and 150 records
    p = pipeline("record_ok", BatchSize=10, env={"SLEEP_SECONDS": "0.1"})
    p.put([(f"k{i % 7}", {"n": i}) for i in range(150)])
    endpoint, region = p.emulator.endpoint_url, p.emulator.region
    # WHEN the driver process is started by the supervisor
    pid = supervisor.start(p.state_dir, endpoint, region, p.mapping_uuid)
    assert supervisor.running_pid(p.state_dir) == pid
    # ... starting it again with the same arguments keeps it
    assert supervisor.start(p.state_dir, endpoint, region, p.mapping_uuid) == pid

    def some_done() -> bool:
        status = driver_status.load(p.state_dir)
        return status is not None and sum(s.records_delivered for s in status.shards) >= 40

    _wait(some_done, 15, "40 records delivered")
    # ... and killed without warning in the middle of the stream
    os.kill(pid, signal.SIGKILL)
    _wait(lambda: supervisor.running_pid(p.state_dir) is None, 5, "the driver to die")
    delivered_before = len(p.delivered_ok())
    assert delivered_before < 150
    # ... and started again
    new_pid = supervisor.start(p.state_dir, endpoint, region, p.mapping_uuid)
    assert new_pid != pid
    p.wait_drained(timeout=30)
    # THEN every record was delivered, and only the batch in flight at the kill was repeated
    counts = Counter(r["data"]["n"] for r in p.delivered_ok())
    assert set(counts) == set(range(150))
    repeated = [n for n, c in counts.items() if c > 1]
    assert len(repeated) <= 10, repeated
    assert all(c <= 2 for c in counts.values())
    # WHEN it is stopped
    assert supervisor.stop(p.state_dir) is True
    # THEN it is gone, wrote a final status, and a second stop is a no-op
    assert supervisor.running_pid(p.state_dir) is None
    final = driver_status.load(p.state_dir)
    assert final is not None
    assert final.state == "stopped"
    assert supervisor.stop(p.state_dir) is False
    assert (p.state_dir / "driver.log").read_text().count("starting for mapping") == 2


def test_start_fails_clearly_for_an_unknown_mapping(pipeline: PipelineFactory) -> None:
    # GIVEN a mapping id that does not exist
    p = pipeline("record_ok")
    # WHEN the supervisor starts a driver for it
    # THEN it raises with the driver's own explanation
    with pytest.raises(SupervisorError, match="not found"):
        supervisor.start(p.state_dir, p.emulator.endpoint_url, p.emulator.region, str(uuid.uuid4()))
    assert supervisor.running_pid(p.state_dir) is None
