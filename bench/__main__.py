"""Run every benchmark (`make bench`); each prints medians and side-by-side ratios as tables."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time

from rich.console import Console

# Order matters only for reading: cheap, self-contained benchmarks first.
BENCHMARKS: tuple[tuple[str, str], ...] = (
    ("processor", "bench.processor_bench"),
    ("cold-start", "bench.cold_start_bench"),
    ("local-cloud", "bench.local_cloud_bench"),
    ("sync", "bench.sync_bench"),
    ("pipeline", "bench.pipeline_bench"),
    ("contention", "bench.contention_bench"),
    ("replay", "bench.replay_bench"),
    ("state", "bench.state_bench"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="benchmarks to run (default: all)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="after the tables, print each benchmark's headline figures as one JSON object",
    )
    parser.add_argument(
        "--rtt-ms",
        type=float,
        default=None,
        help="round trip the latency proxy adds per AWS request (default 5 ms)",
    )
    args = parser.parse_args(argv)
    if args.rtt_ms is not None:
        os.environ["BENCH_RTT_MS"] = str(args.rtt_ms)
    known = {name for name, _ in BENCHMARKS}
    unknown = sorted(set(args.names) - known)
    if unknown:
        expected = ", ".join(sorted(known))
        parser.error(f"unknown benchmark {', '.join(unknown)} (expected: {expected})")
    wanted = set(args.names) or known
    console = Console()
    failures = 0
    for name, module_name in BENCHMARKS:
        if name not in wanted:
            continue
        console.rule(f"[bold]{name}")
        started = time.perf_counter()
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            console.print(f"[yellow]skipped: {module_name} is not present")
            continue
        try:
            figures = module.run(console)
            if args.json and isinstance(figures, dict):
                print(json.dumps({"benchmark": name, **figures}, sort_keys=True))
        except Exception as exc:  # one broken benchmark must not hide the others
            failures += 1
            console.print(f"[red]{name} failed: {type(exc).__name__}: {exc}")
        console.print(f"[dim]{name} took {time.perf_counter() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
