"""Expectation checks against constructed observations."""

from __future__ import annotations

from devtools.report.model import (
    AggregateSummary,
    AlarmVerdict,
    Latency,
    MetricSummary,
    Observations,
    QuarantinedRecord,
)
from devtools.scenarios import evaluate, loads

EXPECT = """version: 1
traffic: [{pause: 0}]
expect:
  stored: {click: 2, error: {min: 1}}
  stored_total: 3
  quarantined: {not_json: 1}
  quarantine_reasons_match: true
  revenue: {USD: {value: 10, tolerance: 0.01}}
  load_time: {p95: {max: 1500}}
  errors_by_page: {/checkout: 1}
  failure_queue: empty
  metrics:
    - {name: EventsProcessed, dimensions: {EventType: click}, sum: 2}
    - {name: Missing, present: false}
  alarms:
    fire: [Iterator]
    quiet: [LambdaErrors]
  latency: {p95: 2s}
"""


def observations(**overrides: object) -> Observations:
    base: dict[str, object] = {
        "stored_by_type": {"click": 2, "error": 1},
        "totals": AggregateSummary(
            minute="*", revenue={"USD": 10.005}, load_time_p95=1400.0,
            errors_by_page={"/checkout": 1},
        ),
        "quarantined": (QuarantinedRecord("not_json", "bad", "shard-0", "17"),),
        "metrics": (
            MetricSummary("EventsProcessed", {"EventType": "click", "DeviceType": "a"},
                          "Count", 1, 1.0, 1.0, 1.0),
            MetricSummary("EventsProcessed", {"EventType": "click", "DeviceType": "b"},
                          "Count", 1, 1.0, 1.0, 1.0),
        ),
        "alarms": (
            AlarmVerdict("Stack-IteratorAge-1", "AWS/Lambda/IteratorAge", "Maximum", ">=",
                         1.0, 5.0, True, "driver"),
            AlarmVerdict("Stack-LambdaErrors-2", "AWS/Lambda/Errors", "Sum", ">=",
                         1.0, 0.0, False, "cw"),
        ),
        "latency": Latency(count=3, p50=0.5, p95=1.5, maximum=1.9),
    }  # fmt: skip
    base.update(overrides)
    return Observations(**base)  # type: ignore[arg-type]


def test_all_expectations_pass_on_matching_observations() -> None:
    checks = evaluate(loads(EXPECT).expect, observations(), declared_reasons={"17": "not_json"})
    failed = [c for c in checks if not c.passed]
    assert failed == []
    assert len(checks) == 14


def test_each_mismatch_fails_its_own_check() -> None:
    seen = observations(
        stored_by_type={"click": 1},
        quarantined=(QuarantinedRecord("not_object", "", "shard-0", "17"),),
        failure_queue_depth=2,
        latency=None,
        alarms=(),
    )
    checks = evaluate(loads(EXPECT).expect, seen, declared_reasons={"17": "not_json"})
    failed = {c.name: c.actual for c in checks if not c.passed}
    assert failed["stored click"] == "1"
    assert failed["stored error"] == "0"
    assert failed["quarantined not_json"] == "0"
    assert failed["quarantine reasons as declared"].startswith("different: ")
    assert failed["on-failure queue"] == "2 messages"
    assert failed["alarm 'Iterator'"] == "no deployed alarm matches"
    assert failed["end-to-end latency p95"] == "not measured"
    assert "revenue USD" not in failed
