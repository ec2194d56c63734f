"""Options that add or remove something: an alarm e-mail subscription, no reserved concurrency."""

from __future__ import annotations

import pytest

from stack.config import config_from_mapping
from stack.errors import ConfigError
from tests.stack.conftest import Synthesized, synthesize

ADDRESS = "oncall@example.com"


@pytest.fixture(scope="module")
def optional_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    context = {"alarmEmail": ADDRESS, "lambdaReservedConcurrency": 0}
    return synthesize(tmp_path_factory.mktemp("cdk-out-optional"), context)


def test_alarm_email_subscribes_the_address_to_the_alarm_topic(
    optional_stack: Synthesized, default_stack: Synthesized
) -> None:
    topic = optional_stack.logical_id("AWS::SNS::Topic", "MonitoringAlarmTopic")
    (subscription,) = optional_stack.resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"] == {
        "Protocol": "email",
        "Endpoint": ADDRESS,
        "TopicArn": {"Ref": topic},
    }
    # AND without the option nobody is subscribed
    assert default_stack.resources("AWS::SNS::Subscription") == {}


@pytest.mark.parametrize("value", ["oncall", "a@b", "a@b.c,d@e.f", 3, "two words@x.io"])
def test_alarm_email_must_be_one_address(value: object) -> None:
    with pytest.raises(ConfigError, match=r"invalid context alarmEmail=.*one e-mail address"):
        config_from_mapping({"alarmEmail": value})


def test_empty_alarm_email_means_none() -> None:
    assert config_from_mapping({"alarmEmail": ""}).alarm_email is None
    assert config_from_mapping({"alarmEmail": f" {ADDRESS} "}).alarm_email == ADDRESS


def test_reserved_concurrency_zero_reserves_nothing(optional_stack: Synthesized) -> None:
    (function,) = [
        f
        for i, f in optional_stack.resources("AWS::Lambda::Function").items()
        if i.startswith("ProcessorFunction")
    ]
    assert "ReservedConcurrentExecutions" not in function["Properties"]
