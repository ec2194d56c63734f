"""The pure path: Kinesis records -> poison rejections and ready-to-store events, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from processor.analytics import process_analytics_data
from processor.decoding import decode_payload, record_ref
from processor.events import FieldValue, RecordRef, ValidEvent
from processor.folding import AggregateKey, aggregate_contributions, load_time_of
from processor.items import result_item
from processor.reasons import Rejection
from processor.types import Item
from processor.validation import validate_event_data

# Fixed namespace: the derived eventId of a stream position must never change between releases.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c8a52-3d4e-4f0a-9a7b-2c5d8e1f0b34")


def derived_event_id(shard_id: str, sequence_number: str) -> str:
    """eventId for events without one: UUIDv5 of `<shardId>:<sequenceNumber>`."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{shard_id}:{sequence_number}"))


@dataclass(frozen=True, slots=True)
class Poison:
    """A record that can never be valid: quarantine it, never retry it."""

    ref: RecordRef
    rejection: Rejection


@dataclass(frozen=True, slots=True)
class Prepared:
    """A valid event with everything needed to store it: item, key, aggregate contributions."""

    ref: RecordRef
    event: ValidEvent
    derived: dict[str, FieldValue]
    item: Item
    contributions: tuple[tuple[AggregateKey, str, Any], ...]

    @property
    def key(self) -> tuple[str, str]:
        """The results table key: what makes two records the same event."""
        return (self.event.event_id, self.event.timestamp)

    @property
    def aggregate_keys(self) -> frozenset[AggregateKey]:
        return frozenset(key for key, _, _ in self.contributions)


Outcome = Poison | Prepared


def prepare_record(ref: RecordRef, *, ttl_days: int) -> Outcome:
    """Decode, validate and analyse one record; never raises for any payload."""
    document = decode_payload(ref.data_base64)
    if isinstance(document, Rejection):
        return Poison(ref, document)
    # The UUIDv5 costs more than the rest of validation: derive it only when it is needed.
    needs_id = document.get("eventId") is None
    validated = validate_event_data(
        document,
        default_event_id=derived_event_id(ref.shard_id, ref.sequence_number) if needs_id else "",
        arrival=ref.arrival,
    )
    if isinstance(validated, Rejection):
        return Poison(ref, validated)
    derived = process_analytics_data(validated)
    item = result_item(
        validated,
        derived,
        arrival=ref.arrival,
        ttl_days=ttl_days,
        shard_id=ref.shard_id,
        sequence_number=ref.sequence_number,
    )
    return Prepared(
        ref=ref,
        event=validated,
        derived=derived,
        item=item,
        contributions=tuple(aggregate_contributions(validated, derived)),
    )


def prepare_records(records: Iterable[Mapping[str, Any]], *, ttl_days: int) -> list[Outcome]:
    """The pure path for a batch, in stream order. A malformed envelope raises
    MalformedEventError (a wiring bug, not a poison record)."""
    return [prepare_record(record_ref(record), ttl_days=ttl_days) for record in records]


__all__ = ["Outcome", "Poison", "Prepared", "derived_event_id", "load_time_of", "prepare_records"]
