"""In-memory stand-ins for the driver's ports, and small purpose-built functions."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from devtools.driver.config import MappingConfig
from devtools.driver.engine import Engine, EngineOptions, Ports
from devtools.driver.exceptions import DestinationError, InvokeError, ShardGoneError
from devtools.driver.ports import ReadResult, ShardInfo, StartPosition
from devtools.driver.records import EventContext, StreamRecord
from devtools.driver.response import InvokeResult
from devtools.driver.state import Checkpoints

STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/test"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn"
QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:dlq"
ROLE_ARN = "arn:aws:iam::000000000000:role/fn-role"

_T = TypeVar("_T")


class InlineExecutor(Executor):
    """Runs each submitted call at once in the caller's thread: deterministic engine tests."""

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


class MemoryCheckpointStore:
    """Checkpoints kept in memory, with a count of saves."""

    def __init__(self, initial: Checkpoints | None = None) -> None:
        self.current = initial
        self.saves = 0

    def load(self) -> Checkpoints | None:
        return self.current

    def save(self, checkpoints: Checkpoints) -> None:
        self.current = checkpoints
        self.saves += 1


class FakeClock:
    """A clock that moves only when told to (monotonic and wall time together)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.wall = start
        self.mono = 100.0

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += seconds


@dataclass
class _Shard:
    parents: tuple[str, ...] = ()
    records: list[StreamRecord] = field(default_factory=list)
    closed: bool = False
    deleted: bool = False
    starting_sequence: str = ""


class FakeStream:
    """A Kinesis stream in memory: ListShards, GetShardIterator, GetRecords, reshards."""

    def __init__(self, clock: FakeClock, shards: int = 1) -> None:
        self.clock = clock
        self._seq = itertools.count(1000)
        self.shards: dict[str, _Shard] = {}
        for index in range(shards):
            self.add_shard(f"shardId-{index:012d}")
        self._iterators: dict[str, tuple[str, int]] = {}
        self._tokens = itertools.count()
        self.get_records_calls = 0
        self.unreachable = False  # every call fails as if the emulator were down

    def add_shard(self, shard_id: str, parents: tuple[str, ...] = ()) -> None:
        self.shards[shard_id] = _Shard(parents=parents, starting_sequence=str(next(self._seq)))

    def put(
        self, data: Any, *, key: str = "k", shard: str = "shardId-000000000000"
    ) -> StreamRecord:
        raw = data if isinstance(data, bytes) else json.dumps(data).encode()
        record = StreamRecord(
            shard_id=shard,
            sequence_number=f"{next(self._seq):030d}",
            partition_key=key,
            data_base64=base64.b64encode(raw).decode(),
            arrival=self.clock.time(),
        )
        self.shards[shard].records.append(record)
        return record

    def split(self, parent: str, children: tuple[str, str]) -> None:
        """AWS-style: the parent closes (stays readable), two children open."""
        self.shards[parent].closed = True
        for child in children:
            self.add_shard(child, parents=(parent,))

    # RecordSource

    def list_shards(self) -> list[ShardInfo]:
        if self.unreachable:
            raise ConnectionError("connection refused")
        return [
            ShardInfo(sid, shard.parents, shard.starting_sequence)
            for sid, shard in self.shards.items()
            if not shard.deleted
        ]

    def shard_iterator(self, shard_id: str, position: StartPosition) -> str:
        shard = self.shards[shard_id]
        if shard.deleted:
            raise ShardGoneError(shard_id)
        records = shard.records
        if position.kind == "TRIM_HORIZON":
            index = 0
        elif position.kind == "LATEST":
            index = len(records)
        elif position.kind == "AT_TIMESTAMP":
            assert position.timestamp is not None
            index = next(
                (i for i, r in enumerate(records) if r.arrival >= position.timestamp), len(records)
            )
        elif position.kind == "AFTER_SEQUENCE_NUMBER":
            assert position.sequence is not None
            index = next(
                (i for i, r in enumerate(records) if r.sequence > int(position.sequence)),
                len(records),
            )
        else:
            raise AssertionError(position.kind)
        token = str(next(self._tokens))
        self._iterators[token] = (shard_id, index)
        return token

    def get_records(self, shard_id: str, iterator: str, limit: int) -> ReadResult:
        self.get_records_calls += 1
        if self.unreachable:
            raise ConnectionError("connection refused")
        sid, index = self._iterators[iterator]
        shard = self.shards[sid]
        if shard.deleted:
            raise ShardGoneError(sid)
        batch = shard.records[index : index + limit]
        end = index + len(batch)
        if shard.closed and end >= len(shard.records):
            return ReadResult(batch, None, 0)
        token = str(next(self._tokens))
        self._iterators[token] = (sid, end)
        return ReadResult(batch, token, 0)


Handler = Callable[[dict[str, Any]], Any]


class InProcessFunction:
    """An Invoker running a Python handler in process, answering like Lambda's Invoke.

    A raised exception becomes FunctionError "Unhandled" with the error payload.
    """

    def __init__(self, handler: Handler, duration_ms: float = 5.0) -> None:
        self.handler = handler
        self.duration_ms = duration_ms
        self.events: list[dict[str, Any]] = []

    def invoke(self, payload: bytes) -> InvokeResult:
        event = json.loads(payload)
        self.events.append(event)
        try:
            answer = self.handler(event)
        except InvokeError:
            raise
        except Exception as exc:
            body = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return InvokeResult(
                200, json.dumps(body).encode(), "Unhandled", "$LATEST", self.duration_ms
            )
        return InvokeResult(200, json.dumps(answer).encode(), None, "$LATEST", self.duration_ms)

    @property
    def batches(self) -> list[list[str]]:
        """Each invocation's sequence numbers."""
        return [[r["kinesis"]["sequenceNumber"] for r in e["Records"]] for e in self.events]

    @property
    def batch_sizes(self) -> list[int]:
        return [len(e["Records"]) for e in self.events]


