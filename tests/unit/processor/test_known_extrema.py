"""KnownExtrema: bounds on stored per-minute load-time extremes that let updates be skipped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from processor.known_extrema import Extrema, KnownExtrema
from processor.store import _already_beaten


def span(low: int, high: int) -> Extrema:
    return Extrema(Decimal(low), Decimal(high))


def covers(known: KnownExtrema, minute: str, batch: Extrema) -> bool:
    """The stored extremes of `minute` are known to be at least as extreme as the batch's."""
    return known.improving(minute, batch) == {}


def test_nothing_known_covers_nothing() -> None:
    assert not covers(KnownExtrema(), "2025-01-01T12:00Z", span(1, 1))


def test_a_learnt_pair_covers_batches_inside_it_only() -> None:
    # GIVEN the stored extremes of a minute are known to be at least 100..900
    known = KnownExtrema()
    known.learn("m", {"min": Decimal(100), "max": Decimal(900)})
    # THEN batches inside are covered, batches reaching out on either side are not
    assert covers(known, "m", span(100, 900))
    assert covers(known, "m", span(300, 400))
    assert not covers(known, "m", span(99, 400))
    assert not covers(known, "m", span(300, 901))
    assert not covers(known, "other", span(300, 400))


def test_half_a_pair_covers_nothing_until_the_other_half_arrives() -> None:
    known = KnownExtrema()
    known.learn("m", {"min": Decimal(100)})
    assert not covers(known, "m", span(200, 300))
    known.learn("m", {"max": Decimal(900)})
    assert covers(known, "m", span(200, 300))


def test_learning_only_widens_the_bounds() -> None:
    # GIVEN 100..900 known WHEN narrower values are learnt THEN the wider bounds stay
    known = KnownExtrema()
    known.learn("m", {"min": Decimal(100), "max": Decimal(900)})
    known.learn("m", {"min": Decimal(300), "max": Decimal(500)})
    assert covers(known, "m", span(150, 850))


def test_the_least_recently_used_minute_is_forgotten_beyond_capacity() -> None:
    known = KnownExtrema(capacity=2)
    for minute in ("a", "b"):
        known.learn(minute, {"min": Decimal(1), "max": Decimal(9)})
    assert covers(known, "a", span(2, 3))  # touching "a" makes "b" the oldest
    known.learn("c", {"min": Decimal(1), "max": Decimal(9)})
    assert covers(known, "a", span(2, 3))
    assert not covers(known, "b", span(2, 3))
    assert covers(known, "c", span(2, 3))


def test_only_the_extremes_not_known_to_be_beaten_are_wanted() -> None:
    # GIVEN the stored extremes of a minute are known to be at least 100..900
    known = KnownExtrema()
    assert known.improving("m", span(50, 950)) == {"min": 50, "max": 950}
    known.learn("m", {"min": Decimal(100), "max": Decimal(900)})
    # THEN a batch reaching out on one side wants only that side; inside, nothing
    assert known.improving("m", span(100, 950)) == {"max": 950}
    assert known.improving("m", span(99, 900)) == {"min": 99}
    assert known.improving("m", span(300, 400)) == {}


def test_a_refused_pair_update_tells_which_side_is_already_beaten() -> None:
    # GIVEN a conditional SET of min 40 and max 950 refused, the stored item holding 50..950
    def refusal(item: dict[str, Any] | None) -> ClientError:
        response: dict[str, Any] = {"Error": {"Code": "ConditionalCheckFailedException"}}
        return ClientError({**response, **({"Item": item} if item else {})}, "UpdateItem")

    wanted = {"min": Decimal(40), "max": Decimal(950)}
    stored = {"min": {"N": "50"}, "max": {"N": "950"}}
    # THEN the max (stored at least as large) is beaten, the min still improves
    assert _already_beaten(wanted, refusal(stored)) == {"max": Decimal(950)}
    assert _already_beaten(wanted, refusal({"min": {"N": "40"}})) == {"min": Decimal(40)}
    # AND a single attribute refused is beaten; without the old item nothing can be told
    assert _already_beaten({"max": Decimal(1)}, refusal(None)) == {"max": Decimal(1)}
    assert _already_beaten(wanted, refusal(None)) is None
