"""A line per acknowledged write the emulator accepted since its last save, and their summary."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# JSON-protocol actions that change nothing (the emulator answers them from memory)
_READ_PREFIXES = ("Describe", "Get", "List", "Scan", "Query", "BatchGet", "TransactGet")
_SERVICE = re.compile(rb"Credential=[^/]*/[^/]*/[^/]*/([^/]+)/")
_DDB_WRITES = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
_KINESIS_PUTS = frozenset({"PutRecord", "PutRecords"})
_BODY_LIMIT = 64 * 1024 * 1024  # bodies past this are not parsed (the emulator caps lower)


@dataclass
class Rollback:
    """What a journal says was accepted after the last save: records, writes, other calls."""

    records: dict[str, dict[str, int]] = field(default_factory=dict)  # stream -> shard -> n
    writes: dict[str, int] = field(default_factory=dict)  # table -> item writes
    calls: dict[str, int] = field(default_factory=dict)  # "service Action" -> n
    entries: int = 0

    @property
    def record_count(self) -> int:
        return sum(sum(shards.values()) for shards in self.records.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "writes": self.writes,
            "calls": self.calls,
            "entries": self.entries,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rollback:
        return cls(
            records={
                str(stream): {str(s): int(n) for s, n in shards.items()}
                for stream, shards in (data.get("records") or {}).items()
            },
            writes={str(t): int(n) for t, n in (data.get("writes") or {}).items()},
            calls={str(c): int(n) for c, n in (data.get("calls") or {}).items()},
            entries=int(data.get("entries", 0)),
        )


def summarize(lines: Iterable[str]) -> Rollback:
    """Fold journal lines; a torn last line (killed mid-write) is ignored, it was not answered."""
    result = Rollback()
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        result.entries += 1
        for stream, shards in (entry.get("records") or {}).items():
            into = result.records.setdefault(stream, {})
            for shard, count in shards.items():
                into[shard] = into.get(shard, 0) + int(count)
        for table, count in (entry.get("writes") or {}).items():
            result.writes[table] = result.writes.get(table, 0) + int(count)
        call = entry.get("call")
        if isinstance(call, str):
            result.calls[call] = result.calls.get(call, 0) + 1
    return result


def read(path: Path) -> Rollback:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return summarize(handle)
    except FileNotFoundError:
        return Rollback()


class JournalMiddleware:
    """ASGI wrapper: after each successful write request, append what it changed.

    The line is written before the response's last byte leaves, so every write a client saw
    acknowledged is in the journal even if the emulator is killed right after.
    """

    def __init__(self, app: Asgi, sink: IO[str]) -> None:
        self.app = app
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("method") in _READ_METHODS:
            await self.app(scope, receive, send)
            return
        service, action, form = _identify(scope)
        if action is not None and action.startswith(_READ_PREFIXES):
            await self.app(scope, receive, send)
            return
        parse = form or (service == "kinesis" and action in _KINESIS_PUTS)
        parse = parse or (service == "dynamodb" and action in _DDB_WRITES)
        request: list[bytes] = []
        response: list[bytes] = []
        status = [0]

        async def tap_receive() -> Message:
            message = await receive()
            if parse and message.get("type") == "http.request":
                request.append(bytes(message.get("body", b"")))
            return message

        async def tap_send(message: Message) -> None:
            if message.get("type") == "http.response.start":
                status[0] = int(message.get("status", 0))
            elif message.get("type") == "http.response.body":
                if parse and 200 <= status[0] < 300:
                    response.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False) and 200 <= status[0] < 300:
                    self._record(scope, service, action, form, request, response)
            await send(message)

        await self.app(scope, tap_receive, tap_send)

    def _record(
        self,
        scope: Scope,
        service: str | None,
        action: str | None,
        form: bool,
        request: list[bytes],
        response: list[bytes],
    ) -> None:
        path = str(scope.get("path", ""))
        if path.startswith("/_ministack/") and path != "/_ministack/reset":
            return  # health, config, lambda runtime plumbing: no stored state
        body = b"".join(request)
        if form and action is None and len(body) <= _BODY_LIMIT:
            found = parse_qs(body.decode("latin-1")).get("Action")
            action = found[0] if found else None
            if action is not None and action.startswith(_READ_PREFIXES):
                return
        entry: dict[str, Any] = {
            "call": f"{service or 'unknown'} {action or scope.get('method')}",
        }
        if path == "/_ministack/reset":
            entry["call"] = "ministack reset"
        elif service == "lambda" and path.endswith("/invocations"):
            return  # an invocation stores nothing itself; the function's own writes are journaled
        try:
            if service == "kinesis" and action in _KINESIS_PUTS:
                entry["records"] = _kinesis_records(action, body, b"".join(response))
            elif service == "dynamodb" and action in _DDB_WRITES:
                entry["writes"] = _dynamodb_writes(action, body, b"".join(response))
        except (ValueError, TypeError, AttributeError, KeyError):
            pass  # an odd body still counts as a call
        self.sink.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self.sink.flush()


def _identify(scope: Scope) -> tuple[str | None, str | None, bool]:
    service = action = None
    form = False
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            found = _SERVICE.search(value)
            service = found.group(1).decode("latin-1") if found else None
        elif name == b"x-amz-target":
            action = value.decode("latin-1").rsplit(".", 1)[-1]
        elif name == b"content-type":
            form = value.startswith(b"application/x-www-form-urlencoded")
    return service, action, form


def _stream_name(request: dict[str, Any]) -> str:
    name = request.get("StreamName")
    if isinstance(name, str) and name:
        return name
    arn = str(request.get("StreamARN", ""))
    return arn.rsplit("/", 1)[-1] or "?"


def _kinesis_records(action: str, body: bytes, answer: bytes) -> dict[str, dict[str, int]]:
    request = json.loads(body)
    reply = json.loads(answer)
    shards: dict[str, int] = {}
    results = [reply] if action == "PutRecord" else reply.get("Records", [])
    for result in results:
        if isinstance(result, dict) and result.get("ShardId") and not result.get("ErrorCode"):
            shard = str(result["ShardId"])
            shards[shard] = shards.get(shard, 0) + 1
    return {_stream_name(request): shards} if shards else {}


def _dynamodb_writes(action: str, body: bytes, answer: bytes) -> dict[str, int]:
    request = json.loads(body)
    writes: dict[str, int] = {}
    if action in ("PutItem", "UpdateItem", "DeleteItem"):
        writes[str(request.get("TableName"))] = 1
    elif action == "BatchWriteItem":
        unprocessed = (json.loads(answer) if answer else {}).get("UnprocessedItems") or {}
        for table, items in (request.get("RequestItems") or {}).items():
            done = len(items) - len(unprocessed.get(table, []))
            if done:
                writes[str(table)] = done
    else:
        for item in request.get("TransactItems") or []:
            for kind in ("Put", "Update", "Delete"):
                if kind in item:
                    table = str(item[kind].get("TableName"))
                    writes[table] = writes.get(table, 0) + 1
    return writes
