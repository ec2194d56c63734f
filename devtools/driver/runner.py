"""Builds the engine from a deployed mapping and runs it as a process until SIGTERM."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config

from devtools.driver.aws import (
    FailureDestinations,
    FunctionInfo,
    KinesisSource,
    LambdaInvoker,
    function_info,
    read_mapping,
)
from devtools.driver.config import MappingConfig, mapping_config
from devtools.driver.engine import Engine, EngineOptions, Ports
from devtools.driver.exceptions import DriverError
from devtools.driver.files import LOG_FILE
from devtools.driver.ports import SystemClock
from devtools.driver.records import EventContext
from devtools.driver.state import FileCheckpointStore
from devtools.driver.status import FileStatusSink
from devtools.emulator_session import emulator_session
from devtools.transient import is_transient

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

MAX_INVOKE_THREADS = 64
MAX_READ_THREADS = 16  # one GetRecords in flight per shard
# How long (re)starting the engine waits out an emulator that does not answer, e.g. one being
# restarted during a redeploy; a mapping that is gone or refused fails at once.
EMULATOR_WAIT_SECONDS = 60.0
logger = logging.getLogger("devtools.driver")
T = TypeVar("T")


@dataclass(frozen=True)
class DriverSettings:
    """Where the driver keeps its state and which mapping on which endpoint it drives."""

    state_dir: Path
    endpoint_url: str
    region: str
    mapping_uuid: str
    overrides: Mapping[str, Any] | None = None
    mapping_refresh_seconds: float = 5.0  # how often a changed deployment is looked for


def _clients(settings: DriverSettings) -> tuple[boto3.Session, LambdaClient]:
    session = emulator_session(settings.region)
    control = Config(retries={"max_attempts": 3, "mode": "standard"})
    return session, session.client("lambda", endpoint_url=settings.endpoint_url, config=control)


def read_effective(
    settings: DriverSettings, lambda_control: LambdaClient
) -> tuple[MappingConfig, FunctionInfo]:
    """The mapping as deployed with the overrides applied, and the function's settings."""
    config = mapping_config(
        read_mapping(lambda_control, settings.mapping_uuid), settings.overrides or None
    )
    return config, function_info(lambda_control, config.function_arn)


def build_engine(
    settings: DriverSettings,
    executor: ThreadPoolExecutor,
    options: EngineOptions | None = None,
    *,
    effective: tuple[MappingConfig, FunctionInfo] | None = None,
    read_executor: ThreadPoolExecutor | None = None,
) -> Engine:
    """Read the mapping as deployed, apply overrides, and wire the AWS adapters."""
    session, lambda_control = _clients(settings)
    config, info = effective or read_effective(settings, lambda_control)
    control = Config(retries={"max_attempts": 3, "mode": "standard"})
    # Invoke waits for the function: the read timeout must outlast the function's timeout, and
    # the driver does its own retries (botocore's would hide function errors' pacing).
    invoke_config = Config(
        read_timeout=info.timeout_seconds + 30,
        connect_timeout=5,
        retries={"total_max_attempts": 1},
        max_pool_connections=MAX_INVOKE_THREADS,
    )
    lambda_invoke = session.client(
        "lambda", endpoint_url=settings.endpoint_url, config=invoke_config
    )
    kinesis = session.client("kinesis", endpoint_url=settings.endpoint_url, config=control)
    sqs = session.client("sqs", endpoint_url=settings.endpoint_url, config=control)
    sns = session.client("sns", endpoint_url=settings.endpoint_url, config=control)
    # An emulator on 127.0.0.1 serves buckets by path, not by virtual host.
    s3_style = Config(s3={"addressing_style": "path" if settings.endpoint_url else "auto"})
    s3 = session.client("s3", endpoint_url=settings.endpoint_url, config=control.merge(s3_style))
    ports = Ports(
        source=KinesisSource(kinesis, config.stream_arn),
        invoker=LambdaInvoker(lambda_invoke, config.function_arn),
        checkpoints=FileCheckpointStore(settings.state_dir),
        clock=SystemClock(),
        executor=executor,
        read_executor=read_executor,
        destination=FailureDestinations(sqs, sns, s3),
        status_sink=FileStatusSink(settings.state_dir),
    )
    context = EventContext(
        stream_arn=config.stream_arn,
        region=config.region,
        invoke_identity_arn=info.role_arn,
    )
    logger.info("mapping %s: %s", config.uuid, json.dumps(config.as_dict()))
    return Engine(
        config,
        ports,
        context=context,
        options=options,
        function_timeout_seconds=info.timeout_seconds,
    )


