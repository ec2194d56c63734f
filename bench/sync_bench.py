"""`devtools sync`: command start to new code serving, and save to serving with `--watch`."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.local_cloud_bench import _row
from devtools.testing.checkout import copy_sources
from devtools.testing.pipeline import Pipeline

RUNS = 5
DEPLOY_RUNS = 3
ROOT = Path(__file__).resolve().parents[1]
DEVTOOLS = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "devtools"


def _edit(root: Path) -> None:
    handler = root / "processor" / "handler.py"
    handler.write_text(handler.read_text() + f"\n# edit {uuid.uuid4().hex}\n")


def _cli(pipeline: Pipeline, root: Path, *args: str) -> list[str]:
    return [
        str(DEVTOOLS), "--endpoint-url", pipeline.endpoint_url,
        "--state-dir", str(pipeline.paths.root), *args,
    ]  # fmt: skip


def _serving(pipeline: Pipeline, previous: str, deadline: float) -> str:
    """Wait until the function reports new code with its update Successful; its CodeSha256."""
    client = pipeline._clients.lambda_
    while time.monotonic() < deadline:
        config = client.get_function_configuration(FunctionName=pipeline.outputs.function_name)
        if config["CodeSha256"] != previous and config.get("LastUpdateStatus") == "Successful":
            return str(config["CodeSha256"])
        time.sleep(0.02)
    raise TimeoutError("the new code was not serving within the deadline")


def _code(pipeline: Pipeline) -> str:
    client = pipeline._clients.lambda_
    return str(
        client.get_function_configuration(FunctionName=pipeline.outputs.function_name)["CodeSha256"]
    )


def _one_shot(pipeline: Pipeline, root: Path, *command: str) -> float:
    """Edit processor/, then time one CLI command (`sync`, or `deploy` as before sync existed)."""
    _edit(root)
    began = time.monotonic()
    done = subprocess.run(_cli(pipeline, root, *command), cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"devtools {' '.join(command)} failed: {done.stderr.strip()}")
    return time.monotonic() - began


def _watch(pipeline: Pipeline, root: Path, runs: int) -> list[float]:
    watcher = subprocess.Popen(
        _cli(pipeline, root, "sync", "--watch"),
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert watcher.stdout is not None
        for line in watcher.stdout:
            if "watching" in line:
                break
        values: list[float] = []
        for _ in range(runs):
            previous = _code(pipeline)
            time.sleep(0.5)
            _edit(root)
            began = time.monotonic()
            _serving(pipeline, previous, began + 60)
            values.append(time.monotonic() - began)
        return values
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)


CLICK: dict[str, object] = {"eventType": "click", "userId": "u", "elementId": "e"}
# A page view's load time sets a per-minute min/max: reset() then also retires the function's
# warm environments (devtools/testing/pipeline.py), and the timing includes that update.
PAGE_VIEW: dict[str, object] = {
    "eventType": "page_view",
    "userId": "u",
    "pageUrl": "/",
    "loadTime": 250,
}


def _reset(pipeline: Pipeline, runs: int, event: dict[str, object] = CLICK) -> list[float]:
    values: list[float] = []
    for _ in range(runs):
        pipeline.put([event] * 20)
        pipeline.wait()
        began = time.monotonic()
        pipeline.reset()
        values.append(time.monotonic() - began)
    return values


def run(console: Console) -> None:
    """Deploy once on a private emulator, then time sync runs against it."""
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        console.print("[dim]deploying on a private emulator ...")
        pipeline = Pipeline.start(Path(tmp) / "pipeline")
        try:
            root = copy_sources(Path(tmp) / "checkout")
            # what a deploy from this checkout uses: the asset's wheels and the CDK CLI
            for shared in (".cache", "node_modules"):
                if (ROOT / shared).is_dir():
                    (root / shared).symlink_to(ROOT / shared)
            one_shot: list[float] = []
            deploys: list[float] = []
            for run_index in range(RUNS):
                # side by side: a full deploy of the same kind of change, in the same minutes
                if run_index < DEPLOY_RUNS:
                    deploys.append(_one_shot(pipeline, root, "deploy"))
                one_shot.append(_one_shot(pipeline, root, "sync"))
            watched = _watch(pipeline, root, RUNS)
            reset = _reset(pipeline, RUNS)
            reset_retiring = _reset(pipeline, RUNS, PAGE_VIEW)
        finally:
            pipeline.stop()
    table = Table(title="Inner loop (seconds)", title_justify="left")
    for column in ("measure", "runs", "median", "min", "max", "target"):
        table.add_column(column, justify="left" if column in ("measure", "target") else "right")
    _row(table, "`devtools sync`: command start -> new code serving", one_shot, "<= 2")
    _row(table, "`devtools deploy` of the same change (CloudFormation)", deploys)
    _row(table, "`sync --watch`: save -> new code serving", watched, "<= 3")
    _row(table, "`pipeline.reset()` after 20 events", reset, "< 1")
    _row(
        table,
        "`pipeline.reset()` after 20 page views (min/max: retires environments)",
        reset_retiring,
        "< 1",
    )
    console.print(table)
    paired = [d / o for d, o in zip(deploys, one_shot, strict=False)]
    console.print(
        f"sync vs deploy, the same change, side by side: {statistics.median(paired):.1f}x faster "
        f"(median of {len(paired)} pairs)"
    )
    console.print(
        f"[dim]{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; serving = "
        "UpdateFunctionCode answered and LastUpdateStatus Successful (the next batch runs it)"
    )
