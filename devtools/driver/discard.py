"""A discarded chunk: its invocation record to the on-failure destination, or a counted drop."""

from __future__ import annotations

import json
import logging

from devtools.driver.config import MappingConfig
from devtools.driver.exceptions import DestinationError
from devtools.driver.failure_record import invocation_record, is_s3_destination, s3_object_key
from devtools.driver.policy import Chunk
from devtools.driver.ports import Clock, FailureDestination
from devtools.driver.records import EventContext
from devtools.driver.shard_state import ShardRun

logger = logging.getLogger("devtools.driver")


class Discarder:
    """Sends discarded chunks' invocation records the way the mapping's destination takes them."""

    def __init__(
        self,
        config: MappingConfig,
        destination: FailureDestination | None,
        clock: Clock,
        context: EventContext,
    ) -> None:
        self._config = config
        self._destination = destination
        self._clock = clock
        self._context = context

    def discard(self, run: ShardRun, chunk: Chunk) -> None:
        """Send (or drop) the chunk and count it; raises DestinationError when sending failed."""
        arn = self._config.on_failure_destination
        if arn and self._destination is not None:
            wall_now = self._clock.time()
            to_s3 = is_s3_destination(arn)
            record = invocation_record(
                records=chunk.records,
                condition=chunk.discard or "",
                function_arn=self._config.function_arn,
                stream_arn=self._config.stream_arn,
                invoke_count=chunk.invoke_count,
                last_result=chunk.last_result,
                wall_now=wall_now,
                payload_context=self._context if to_s3 else None,
            )
            key = s3_object_key(self._config.uuid, run.shard_id, wall_now)
            try:
                self._destination.send(arn, json.dumps(record), key)
            except DestinationError as exc:
                raise DestinationError(f"on-failure destination {arn}: {exc}") from exc
            run.records_to_destination += len(chunk.records)
            where = "sent to on-failure destination"
        else:
            run.records_discarded += len(chunk.records)
            where = "dropped (no on-failure destination)"
        logger.warning(
            "shard %s: %d records %s..%s %s (%s)",
            run.shard_id,
            len(chunk.records),
            chunk.records[0].sequence_number,
            chunk.records[-1].sequence_number,
            where,
            chunk.discard,
        )
        run.last_result = f"{chunk.discard}: {len(chunk.records)} records {where}"
