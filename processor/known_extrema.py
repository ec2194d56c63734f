"""Per-minute min/max of a batch, and what this container already knows of the stored ones."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from processor.aggregates import MAX, MIN
from processor.pipeline import AggregateKey, Prepared


@dataclass
class Extrema:
    """Smallest and largest value seen for one aggregates item (one minute)."""

    minimum: Decimal
    maximum: Decimal

    def add(self, value: Decimal) -> None:
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)


def batch_extrema(events: Iterable[Prepared]) -> dict[AggregateKey, Extrema]:
    """The min/max per aggregates item (metricKey, minute) of the events that carry one (not
    additive: written separately, with conditional updates)."""
    extrema: dict[AggregateKey, Extrema] = {}
    for prepared in events:
        if prepared.extreme is not None:
            key, value = prepared.extreme
            extrema.setdefault(key, Extrema(value, value)).add(value)
    return extrema


# Minutes remembered per warm container; batches rarely span more than a few, and a forgotten
# minute only costs one conditional update the next time it is seen.
DEFAULT_CAPACITY = 1024


class KnownExtrema:
    """Bounds on the stored load-time min/max per minute, learnt from this container's writes.

    Stored extremes only ever move outwards (a conditional update replaces the minimum only by
    a smaller value, the maximum only by a larger one), so once the stored minimum is known to
    be at most m, it stays at most m, whatever other invocations write later. A batch whose
    extremes lie inside the known bounds cannot improve the stored ones: its update is skipped.
    Keys are the items written (each invocation lane's partial item of a minute). Thread-safe:
    a host may run invocations concurrently in threads of one process, sharing this object.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._bounds: OrderedDict[Hashable, Extrema] = OrderedDict()
        self._lock = threading.Lock()

    def improving(self, minute: Hashable, batch: Extrema) -> dict[str, Decimal]:
        """The batch's extremes that may still improve the stored ones (min/max): those
        not already known to be beaten (empty: the stored ones are at least as extreme)."""
        with self._lock:
            known = self._bounds.get(minute)
            if known is None:
                return {MIN: batch.minimum, MAX: batch.maximum}
            self._bounds.move_to_end(minute)
            wanted = {}
            if batch.minimum < known.minimum:
                wanted[MIN] = batch.minimum
            if batch.maximum > known.maximum:
                wanted[MAX] = batch.maximum
            return wanted

    def learn(self, minute: Hashable, settled: Mapping[str, Decimal]) -> None:
        """Record that the stored extremes are at least as extreme as `settled` (min and/or
        max, as `improving` gives them): written, or found in the table.

        Only a learnt pair can leave nothing to improve; half a pair is kept until the other
        half arrives (a one-sided update settles one attribute at a time).
        """
        with self._lock:
            unknown = Extrema(Decimal("Infinity"), Decimal("-Infinity"))
            known = self._bounds.setdefault(minute, unknown)
            known.minimum = min(known.minimum, settled.get(MIN, known.minimum))
            known.maximum = max(known.maximum, settled.get(MAX, known.maximum))
            self._bounds.move_to_end(minute)
            while len(self._bounds) > self._capacity:
                self._bounds.popitem(last=False)
