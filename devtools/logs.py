"""Read and follow a CloudWatch Logs group (the function's logs on the emulator or AWS)."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from devtools.errors import UserError

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

PAGE_LIMIT = 10_000
# events of different invocations can be written slightly out of timestamp order
FOLLOW_LOOKBACK_MS = 2_000
_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class LogEvent:
    """One log line: when, in which stream, what."""

    timestamp_ms: int
    stream: str
    message: str

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)


def parse_since(value: str, *, now: float | None = None) -> int:
    """`10m`, `2h`, `1d`, `30s`, `1w`, or an ISO-8601 time -> epoch milliseconds."""
    now = time.time() if now is None else now
    match = _DURATION.match(value.strip())
    if match:
        return int((now - int(match.group(1)) * _UNIT_SECONDS[match.group(2)]) * 1000)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"--since {value!r}: expected a duration like 10m, 2h, 1d or an ISO-8601 time"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def _key(event: dict[str, Any]) -> tuple[str, int, str]:
    return (str(event.get("logStreamName", "")), int(event["timestamp"]), event["message"])


class _Reader:
    """FilterLogEvents paged by nextToken (AWS) or by advancing startTime (MiniStack has none).

    Already-returned events are skipped by (stream, timestamp, message) multiplicity, so a line
    printed twice by the function is also shown twice.
    """

    def __init__(self, client: CloudWatchLogsClient, group: str, start_ms: int | None) -> None:
        self.client = client
        self.group = group
        self.cursor = start_ms
        self.seen: Counter[tuple[str, int, str]] = Counter()

    def poll(self, *, end_ms: int | None = None, lookback_ms: int = 0) -> list[LogEvent]:
        fresh: list[LogEvent] = []
        while True:
            start = None if self.cursor is None else max(0, self.cursor - lookback_ms)
            page = self._all_pages(start, end_ms)
            batch: Counter[tuple[str, int, str]] = Counter()
            new_in_page = 0
            for event in page:
                key = _key(event)
                batch[key] += 1
                if batch[key] > self.seen[key]:
                    self.seen[key] += 1
                    fresh.append(LogEvent(key[1], key[0], key[2]))
                    new_in_page += 1
            if page:
                latest = max(int(e["timestamp"]) for e in page)
                self.cursor = latest if self.cursor is None else max(self.cursor, latest)
                self._prune(lookback_ms)
            # a full page without nextToken: more may follow after the last timestamp
            if len(page) < PAGE_LIMIT or new_in_page == 0:
                return fresh

    def _all_pages(self, start_ms: int | None, end_ms: int | None) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"logGroupName": self.group, "limit": PAGE_LIMIT}
            if start_ms is not None:
                kwargs["startTime"] = start_ms
            if end_ms is not None:
                kwargs["endTime"] = end_ms
            if token:
                kwargs["nextToken"] = token
            try:
                response = self.client.filter_log_events(**kwargs)
            except ClientError as exc:
                if "ResourceNotFoundException" in str(exc):
                    return []  # the group appears with the first invocation
                raise
            events.extend(dict(e) for e in response.get("events", []))
            token = response.get("nextToken")
            if not token:
                return events

    def _prune(self, lookback_ms: int) -> None:
        if self.cursor is None:
            return
        horizon = self.cursor - max(lookback_ms, FOLLOW_LOOKBACK_MS) - 1
        for key in [k for k in self.seen if k[1] < horizon]:
            del self.seen[key]


def read_events(
    client: CloudWatchLogsClient,
    group: str,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> list[LogEvent]:
    """Every event of the group in [start, end], oldest first."""
    events = _Reader(client, group, start_ms).poll(end_ms=end_ms)
    return sorted(events, key=lambda e: e.timestamp_ms)


def follow(
    client: CloudWatchLogsClient,
    group: str,
    *,
    start_ms: int | None,
    poll_seconds: float = 1.0,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[LogEvent]:
    """Yield events as they arrive (first those since `start_ms`) until `should_stop()`."""
    reader = _Reader(client, group, start_ms)
    while True:
        events = reader.poll(lookback_ms=FOLLOW_LOOKBACK_MS)
        yield from sorted(events, key=lambda e: e.timestamp_ms)
        if should_stop():
            return
        sleep(poll_seconds)
