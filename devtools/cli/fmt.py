"""Text formats shared by every command: durations, counts, rates, pairs, shard and sequence."""

from __future__ import annotations

from collections.abc import Mapping

ELLIPSIS = "…"


def age(ms: float | None) -> str:
    """A duration in milliseconds for people: `850 ms`, `1.2 s`; `-` when unknown."""
    if ms is None:
        return "-"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def whole(value: float | None) -> str:
    """A number in a column whose header names the unit: `1417`; `-` when unknown."""
    return "-" if value is None else f"{value:.0f}"


def count(value: int | None) -> str:
    """A counter that may be unknown (the source did not answer): `?`."""
    return "?" if value is None else str(value)


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def plus(value: int | None) -> str:
    """The growth since the previous sample, when there is some: ` (+3)`."""
    return f" (+{value})" if value else ""


def pairs(values: Mapping[str, float] | Mapping[str, int], digits: int = 2) -> str:
    """`desktop 5, mobile 3`: whole numbers plain, fractions to `digits` places."""
    if not values:
        return "-"
    return ", ".join(
        f"{k} {v:g}" if float(v).is_integer() else f"{k} {v:.{digits}f}" for k, v in values.items()
    )


def shard(shard_id: str) -> str:
    """`shardId-000000000001` -> `1`: the distinguishing digits only."""
    return shard_id.rsplit("-", 1)[-1].lstrip("0") or "0"


def tail(sequence_number: str, keep: int = 8) -> str:
    """A 56-digit sequence number by its last digits, which tell records of a run apart."""
    return (
        sequence_number if len(sequence_number) <= keep + 1 else ELLIPSIS + sequence_number[-keep:]
    )


def elide(word: str, width: int) -> str:
    """A word shortened in the middle to `width` characters (never split across lines)."""
    if len(word) <= width:
        return word
    if width <= 1:
        return ELLIPSIS
    head = (width - 1) // 2
    return word[:head] + ELLIPSIS + word[len(word) - (width - 1 - head) :]


def fit_words(text: str, width: int) -> str:
    """Text whose every word fits `width`, so wrapping breaks between words, never inside one."""
    return " ".join(elide(word, width) for word in text.split(" "))