def _watch_mapping(
    settings: DriverSettings,
    current: tuple[MappingConfig, FunctionInfo],
    stop: threading.Event,
    restart: threading.Event,
) -> None:
    """Set `restart` when the deployed mapping or function settings change (or on `stop`)."""
    _, lambda_control = _clients(settings)
    next_check = time.monotonic() + settings.mapping_refresh_seconds
    while not restart.is_set():
        if stop.wait(0.05):
            break
        if time.monotonic() < next_check:
            continue
        next_check = time.monotonic() + settings.mapping_refresh_seconds
        try:
            latest = read_effective(settings, lambda_control)
        except Exception as exc:  # the emulator may be restarting: keep the current settings
            logger.debug("mapping re-read failed: %s", exc)
            continue
        if latest != current:
            logger.info("mapping or function settings changed: restarting the engine")
            break
    restart.set()


def when_available(
    attempt: Callable[[], T],
    stop: threading.Event,
    *,
    wait_seconds: float = EMULATOR_WAIT_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> T | None:
    """attempt() until it succeeds, retrying transient faults (no connection, timeouts, 5xx)
    with backoff for up to `wait_seconds`, then raising the last; None once `stop` is set."""
    deadline = clock() + wait_seconds
    pause = 0.1
    while True:
        try:
            return attempt()
        except Exception as exc:
            if not is_transient(exc) or clock() + pause > deadline:
                raise
            logger.warning("emulator not available (%s): retrying in %.1f s", exc, pause)
        if stop.wait(pause):
            return None
        pause = min(pause * 2, 5.0)


def run(
    settings: DriverSettings, stop: threading.Event, options: EngineOptions | None = None
) -> None:
    """Drive the mapping until `stop` is set (used in-process by tests and by `main`).

    A change of the deployed mapping (a new `deploy`) restarts the engine from its checkpoints
    with the new settings.
    """
    executor = ThreadPoolExecutor(MAX_INVOKE_THREADS, thread_name_prefix="driver-invoke")
    reads = ThreadPoolExecutor(MAX_READ_THREADS, thread_name_prefix="driver-read")
    try:
        while not stop.is_set():
            built = when_available(lambda: _engine(settings, executor, reads, options), stop)
            if built is None:
                break
            engine, effective = built
            restart = threading.Event()
            watcher = threading.Thread(
                target=_watch_mapping,
                args=(settings, effective, stop, restart),
                name="driver-mapping-watch",
                daemon=True,
            )
            watcher.start()
            try:
                engine.run(restart)
            except Exception as exc:
                engine.fail(f"{type(exc).__name__}: {exc}")
                raise
            finally:
                restart.set()
                watcher.join()
    finally:
        # An invocation still running after the shutdown grace period is abandoned: its batch
        # is not checkpointed and will be delivered again.
        executor.shutdown(wait=False, cancel_futures=True)
        reads.shutdown(wait=False, cancel_futures=True)


def _engine(
    settings: DriverSettings,
    executor: ThreadPoolExecutor,
    reads: ThreadPoolExecutor,
    options: EngineOptions | None,
) -> tuple[Engine, tuple[MappingConfig, FunctionInfo]]:
    effective = read_effective(settings, _clients(settings)[1])
    engine = build_engine(settings, executor, options, effective=effective, read_executor=reads)
    return engine, effective


def _configure_logging(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(state_dir / LOG_FILE, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # botocore logs every retry at INFO; the driver reports what matters itself.
    logging.getLogger("botocore").setLevel(logging.WARNING)


def parse_args(argv: list[str] | None) -> DriverSettings:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.driver",
        description="Kinesis event-source-mapping driver with AWS semantics",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="drive one mapping until SIGTERM")
    run_parser.add_argument("--state-dir", required=True, type=Path)
    run_parser.add_argument("--endpoint-url", required=True)
    run_parser.add_argument("--region", required=True)
    run_parser.add_argument("--mapping-uuid", required=True)
    run_parser.add_argument(
        "--overrides",
        default=None,
        help="JSON object of mapping settings (API names) the emulator dropped",
    )
    args = parser.parse_args(argv)
    overrides = json.loads(args.overrides) if args.overrides else None
    if overrides is not None and not isinstance(overrides, dict):
        parser.error("--overrides must be a JSON object")
    return DriverSettings(
        state_dir=args.state_dir,
        endpoint_url=args.endpoint_url,
        region=args.region,
        mapping_uuid=args.mapping_uuid,
        overrides=overrides,
    )


def main(argv: list[str] | None = None) -> int:
    """Process entry: 0 after a clean stop, 1 for a configuration error, 2 for a crash."""
    settings = parse_args(argv)
    _configure_logging(settings.state_dir)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    logger.info("driver %d starting for mapping %s", os.getpid(), settings.mapping_uuid)
    try:
        run(settings, stop)
    except DriverError as exc:
        logger.error("driver stopped: %s", exc)
        return 1
    except Exception:
        logger.exception("driver crashed")
        return 2
    logger.info("driver %d stopped", os.getpid())
    return 0


def process_main(argv: list[str] | None = None) -> None:
    """`python -m devtools.driver`: exit without waiting for abandoned invocation threads."""
    code = main(argv)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    process_main()
