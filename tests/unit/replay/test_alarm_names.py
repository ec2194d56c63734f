"""Alarm names in reports: the construct id people and scenarios use, not CDK's physical name."""

from __future__ import annotations

import pytest

from devtools.replay.alarms import display_name


@pytest.mark.parametrize(
    ("physical", "shown"),
    [
        ("RealTimeAnalyticsPipeline-MonitoringLambdaErrors07EF3732-59E0DA725700F", "LambdaErrors"),
        (
            "RealTimeAnalyticsPipeline-MonitoringAggregatesTableWriteThrottles08D7D9AC-6B96C70D376D2",
            "AggregatesTableWriteThrottles",
        ),
        ("RealTimeAnalyticsPipeline-MonitoringIteratorAge183BF772-DCDE13E4B4BBF", "IteratorAge"),
    ],
)
def test_a_cdk_generated_alarm_name_shows_its_construct_id(physical: str, shown: str) -> None:
    # GIVEN a name CloudFormation generated for an alarm of our stack
    # WHEN it is shown THEN only the construct id remains
    assert display_name(physical) == shown


@pytest.mark.parametrize("name", ["checkout-latency", "MyTeamAlarm", "prod-Errors-1"])
def test_a_hand_written_alarm_name_is_shown_unchanged(name: str) -> None:
    assert display_name(name) == name
