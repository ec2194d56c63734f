"""`onFailureDestination`: the SQS queue (default) or an S3 bucket, with its alarm and outputs."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from stack.config import config_from_mapping
from stack.errors import ConfigError
from stack.failure_destination import FAILURE_METRICS_FILTER_ID
from tests.stack.conftest import Synthesized


@pytest.mark.parametrize("value", ["sns", "", "S3 ", 3, True, "s3,sqs"])
def test_a_bad_destination_is_one_line(value: object) -> None:
    if value == "S3 ":
        assert config_from_mapping({"onFailureDestination": value}).on_failure_destination == "s3"
        return
    with pytest.raises(ConfigError, match=r"^invalid context onFailureDestination=.*: expected "
                       r"one of sqs, s3 \(.*default 'sqs'\)$") as raised:  # fmt: skip
        config_from_mapping({"onFailureDestination": value})
    assert "\n" not in str(raised.value)


def test_the_default_is_the_queue(default_stack: Synthesized) -> None:
    template = default_stack.template
    template.resource_count_is("AWS::SQS::Queue", 1)
    outputs = template.to_json()["Outputs"]
    assert {"FailureQueueUrl", "FailureQueueArn"} <= set(outputs)
    assert not {"FailureBucketName", "FailureBucketArn"} & set(outputs)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible"},
    )


def test_s3_replaces_the_queue_with_a_private_expiring_bucket(
    s3_failure_stack: Synthesized,
) -> None:
    template = s3_failure_stack.template
    template.resource_count_is("AWS::SQS::Queue", 0)
    bucket = s3_failure_stack.logical_id("AWS::S3::Bucket", "ProcessorFailureBucket")
    resource = template.to_json()["Resources"][bucket]
    assert resource["DeletionPolicy"] == "Retain"
    properties = resource["Properties"]
    assert properties["MetricsConfigurations"] == [{"Id": FAILURE_METRICS_FILTER_ID}]
    assert properties["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 14
    assert all(properties["PublicAccessBlockConfiguration"].values())
    outputs = template.to_json()["Outputs"]
    assert outputs["FailureBucketName"]["Value"] == {"Ref": bucket}
    assert not {"FailureQueueUrl", "FailureQueueArn"} & set(outputs)


def test_s3_has_an_alarm_on_every_object_written(s3_failure_stack: Synthesized) -> None:
    # The SQS stack alarms on queue depth; a bucket's counterpart is its PutRequests metric.
    template = s3_failure_stack.template
    bucket = s3_failure_stack.logical_id("AWS::S3::Bucket", "ProcessorFailureBucket")
    topic = s3_failure_stack.logical_id("AWS::SNS::Topic", "MonitoringAlarmTopic")
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/S3",
            "MetricName": "PutRequests",
            "Dimensions": Match.array_with(
                [
                    {"Name": "BucketName", "Value": {"Ref": bucket}},
                    {"Name": "FilterId", "Value": FAILURE_METRICS_FILTER_ID},
                ]
            ),
            "Statistic": "Sum",
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "AlarmActions": [{"Ref": topic}],
        },
    )
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert not [a for a in alarms.values() if a["Properties"].get("Namespace") == "AWS/SQS"]
    assert len(alarms) == len([a for a in alarms.values() if a["Properties"].get("AlarmActions")])
