"""`devtools query` and `devtools watch --once` after a small replay: the report's exact figures."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import Deployed

pytestmark = [pytest.mark.emulator, pytest.mark.e2e]


@dataclass(frozen=True)
class Replayed:
    """One replay of the scenario below, with `watch --once --json` taken before and after."""

    token: str
    far_minute: str  # the minute every explicit event is stamped with, unique to this run
    report: dict[str, Any]
    watch_before: dict[str, Any]
    watch_after: dict[str, Any]

    def minute(self, minute: str) -> dict[str, Any]:
        return next(m for m in self.report["observations"]["minutes"] if m["minute"] == minute)


def scenario(token: str, stamp: str) -> str:
    """Explicit events in one far-away minute (nobody else writes there), traffic now, poison."""

    def event(kind: str, n: int, **fields: object) -> str:
        body = {"eventType": kind, "userId": f"user_{n}", "eventId": f"{token}-{kind}-{n}",
                "timestamp": stamp, **fields}  # fmt: skip
        return "      - " + json.dumps(body)

    lines = [
        event("purchase", 1, amount=10.5, currency="USD", itemsCount=1,
              paymentMethod="credit_card", deviceType="mobile"),
        event("purchase", 2, amount=20.25, currency="USD", itemsCount=3,
              paymentMethod="paypal", deviceType="desktop"),
        event("purchase", 3, amount=7, currency="EUR", itemsCount=1,
              paymentMethod="credit_card", deviceType="mobile"),
        *(event("page_view", n, pageUrl="/home", loadTime=load, deviceType="desktop")
          for n, load in enumerate((120, 480, 950, 1300, 4200), start=1)),
        event("error", 1, errorType="javascript", errorMessage="x", pageUrl="/checkout"),
        event("error", 2, errorType="javascript", errorMessage="x", pageUrl="/checkout"),
        event("error", 3, errorType="network", errorMessage="y", pageUrl="/home"),
        event("click", 1, elementId="cta", elementType="button", pageUrl="/product"),
        event("click", 2, elementId="cta", elementType="button", pageUrl="/product"),
        event("user_signup", 1, signupMethod="email", campaignSource="google"),
    ]  # fmt: skip
    return "\n".join(
        [
            "version: 1",
            "name: query_watch",
            "seed: 11",
            "traffic:",
            "  - name: now",
            "    generate: {type: click, count: 12}",
            "  - name: views",
            "    generate: {type: page_view, count: 6}",
            "  - name: far",
            "    events:",
            *lines,
            "  - name: poison",
            "    malformed:",
            '      - {text: "not json {", reason: not_json}',
            '      - {base64: "//79/w==", reason: not_utf8}',
            "      - {json: [1, 2], reason: not_object}",
            "expect:",
            "  stored: {click: 14, page_view: 11, purchase: 3, error: 3, user_signup: 1}",
            "  quarantined_total: 3",
            "  failure_queue: empty",
            "",
        ]
    )


def _json(deployed: Deployed, *args: str) -> Any:
    result = deployed.devtools(*args)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def replayed(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    token = "qw" + secrets.token_hex(4)
    # a random minute in 2040-2089: unique to this run, so its aggregates are ours alone
    year, rest = 2040 + secrets.randbelow(50), secrets.randbelow(365 * 24 * 60)
    day, minute = divmod(rest, 24 * 60)
    far_minute = (
        f"{year}-{1 + day // 31 % 12:02d}-{1 + day % 28:02d}T{minute // 60:02d}:{minute % 60:02d}Z"
    )
    stamp = far_minute[:-1] + ":30.000Z"
    folder = tmp_path_factory.mktemp("query-watch")
    path = folder / "query_watch.yaml"
    path.write_text(scenario(token, stamp))
    before = _json(deployed, "watch", "--once", "--json", "--interval", "0")
    result = deployed.devtools("replay", str(path), "--brief", "--report", str(folder / "r.json"))
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    after = _json(deployed, "watch", "--once", "--json", "--interval", "0")
    (report,) = json.loads((folder / "r.json").read_text())["reports"]
    return Replayed(token, far_minute, report, before, after)


def _query_type(deployed: Deployed, replayed: Replayed, kind: str) -> dict[str, Any]:
    return _json(
        deployed,
        "query", "aggregates", "--type", kind, "--minutes", "1",
        "--until", replayed.far_minute, "--json",
    )  # fmt: skip


def test_query_aggregates_for_purchases_matches_the_report(
    deployed: Deployed, replayed: Replayed
) -> None:
    # GIVEN the replay's aggregates of the far minute
    expected = replayed.minute(replayed.far_minute)
    # WHEN the purchases of that minute are queried
    answer = _query_type(deployed, replayed, "purchase")
    # THEN revenue and purchases by currency are the report's, and the values we sent
    (only,) = answer["minutes"]
    assert only["minute"] == replayed.far_minute
    assert only["revenue"] == expected["revenue"] == {"EUR": 7.0, "USD": 30.75}
    assert only["purchases"] == expected["purchases"] == {"EUR": 1, "USD": 2}
    assert only["count"] == expected["events"]["purchase"] == 3
    assert only["by_device"] == {"desktop": 1, "mobile": 2}
    assert answer["total"]["revenue"] == only["revenue"]


def test_query_aggregates_for_page_views_errors_clicks_and_signups_match_the_report(
    deployed: Deployed, replayed: Replayed
) -> None:
    expected = replayed.minute(replayed.far_minute)
    views = _query_type(deployed, replayed, "page_view")["total"]
    assert views["load_time_count"] == expected["load_time_count"] == 5
    for quantile in ("p50", "p95", "p99"):
        assert views[f"load_time_{quantile}"] == expected[f"load_time_{quantile}"]
    assert views["by_device"] == {"desktop": 5}
    errors = _query_type(deployed, replayed, "error")["total"]
    assert (
        errors["breakdowns"]["page"] == expected["errors_by_page"] == {"/checkout": 2, "/home": 1}
    )
    assert errors["breakdowns"]["errorType"] == expected["errors_by_type"]
    clicks = _query_type(deployed, replayed, "click")["total"]
    assert clicks["breakdowns"] == {"element": {"cta": 2}}
    assert clicks["count"] == expected["events"]["click"] == 2
    signups = _query_type(deployed, replayed, "user_signup")["total"]
    assert signups["breakdowns"] == {"campaign": {"google": 1}}


def test_query_event_returns_the_stored_item_with_derived_fields(
    deployed: Deployed, replayed: Replayed
) -> None:
    # WHEN an explicit event of the replay is looked up by id
    event_id = f"{replayed.token}-purchase-2"
    answer = _json(deployed, "query", "event", event_id, "--json")
    # THEN the item holds what was sent plus the processor's derived fields and position
    (item,) = answer["items"]
    assert item["eventId"] == event_id
    assert item["eventType"] == "purchase"
    assert item["amount"] == 20.25
    assert item["currency"] == "USD"
    assert item["minute"] == replayed.far_minute
    assert {"valueTier", "averageItemValue", "shardId", "sequenceNumber"} <= set(item)
    # and the table form shows it too
    table = deployed.devtools("query", "event", event_id)
    assert table.returncode == 0
    assert "valueTier" in table.stdout


def test_query_event_for_an_unknown_id_exits_1_with_one_clear_line(deployed: Deployed) -> None:
    result = deployed.devtools("query", "event", "no-such-event-id")
    assert result.returncode == 1
    assert "no stored event has eventId 'no-such-event-id'" in result.stderr
    assert "Traceback" not in result.stderr


def test_query_quarantine_lists_the_replays_poison_with_reason_detail_and_preview(
    deployed: Deployed, replayed: Replayed
) -> None:
    # GIVEN the quarantined records the report matched to this run's positions
    reported = {
        (q["shard_id"], q["sequence_number"]): q
        for q in replayed.report["observations"]["quarantined"]
    }
    assert len(reported) == 3
    # WHEN the quarantine is queried
    answer = _json(deployed, "query", "quarantine", "--limit", "1000", "--json")
    # THEN each of them is there with the report's reason and detail, and a preview of its bytes
    listed = {(e["shard_id"], e["sequence_number"]): e for e in answer["entries"]}
    assert answer["total"] >= 3
    for position, record in reported.items():
        assert listed[position]["reason"] == record["reason"]
        assert listed[position]["detail"] == record["detail"]
    previews = {listed[p]["reason"]: listed[p]["preview"] for p in reported}
    assert previews == {
        "not_json": "not json {",
        "not_utf8": "hex ff fe fd ff",
        "not_object": "[1, 2]",
    }


def test_query_quarantine_filters_by_reason(deployed: Deployed, replayed: Replayed) -> None:
    answer = _json(deployed, "query", "quarantine", "--reason", "not_utf8", "--json")
    assert answer["entries"]
    assert {e["reason"] for e in answer["entries"]} == {"not_utf8"}
    mine = [q for q in replayed.report["observations"]["quarantined"] if q["reason"] == "not_utf8"]
    positions = {(e["shard_id"], e["sequence_number"]) for e in answer["entries"]}
    assert (mine[0]["shard_id"], mine[0]["sequence_number"]) in positions


def _grown(
    before: Mapping[str, Mapping[str, int]], after: Mapping[str, Mapping[str, int]]
) -> dict[str, int]:
    grown: dict[str, int] = {}
    for minute, counts in after.items():
        for kind, count in counts.items():
            delta = count - before.get(minute, {}).get(kind, 0)
            if delta:
                grown[kind] = grown.get(kind, 0) + delta
    return dict(sorted(grown.items()))


def test_watch_once_counts_exactly_what_the_replay_added(replayed: Replayed) -> None:
    before, after = replayed.watch_before["sample"], replayed.watch_after["sample"]
    observations = replayed.report["observations"]
    # THEN the quarantine grew by the report's count; nothing failed or went to the queue
    assert after["quarantined"] - before["quarantined"] == len(observations["quarantined"]) == 3
    assert after["function_errors"] - before["function_errors"] == 0
    assert after["records_to_destination"] - before["records_to_destination"] == 0
    assert after["failure_queue_depth"] == before["failure_queue_depth"]
    # the events of the current minutes grew by the report's non-far minutes, by type
    recent: dict[str, int] = {}
    for minute in observations["minutes"]:
        if minute["minute"] != replayed.far_minute:
            for kind, count in minute["events"].items():
                recent[kind] = recent.get(kind, 0) + count
    assert _grown(before["minutes"], after["minutes"]) == recent == {"click": 12, "page_view": 6}
    # the driver delivered every record put (stored or quarantined)
    put = replayed.report["send"]["records"]
    assert after["records_delivered"] - before["records_delivered"] == put
    assert after["driver_state"] == "running"
    assert [s["shard_id"] for s in after["shards"]]
