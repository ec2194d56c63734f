"""Rates between two samples: per-type events/s from aggregates deltas, driver throughput."""

from __future__ import annotations

from devtools.watch.model import Sample, WatchView


def minute_deltas(before: Sample, after: Sample) -> dict[str, int]:
    """Events added between the samples, by type.

    Compared over the minutes `after` watches: a minute `before` did not watch yet is newer than
    anything it could see, so it counts from zero; minutes that slid out of the window are
    ignored (late events in them are not counted).
    """
    added: dict[str, int] = {}
    for minute, counts in after.minutes.items():
        was = before.minutes.get(minute, {})
        for kind, count in counts.items():
            grown = count - was.get(kind, 0)
            if grown > 0:
                added[kind] = added.get(kind, 0) + grown
    return dict(sorted(added.items()))


def _grown(before: int | None, after: int | None) -> int | None:
    if before is None or after is None or after < before:
        return None
    return after - before


def view(previous: Sample | None, current: Sample) -> WatchView:
    """The view of `current`, with rates since `previous` when there is one."""
    if previous is None:
        return WatchView(sample=current)
    seconds = current.taken_at - previous.taken_at
    if seconds <= 0:
        return WatchView(sample=current)
    added = minute_deltas(previous, current)
    delivered = _grown(previous.records_delivered, current.records_delivered)
    return WatchView(
        sample=current,
        seconds=round(seconds, 3),
        events_per_second={kind: round(n / seconds, 1) for kind, n in added.items()},
        events_per_second_total=round(sum(added.values()) / seconds, 1),
        delivered_per_second=None if delivered is None else round(delivered / seconds, 1),
        new_function_errors=_grown(previous.function_errors, current.function_errors),
        new_to_destination=_grown(previous.records_to_destination, current.records_to_destination),
        new_quarantined=_grown(previous.quarantined, current.quarantined),
    )
