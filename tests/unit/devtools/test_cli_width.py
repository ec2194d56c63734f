"""Every command's output at 80 and 120 columns: no line too wide, no word cut in two."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from devtools.cli.log_lines import describe
from devtools.cli.logs import log_line
from devtools.cli.metrics_view import MetricRow, metrics_table
from devtools.cli.query import aggregates_table, quarantine_view
from devtools.cli.render import outputs_view, verification_summary, verification_view
from devtools.cli.replay_render import dry_run, report_view, summary
from devtools.deploy.findings import Finding, VerificationReport
from devtools.logs import LogEvent
from devtools.query.aggregates import AggregatesAnswer, TypeMinute
from devtools.query.quarantine import QuarantineAnswer, QuarantineEntry
from devtools.report.model import (
    AggregateSummary,
    AlarmVerdict,
    CheckResult,
    FailureMessage,
    Latency,
    MetricSummary,
    Observations,
    QuarantinedRecord,
    ReplayReport,
    SendSummary,
    StoredRow,
)
from devtools.scenarios import validate
from devtools.scenarios.evaluate import dry_run_checks
from tests.unit.devtools.rendering import WIDTHS, assert_reads_whole, render

HERE = Path(__file__).parent
SCENARIOS = Path(__file__).parents[3] / "scenarios"
# outputs of a real deploy to MiniStack 1.5.33
OUTPUTS = {
    "StreamName": "realtimeanalyticspipeline-ingeststream404d06c0-083c94b95d682",
    "ProcessorFunctionName": "RealTimeAnalyticsPipeline-ProcessorFunction5B2A90E291B1B2AB512C4",
    "ProcessorLogGroupName": (
        "/aws/cloudformation/RealTimeAnalyticsPipeline/ProcessorLogGroup7C0FC1A8"
    ),
    "ResultsTableName": "RealTimeAnalyticsPipeline-StorageResultsB2A4FB2E-194EE75E76141",
    "FailureQueueUrl": (
        "http://localhost:4616/000000000000/"
        "RealTimeAnalyticsPipeline-ProcessorFailureQueue71E89E1B-87AEE7B836CC6"
    ),
    "EventSourceMappingId": "02a2dc61-4df9-48a9-ba2a-92b61d913d72",
}


def verification() -> VerificationReport:
    """The findings a real deploy to MiniStack wrote (every non-ok one, a few ok ones)."""
    raw = json.loads((HERE / "verification_example.json").read_text())
    return VerificationReport(tuple(Finding(**item) for item in raw["findings"]))


def replay_report() -> ReplayReport:
    """The report of a real `devtools replay scenarios/malformed.yaml --json`, plus one
    on-failure record (that scenario leaves the queue empty)."""
    raw: dict[str, Any] = json.loads((HERE / "replay_report_example.json").read_text())
    (data,) = raw["reports"]
    obs = data["observations"]
    send = {k: v for k, v in data["send"].items() if k != "rate"}
    observations = Observations(
        stored_by_type=obs["stored_by_type"],
        sample_rows=tuple(StoredRow(**row) for row in obs["sample_rows"]),
        minutes=tuple(AggregateSummary(**m) for m in obs["minutes"]),
        totals=AggregateSummary(**obs["totals"]),
        quarantined=tuple(QuarantinedRecord(**q) for q in obs["quarantined"]),
        failure_messages=(
            FailureMessage(
                "RetryAttemptsExhausted",
                "shardId-000000000001",
                "49670000000000000000000000000000000000000000000000000011",
                "49670000000000000000000000000000000000000000000000000017",
                7,
            ),
        ),
        failure_queue_depth=1,
        metrics=tuple(MetricSummary(**m) for m in obs["metrics"]),
        alarms=tuple(AlarmVerdict(**a) for a in obs["alarms"]),
        latency=Latency(**obs["latency"]),
        notes=tuple(obs["notes"]),
    )
    checks = tuple(CheckResult(**c) for c in data["checks"])
    failing = CheckResult("end-to-end latency p95", "<= 2 s", "5.59 s", passed=False)
    return ReplayReport(
        scenario=data["scenario"],
        file=data["file"],
        run_id=data["run_id"],
        started_at=data["started_at"],
        send=SendSummary(**send),
        drained=data["drained"],
        drain_seconds=data["drain_seconds"],
        observations=observations,
        checks=(*checks, failing),
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_verification_table_reads_whole(width: int) -> None:
    shown = assert_reads_whole(verification_view(verification(), width=width), width)
    assert "ReservedConcurrentExecutions" in shown
    assert "IngestStream404D06C0" in shown


def test_known_gaps_make_one_line_and_an_unexpected_difference_is_flagged() -> None:
    # GIVEN the real report: only the emulator's two known gaps still differ
    report = verification()
    line, unexpected = verification_summary(report)
    # THEN the deploy says so in one line
    assert not unexpected
    assert "2 known emulator gaps" in line
    assert "7 applied via the API" in line
    # WHEN one more setting differs
    odd = Finding("Stream", "AWS::Kinesis::Stream", "s", "ShardCount", "2", "1", "differs")
    line, unexpected = verification_summary(VerificationReport((*report.findings, odd)))
    # THEN it is flagged as unexpected
    assert unexpected
    assert "1 unexpected differences" in line
    assert [f.setting for f in VerificationReport((*report.findings, odd)).unexpected] == [
        "ShardCount"
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_stack_outputs_read_whole_and_use_the_width(width: int) -> None:
    shown = assert_reads_whole(outputs_view(OUTPUTS, width=width), width)
    if width >= 120:
        # a long value sits beside its key when the line can hold both
        assert f"ProcessorLogGroupName  {OUTPUTS['ProcessorLogGroupName']}" in shown


def test_a_wider_terminal_takes_fewer_lines() -> None:
    report = replay_report()
    narrow = render(report_view(report, width=80)[0], 80)
    wide = render(report_view(report, width=120)[0], 120)
    assert len(wide.splitlines()) < len(narrow.splitlines())


@pytest.mark.parametrize("width", WIDTHS)
def test_every_replay_section_reads_whole(width: int) -> None:
    report = replay_report()
    shown = "".join(assert_reads_whole(part, width) for part in report_view(report, width=width))
    assert "Stored in DynamoDB: 40 events" in shown  # a title never wraps to its table
    for name in ("AggregatesTableWriteThrottles", "FailureQueueNotEmpty", "LambdaErrors"):
        assert name in shown


@pytest.mark.parametrize("width", WIDTHS)
def test_the_replay_summary_fits_one_screen_and_says_what_failed(width: int) -> None:
    shown = assert_reads_whole(summary(replay_report()), width)
    assert len(shown.splitlines()) <= 24
    assert "FAIL malformed: 16/17 expectations met" in shown
    assert "end-to-end latency p95: expected <= 2 s, got 5.59 s" in shown
    assert "quarantined" in shown
    assert "all 7 quiet" in shown


@pytest.mark.parametrize("width", WIDTHS)
def test_the_dry_run_reads_whole(width: int) -> None:
    scenario, plan, truth = validate(SCENARIOS / "checkout_errors.yaml")
    assert_reads_whole(dry_run(plan, truth, dry_run_checks(scenario.expect, truth)), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_quarantined_records_read_whole(width: int) -> None:
    report = replay_report()
    entries = tuple(
        QuarantineEntry(
            f"quarantine/{q.reason}/{q.shard_id}/{q.sequence_number}.json",
            q.reason,
            q.detail,
            q.shard_id,
            q.sequence_number,
            None,
            None,
            120,
            '{"eventType":"purchase","userId":"user_0001","amount":-5,"currency":"USD"}',
            None,
        )
        for q in report.observations.quarantined
    )
    answer = QuarantineAnswer(None, len(entries), entries)
    shown = assert_reads_whole(quarantine_view(answer, width=width), width)
    assert "unknown_type" in shown


@pytest.mark.parametrize("width", WIDTHS)
def test_aggregates_read_whole(width: int) -> None:
    minute = TypeMinute(
        minute="2026-12-02T20:18Z",
        count=61,
        by_device={"desktop": 20, "mobile": 30, "tablet": 11},
        breakdowns={
            "errorType": {"javascript": 53, "network": 8},
            "page": {"/checkout": 53, "/home": 4, "/product": 2, "/search": 2},
        },
    )
    total = TypeMinute(**{**minute.__dict__, "minute": "*"})
    answer = AggregatesAnswer("error", minute.minute, minute.minute, (minute,), total)
    assert_reads_whole(aggregates_table(answer), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_metrics_table_keeps_every_column(width: int) -> None:
    rows = [
        MetricRow("Batch/DynamoDBRequests", "Count", (), 7, 24, 1, 6),
        MetricRow(
            "EventsProcessed", "Count", (("EventType", "user_signup"), ("DeviceType", "desktop")),
            41, 1234, 1, 100,
        ),
        MetricRow("PurchaseAmount", "None", (("Currency", "EUR"),), 15, 848.79, 15.16, 98.04),
    ]  # fmt: skip
    shown = assert_reads_whole(metrics_table("Metrics", rows), width)
    header = next(line for line in shown.splitlines() if "samples" in line)
    assert header.split()[-4:] == ["samples", "sum", "min", "max"]
    assert "848.79" in shown
    assert "98.04" in shown


REAL_LOG = [
    "START RequestId: f2924249-9ff7-4e15-af08-d26f8c5ce501 Version: $LATEST",
    '{"_aws":{"Timestamp":1796242491646,"CloudWatchMetrics":[{"Namespace":"RealTimeAnalytics",'
    '"Dimensions":[["EventType","DeviceType"]],"Metrics":[{"Name":"EventsProcessed","Unit":'
    '"Count"}]}]},"EventType":"click","DeviceType":"unknown","EventsProcessed":1}',
    '{"level":"INFO","location":"lambda_handler:81","message":"batch processed","timestamp":'
    '"2026-12-02 20:14:51,647+0000","service":"realtime-analytics","environment":"dev",'
    '"cold_start":true,"function_name":"RealTimeAnalyticsPipeline-ProcessorFunction5B2A90E2",'
    '"records":2,"stored":2,"xray_trace_id":"1-6750a0b3-0f1e2d3c4b5a69788796a5b4"}',
    "END RequestId: f2924249-9ff7-4e15-af08-d26f8c5ce501",
    "REPORT RequestId: f2924249-9ff7-4e15-af08-d26f8c5ce501\tDuration: 3038 ms\t"
    "Billed Duration: 3038 ms\tMemory Size: 512 MB\tMax Memory Used: 0 MB",
]


def test_log_lines_carry_level_and_a_summary_of_emf_and_reports() -> None:
    lines = [describe(message) for message in REAL_LOG]
    assert [line.level for line in lines] == ["START", "EMF", "INFO", "END", "REPORT"]
    assert lines[1].text == "EventsProcessed=1 [EventType=click DeviceType=unknown]"
    assert lines[2].text == "batch processed records=2 stored=2"
    assert lines[4].text.startswith("f2924249 duration 3038 ms")


@pytest.mark.parametrize("width", WIDTHS)
def test_log_lines_read_whole(width: int) -> None:
    moment = int(dt.datetime(2026, 12, 2, 20, 14, 51, tzinfo=dt.UTC).timestamp() * 1000)
    for message in REAL_LOG:
        shown = assert_reads_whole(log_line(LogEvent(moment, "s", message), width=width), width)
        assert shown.startswith("20:14:51.000 ")
