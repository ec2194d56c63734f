"""Cold-start import CPU of the Lambda asset on python3.13: shipped byte-code vs none."""

from __future__ import annotations

import resource
import statistics
import subprocess
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from stack.bundling import build_asset, ensure_dependencies
from tests.runtime_sdk import ensure_runtime_sdk, python313

RUNS = 15
# What the init phase does: import the handler module (settings, Powertools, two boto3 clients).
IMPORT = "import sys; sys.path[:0] = sys.argv[1:3]; import processor.handler"
ENV = {
    "RESULTS_TABLE_NAME": "results",
    "AGGREGATES_TABLE_NAME": "aggregates",
    "QUARANTINE_BUCKET_NAME": "quarantine",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "RealTimeAnalytics",
}


def _cpu_seconds(python: Path, asset: Path, sdk: Path, *, write_bytecode: bool) -> float:
    """User + system CPU of one fresh interpreter importing the handler."""
    # -B: /var/task is read-only on Lambda, so byte-code compiled at a cold start is never kept.
    flags = ["-I", "-S"] + ([] if write_bytecode else ["-B"])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [str(python), *flags, "-c", IMPORT, str(asset), str(sdk)],
        env=ENV,
        check=True,
        capture_output=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(console: Console) -> None:
    """Build the asset with and without byte-code and import its handler RUNS times each."""
    python = python313()
    sdk = ensure_runtime_sdk()
    dependencies = ensure_dependencies().path
    with tempfile.TemporaryDirectory(prefix="cold-start-bench-") as workdir:
        compiled, bare = Path(workdir) / "compiled", Path(workdir) / "bare"
        compiled.mkdir()
        bare.mkdir()
        build_asset(compiled, dependencies, python=python)
        build_asset(bare, dependencies)
        samples: dict[str, list[float]] = {"with .pyc": [], "without .pyc": []}
        # Interleaved, so a busy neighbour slows both variants alike.
        for _ in range(RUNS):
            samples["with .pyc"].append(_cpu_seconds(python, compiled, sdk, write_bytecode=False))
            samples["without .pyc"].append(_cpu_seconds(python, bare, sdk, write_bytecode=False))
    table = Table(
        title=f"Cold-start import CPU, python3.13, median of {RUNS} (runtime SDK compiled)"
    )
    table.add_column("asset")
    table.add_column("CPU s (median)", justify="right")
    medians = {name: statistics.median(values) for name, values in samples.items()}
    for name, median in medians.items():
        table.add_row(name, f"{median:.3f}")
    ratio = medians["without .pyc"] / medians["with .pyc"]
    table.add_row("ratio without / with", f"{ratio:.2f}x")
    console.print(table)


if __name__ == "__main__":
    run(Console())
