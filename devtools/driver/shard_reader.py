"""Reads one shard in order: keeps its iterator, renews it when it expires, notices closure."""

from __future__ import annotations

from dataclasses import dataclass

from devtools.driver.exceptions import IteratorExpiredError, ShardGoneError
from devtools.driver.ports import RecordSource, StartPosition
from devtools.driver.records import StreamRecord

# GetRecords returns at most 10,000 records per call.
MAX_RECORDS_PER_READ = 10_000


@dataclass(frozen=True)
class ReadBatch:
    """Records read in one call; `closed` once the shard has nothing more to give."""

    records: list[StreamRecord]
    closed: bool
    millis_behind_latest: int


class ShardReader:
    """The sequential reader of one shard, starting at `start`."""

    def __init__(self, source: RecordSource, shard_id: str, start: StartPosition) -> None:
        self._source = source
        self.shard_id = shard_id
        self._start = start
        self._iterator: str | None = None
        self.last_sequence: str | None = None
        self.closed = False

    def _position(self) -> StartPosition:
        if self.last_sequence is not None:
            return StartPosition("AFTER_SEQUENCE_NUMBER", sequence=self.last_sequence)
        return self._start

    def read(self, limit: int) -> ReadBatch:
        """Next records (possibly none); raises nothing for expiry or a vanished shard."""
        if self.closed:
            return ReadBatch([], closed=True, millis_behind_latest=0)
        limit = max(1, min(limit, MAX_RECORDS_PER_READ))
        for _attempt in range(2):
            try:
                if self._iterator is None:
                    self._iterator = self._source.shard_iterator(self.shard_id, self._position())
                result = self._source.get_records(self.shard_id, self._iterator, limit)
            except IteratorExpiredError:
                self._iterator = None  # renew from the last record read
                continue
            except ShardGoneError:
                # MiniStack deletes a split or merged parent: whatever we read is all there is.
                self.closed = True
                return ReadBatch([], closed=True, millis_behind_latest=0)
            if result.records:
                self.last_sequence = result.records[-1].sequence_number
            self._iterator = result.next_iterator
            if result.next_iterator is None:
                self.closed = True
            return ReadBatch(result.records, self.closed, result.millis_behind_latest)
        return ReadBatch([], closed=False, millis_behind_latest=0)