def decode(record: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(record["kinesis"]["data"]))


def is_poison(record: dict[str, Any]) -> bool:
    value = decode(record)
    return isinstance(value, dict) and bool(value.get("poison"))


def ok_handler(event: dict[str, Any]) -> None:
    return None


def raise_on_poison(event: dict[str, Any]) -> None:
    """Fails the whole invocation when any record is marked poison."""
    if any(is_poison(r) for r in event["Records"]):
        raise ValueError("poison record")


def report_poison(event: dict[str, Any]) -> dict[str, Any]:
    """Partial batch response naming every poison record."""
    return {
        "batchItemFailures": [
            {"itemIdentifier": r["kinesis"]["sequenceNumber"]}
            for r in event["Records"]
            if is_poison(r)
        ]
    }


class FakeDestination:
    """Collects on-failure invocation records (and S3 object keys); can be told to fail."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.sent: list[tuple[str, str]] = []  # (destination ARN, object key)
        self.failing = False

    def send(self, destination_arn: str, message: str, object_key: str) -> None:
        if self.failing:
            raise DestinationError("queue unavailable")
        self.messages.append(json.loads(message))
        self.sent.append((destination_arn, object_key))


class ManualExecutor(Executor):
    """Holds submitted calls until `complete()` runs them: lets tests see calls in flight."""

    def __init__(self) -> None:
        self.queued: list[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.queued.append((future, fn, args))
        return future

    def complete(self) -> int:
        done = self.queued
        self.queued = []
        for future, fn, args in done:
            future.set_result(fn(*args))
        return len(done)


def config(**changes: Any) -> MappingConfig:
    base: dict[str, Any] = {
        "uuid": "mapping-1",
        "stream_arn": STREAM_ARN,
        "function_arn": FUNCTION_ARN,
        "batch_size": 10,
        "batching_window_seconds": 0.0,
        "starting_position": "TRIM_HORIZON",
    }
    base.update(changes)
    return MappingConfig(**base)


@dataclass
class Harness:
    """An engine wired to fakes, and helpers to run it on the fake clock."""

    engine: Engine
    stream: FakeStream
    function: InProcessFunction
    destination: FakeDestination
    store: MemoryCheckpointStore
    clock: FakeClock

    def run(self, seconds: float = 0.0, step: float = 0.05, max_passes: int = 10_000) -> None:
        """Run passes until idle, advancing the clock `step` at a time for `seconds`."""
        elapsed = 0.0
        for _ in range(max_passes):
            while self.engine.run_once():
                pass
            if elapsed >= seconds:
                return
            self.clock.advance(step)
            elapsed += step
        raise AssertionError("engine did not settle")

    def checkpoint(self, shard: str = "shardId-000000000000") -> str | None:
        assert self.store.current is not None
        return self.store.current.shards[shard].sequence


def harness(
    handler: Handler = ok_handler,
    *,
    shards: int = 1,
    executor: Executor | None = None,
    store: MemoryCheckpointStore | None = None,
    stream: FakeStream | None = None,
    clock: FakeClock | None = None,
    start: bool = True,
    options: EngineOptions | None = None,
    **config_changes: Any,
) -> Harness:
    clock = clock or FakeClock()
    stream = stream or FakeStream(clock, shards)
    function = InProcessFunction(handler)
    destination = FakeDestination()
    store = store if store is not None else MemoryCheckpointStore()
    config_changes.setdefault("on_failure_destination", QUEUE_ARN)
    engine = Engine(
        config(**config_changes),
        Ports(
            source=stream,
            invoker=function,
            checkpoints=store,
            clock=clock,
            executor=executor or InlineExecutor(),
            read_executor=InlineExecutor(),
            destination=destination,
        ),
        context=EventContext(STREAM_ARN, "us-east-1", ROLE_ARN),
        options=options or EngineOptions(idle_poll_seconds=0.05, shard_refresh_seconds=0.5),
        function_timeout_seconds=60.0,
    )
    if start:
        engine.start()
    return Harness(engine, stream, function, destination, store, clock)
