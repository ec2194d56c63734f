"""Purpose-built test functions for the driver, deployed to the emulator as a zip.

Each invocation appends one JSON line (the records it saw) to the file named by OUT_FILE,
so a test can see exactly what was delivered, in which batches, in which order.
"""

import base64
import fcntl
import json
import os
import time
from typing import Any


def _log(event: dict[str, Any], outcome: str) -> None:
    line = json.dumps(
        {
            "outcome": outcome,
            "records": [
                {
                    "seq": r["kinesis"]["sequenceNumber"],
                    "key": r["kinesis"]["partitionKey"],
                    "shard": r["eventID"].split(":")[0],
                    "data": json.loads(base64.b64decode(r["kinesis"]["data"])),
                }
                for r in event["Records"]
            ],
            "event_keys": sorted(event["Records"][0].keys()) if event["Records"] else [],
            "source": event["Records"][0]["eventSourceARN"] if event["Records"] else "",
        }
    )
    with open(os.environ["OUT_FILE"], "a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)
        out.write(line + "\n")


def _poison(record: dict[str, Any]) -> bool:
    data = json.loads(base64.b64decode(record["kinesis"]["data"]))
    return isinstance(data, dict) and bool(data.get("poison"))


def record_ok(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Succeeds; sleeps SLEEP_SECONDS first (to keep batches in flight)."""
    time.sleep(float(os.environ.get("SLEEP_SECONDS", "0")))
    _log(event, "ok")
    return {"batchItemFailures": []}


def raise_on_poison(event: dict[str, Any], context: object) -> None:
    """Raises (FunctionError Unhandled) when any record is marked poison."""
    if any(_poison(r) for r in event["Records"]):
        _log(event, "raised")
        raise ValueError("poison record in batch")
    _log(event, "ok")


def report_poison(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Partial batch response naming every poison record."""
    failures = [
        {"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in event["Records"] if _poison(r)
    ]
    _log(event, "partial" if failures else "ok")
    return {"batchItemFailures": failures}


def window_sum(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Tumbling-window aggregation: sums `n` in the state; logs the window fields."""
    state = dict(event.get("state") or {})
    state["sum"] = state.get("sum", 0) + sum(
        json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in event["Records"]
    )
    line = {
        "outcome": "window",
        "records": len(event["Records"]),
        "final": event.get("isFinalInvokeForWindow"),
        "state_in": event.get("state"),
        "window": event.get("window"),
    }
    with open(os.environ["OUT_FILE"], "a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)
        out.write(json.dumps(line) + "\n")
    return {"state": state}
