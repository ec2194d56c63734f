"""What this container already knows of the stored per-minute load-time min/max."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from processor.folding import Extrema

# Minutes remembered per warm container; batches rarely span more than a few, and a forgotten
# minute only costs one conditional update the next time it is seen.
DEFAULT_CAPACITY = 1024


class KnownExtrema:
    """Bounds on the stored load-time min/max per minute, learnt from this container's writes.

    Stored extremes only ever move outwards (a conditional update replaces the minimum only by
    a smaller value, the maximum only by a larger one), so once the stored minimum is known to
    be at most m, it stays at most m, whatever other invocations write later. A batch whose
    extremes lie inside the known bounds cannot improve the stored ones: its update is skipped.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._bounds: OrderedDict[str, Extrema] = OrderedDict()

    def covers(self, minute: str, batch: Extrema) -> bool:
        """True when the stored extremes of `minute` are known to be at least as extreme."""
        known = self._bounds.get(minute)
        if known is None:
            return False
        self._bounds.move_to_end(minute)
        return known.minimum <= batch.minimum and batch.maximum <= known.maximum

    def learn(self, minute: str, *, minimum: Decimal | None, maximum: Decimal | None) -> None:
        """Record that the stored minimum is at most `minimum` and the maximum at least `maximum`.

        Only a learnt pair makes `covers` answer yes; half a pair is kept until the other half
        arrives (a one-sided update settles one attribute at a time).
        """
        known = self._bounds.get(minute)
        if known is None:
            if minimum is None or maximum is None:
                known = Extrema(
                    minimum if minimum is not None else Decimal("Infinity"),
                    maximum if maximum is not None else Decimal("-Infinity"),
                )
            else:
                known = Extrema(minimum, maximum)
            self._bounds[minute] = known
        else:
            if minimum is not None:
                known.minimum = min(known.minimum, minimum)
            if maximum is not None:
                known.maximum = max(known.maximum, maximum)
            self._bounds.move_to_end(minute)
        while len(self._bounds) > self._capacity:
            self._bounds.popitem(last=False)
