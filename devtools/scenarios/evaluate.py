"""Check a scenario's expectations against what a replay observed (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from devtools.report.model import AlarmVerdict, CheckResult, Observations
from devtools.scenarios.model import (
    Expectations,
    ItemExpectation,
    MetricExpectation,
    Number,
    NumberSpec,
)
from devtools.scenarios.truth import PlanTruth

Key = TypeVar("Key", bound=str)  # event types and reasons are str subclasses


def evaluate(
    expect: Expectations,
    observed: Observations,
    *,
    declared_reasons: Mapping[str, str | None] | None = None,
) -> list[CheckResult]:
    """One CheckResult per expectation, in the order of the format reference.

    `declared_reasons` maps a quarantined record's sequence number to the reason the scenario
    declared for it (used by `quarantine_reasons_match`).
    """
    checks: list[CheckResult] = []
    checks += _by_key("stored", expect.stored, observed.stored_by_type)
    if expect.stored_total is not None:
        checks.append(_number("stored total", expect.stored_total, observed.stored_total))
    checks += _by_key("quarantined", expect.quarantined, observed.quarantined_by_reason)
    if expect.quarantined_total is not None:
        total = len(observed.quarantined)
        checks.append(_number("quarantined total", expect.quarantined_total, total))
    if expect.quarantine_reasons_match:
        checks.append(_reasons_match(observed, declared_reasons or {}))
    totals = observed.totals
    checks += _by_key("revenue", expect.revenue, totals.revenue)
    checks += _by_key("purchases", expect.purchases, totals.purchases)
    checks += _by_key("events", expect.events, totals.events)
    load = {
        "p50": totals.load_time_p50,
        "p95": totals.load_time_p95,
        "p99": totals.load_time_p99,
        "count": float(totals.load_time_count),
    }
    for key, wanted in expect.load_time.items():
        checks.append(_number(f"load time {key} (ms)", wanted, load.get(key)))
    checks += _by_key("errors on page", expect.errors_by_page, totals.errors_by_page)
    checks += _by_key("errors of type", expect.errors_by_type, totals.errors_by_type)
    if expect.failure_queue is not None:
        checks.append(_queue(expect.failure_queue, observed.failure_queue_depth))
    checks += [_metric(m, observed) for m in expect.metrics]
    checks += [_alarm(s, observed.alarms, fire=True) for s in expect.alarms.fire]
    checks += [_alarm(s, observed.alarms, fire=False) for s in expect.alarms.quiet]
    for percentile, bound in expect.latency.items():
        checks.append(_latency(percentile, bound, observed))
    checks += [_item(item, observed.items.get(item_key(item))) for item in expect.items]
    return checks


def item_key(item: ItemExpectation) -> str:
    return f"{item.step}#{item.event}"


def _same(wanted: Any, actual: Any) -> bool:
    # numbers come back from DynamoDB as int or float whatever the YAML said (3 vs 3.0)
    numbers = (int, float)
    if isinstance(wanted, numbers) and isinstance(actual, numbers):
        if isinstance(wanted, bool) or isinstance(actual, bool):
            return wanted is actual
        return float(wanted) == float(actual)
    return bool(wanted == actual)


def _item(wanted: ItemExpectation, stored: Mapping[str, Any] | None) -> CheckResult:
    name = f"stored item {wanted.step}[{wanted.event}]"
    expected = ", ".join(f"{k}={v!r}" for k, v in wanted.fields.items())
    if stored is None:
        return CheckResult(name, expected, "not stored", False)
    wrong = [
        f"{k}={stored.get(k)!r}" for k, v in wanted.fields.items() if not _same(v, stored.get(k))
    ]
    actual = ", ".join(wrong) if wrong else "as expected"
    return CheckResult(name, expected, actual, not wrong)


def _fmt(value: float | None) -> str:
    if value is None:
        return "none"
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def _number(name: str, wanted: Number, actual: float | None) -> CheckResult:
    spec = NumberSpec.of(wanted)
    return CheckResult(name, spec.describe(), _fmt(actual), spec.matches(actual))


def _by_key(
    name: str, wanted: Mapping[Key, Number], actual: Mapping[str, float]
) -> list[CheckResult]:
    # a key never observed counts as 0, so "stored: {click: 0}" can pass
    return [
        _number(f"{name} {key}", spec, float(actual.get(key, 0))) for key, spec in wanted.items()
    ]


def _reasons_match(observed: Observations, declared: Mapping[str, str | None]) -> CheckResult:
    wrong = [
        f"{q.sequence_number[-6:]}: {declared[q.sequence_number]} -> {q.reason}"
        for q in observed.quarantined
        if declared.get(q.sequence_number) and declared[q.sequence_number] != q.reason
    ]
    missing = [
        seq for seq, reason in declared.items()
        if reason and seq not in {q.sequence_number for q in observed.quarantined}
    ]  # fmt: skip
    actual = "all as declared"
    if wrong or missing:
        parts = []
        if wrong:
            parts.append("different: " + ", ".join(wrong[:3]))
        if missing:
            parts.append(f"{len(missing)} not quarantined")
        actual = "; ".join(parts)
    return CheckResult(
        "quarantine reasons as declared", "every declared reason", actual, not wrong and not missing
    )


def _queue(wanted: str | Number, depth: int) -> CheckResult:
    if wanted == "empty":
        return CheckResult("on-failure queue", "empty", f"{depth} messages", depth == 0)
    if wanted == "not_empty":
        return CheckResult("on-failure queue", "not empty", f"{depth} messages", depth > 0)
    assert not isinstance(wanted, str)
    return _number("on-failure queue messages", wanted, float(depth))


def _metric(wanted: MetricExpectation, observed: Observations) -> CheckResult:
    dims = ",".join(f"{k}={v}" for k, v in sorted(wanted.dimensions.items()))
    name = f"metric {wanted.name}" + (f" [{dims}]" if dims else "")
    matching = [
        m
        for m in observed.metrics
        if m.name == wanted.name
        and all(m.dimensions.get(k) == v for k, v in wanted.dimensions.items())
    ]
    total = sum(m.sum for m in matching)
    count = sum(m.count for m in matching)
    if wanted.sum is not None:
        return _number(f"{name} sum", wanted.sum, total if matching else None)
    if wanted.count is not None:
        return _number(f"{name} values", wanted.count, float(count) if matching else None)
    present = wanted.present is not False
    actual = f"emitted {count} values" if matching else "not emitted"
    return CheckResult(
        name, "emitted" if present else "not emitted", actual, bool(matching) == present
    )


def _alarm(selector: str, alarms: tuple[AlarmVerdict, ...], *, fire: bool) -> CheckResult:
    needle = selector.lower()
    matching = [a for a in alarms if needle in a.name.lower() or needle in a.metric.lower()]
    name = f"alarm '{selector}'"
    expected = "fires" if fire else "stays quiet"
    if not matching:
        return CheckResult(name, expected, "no deployed alarm matches", False)
    firing = [a.name for a in matching if a.would_fire]
    if fire:
        actual = f"fires: {', '.join(firing)}" if firing else "quiet"
        return CheckResult(name, expected, actual, bool(firing))
    actual = f"fires: {', '.join(firing)}" if firing else f"quiet ({len(matching)} alarms)"
    return CheckResult(name, expected, actual, not firing)


def _latency(key: str, bound: float, observed: Observations) -> CheckResult:
    name = f"end-to-end latency {key}"
    wanted = f"<= {bound:g} s"
    latency = observed.latency
    if latency is None or latency.count == 0:
        return CheckResult(name, wanted, "not measured", False)
    value = {"p50": latency.p50, "p95": latency.p95, "max": latency.maximum}[key]
    return CheckResult(name, wanted, f"{value:.2f} s", value <= bound)


def dry_run_checks(expect: Expectations, truth: PlanTruth) -> list[CheckResult]:
    """The expectations a dry run can decide from the plan alone, against its exact figures.

    Load-time percentiles, metrics, alarms, the on-failure queue and latency are only known
    after a replay (the pipeline's percentiles come from a histogram), so they are left out.
    """
    checks: list[CheckResult] = []
    checks += _by_key("stored", expect.stored, truth.stored)
    if expect.stored_total is not None:
        checks.append(_number("stored total", expect.stored_total, truth.stored_total))
    checks += _by_key("quarantined", expect.quarantined, truth.quarantined)
    if expect.quarantined_total is not None:
        checks.append(
            _number("quarantined total", expect.quarantined_total, truth.quarantined_total)
        )
    checks += _by_key("revenue", expect.revenue, truth.revenue)
    checks += _by_key("purchases", expect.purchases, truth.purchases)
    checks += _by_key("events", expect.events, truth.stored)
    if "count" in expect.load_time:
        checks.append(
            _number("load time count", expect.load_time["count"], float(len(truth.load_times)))
        )
    checks += _by_key("errors on page", expect.errors_by_page, truth.errors_by_page)
    checks += _by_key("errors of type", expect.errors_by_type, truth.errors_by_type)
    return checks
