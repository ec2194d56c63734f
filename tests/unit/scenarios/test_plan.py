"""Plans: deterministic for a seed, run-unique eventIds, timestamps, keys, duplicates, truth."""

from __future__ import annotations

import datetime as dt
import json

from devtools.scenarios import build, compute, loads

START = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
TEXT = """version: 1
seed: 42
traffic:
  - name: views
    generate: {type: page_view, count: 10, duration: 10s}
  - name: buys
    partition_key: "buyer-{n}"
    generate:
      type: purchase
      count: 4
      fields: {currency: EUR, amount: {sequence: [1.5, 2.5]}}
  - pause: 2s
  - name: again
    duplicate: {step: buys, times: 2}
  - name: changed
    duplicate: {step: buys, count: 1, mutate: {amount: 999}}
"""


def test_same_seed_and_run_give_identical_records() -> None:
    scenario = loads(TEXT)
    first = build(scenario, "r1", START)
    second = build(scenario, "r1", START)
    assert [r.data for r in first.records] == [r.data for r in second.records]


def test_another_seed_changes_values_but_not_counts() -> None:
    one = build(loads(TEXT), "r1", START)
    other = build(loads(TEXT.replace("seed: 42", "seed: 43")), "r1", START)
    assert len(one.records) == len(other.records)
    assert [r.data for r in one.records] != [r.data for r in other.records]


def test_event_ids_are_unique_per_run_and_timestamps_spread_over_the_duration() -> None:
    plan = build(loads(TEXT), "rabc", START)
    views = [json.loads(r.data) for r in plan.records if r.step == "views"]
    assert views[0]["eventId"] == "rabc-views-0"
    assert views[0]["timestamp"] == "2030-01-01T12:00:00.000Z"
    assert views[9]["timestamp"] == "2030-01-01T12:00:09.000Z"
    assert {"userId", "pageUrl", "loadTime", "deviceType"} <= set(views[0])


def test_partition_key_templates_pauses_and_duplicates() -> None:
    plan = build(loads(TEXT), "r1", START)
    buys = [r for r in plan.records if r.step == "buys"]
    assert [r.partition_key for r in buys] == ["buyer-0", "buyer-1", "buyer-2", "buyer-3"]
    again = [r for r in plan.records if r.step == "again"]
    assert len(again) == 8
    assert again[0].pause_before == 2.0
    assert [r.data for r in again[:4]] == [r.data for r in buys]
    changed = [r for r in plan.records if r.step == "changed"]
    assert json.loads(changed[0].data)["amount"] == 999
    assert changed[0].event_id == buys[0].event_id


def test_truth_counts_each_event_once_first_copy_wins() -> None:
    truth = compute(build(loads(TEXT), "r1", START))
    assert truth.stored == {"page_view": 10, "purchase": 4}
    assert truth.purchases == {"EUR": 4}
    assert truth.revenue == {"EUR": 8.0}  # 1.5 + 2.5 + 1.5 + 2.5; the 999 copy is dropped
    assert len(truth.load_times) == 10
