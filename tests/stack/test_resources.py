"""Every resource and option of the stack, asserted on the synthesized template."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match

from tests.stack.conftest import Synthesized, synthesize

CUSTOM_CONTEXT: dict[str, Any] = {
    "kinesisShardCount": "4",
    "kinesisRetentionPeriod": 48,
    "lambdaMemorySize": 1024,
    "lambdaTimeout": 2,
    "lambdaBatchSize": 50,
    "lambdaMaxBatchingWindow": 0,
    "environment": "production",
    "resultTtlDays": 7,
    "lambdaReservedConcurrency": 40,
    "parallelizationFactor": 10,
    "maxRetryAttempts": 3,
    "maxRecordAgeSeconds": 3600,
    "logRetentionDays": 365,
    "quarantineExpiryDays": 14,
}


@pytest.fixture(scope="module")
def custom_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack with every option changed from its default."""
    return synthesize(tmp_path_factory.mktemp("cdk-out-custom"), CUSTOM_CONTEXT)


def test_resource_counts(default_stack: Synthesized) -> None:
    # GIVEN the default stack THEN it holds exactly the pipeline's resources
    counts = {
        "AWS::Kinesis::Stream": 1,
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::EventSourceMapping": 1,
        "AWS::IAM::Role": 1,
        "AWS::IAM::Policy": 1,
        "AWS::Logs::LogGroup": 1,
        "AWS::DynamoDB::Table": 2,
        "AWS::S3::Bucket": 1,
        "AWS::S3::BucketPolicy": 1,
        "AWS::SQS::Queue": 1,
        "AWS::SQS::QueuePolicy": 1,
        "AWS::SNS::Topic": 1,
        "AWS::SNS::TopicPolicy": 1,
        "AWS::KMS::Key": 1,
        "AWS::CloudWatch::Alarm": 8,
        "AWS::CloudWatch::Dashboard": 1,
    }
    for resource_type, count in counts.items():
        default_stack.template.resource_count_is(resource_type, count)
    total = len(default_stack.template.to_json()["Resources"])
    assert total == sum(counts.values())


def test_stream_defaults(default_stack: Synthesized) -> None:
    default_stack.template.has_resource_properties(
        "AWS::Kinesis::Stream",
        {
            "ShardCount": 2,
            "RetentionPeriodHours": 24,
            "StreamModeDetails": {"StreamMode": "PROVISIONED"},
            "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
        },
    )


def test_function_defaults(default_stack: Synthesized) -> None:
    default_stack.template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "Handler": "processor.handler.lambda_handler",
            "MemorySize": 512,
            "Timeout": 300,
            "ReservedConcurrentExecutions": 100,
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": {"LogGroup": {"Ref": Match.string_like_regexp("^ProcessorLogGroup")}},
        },
    )
    default_stack.template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})


def test_function_environment_is_the_contract(default_stack: Synthesized) -> None:
    # GIVEN the environment the processor reads (docs/contracts.md)
    variables = Capture()
    default_stack.template.has_resource_properties(
        "AWS::Lambda::Function", {"Environment": {"Variables": variables}}
    )
    env = variables.as_object()
    # THEN exactly these variables, wired to the right resources
    assert env == {
        "RESULTS_TABLE_NAME": {
            "Ref": default_stack.logical_id("AWS::DynamoDB::Table", "StorageResults")
        },
        "AGGREGATES_TABLE_NAME": {
            "Ref": default_stack.logical_id("AWS::DynamoDB::Table", "StorageAggregates")
        },
        "QUARANTINE_BUCKET_NAME": {
            "Ref": default_stack.logical_id("AWS::S3::Bucket", "QuarantineBucket")
        },
        "RESULT_TTL_DAYS": "30",
        "ENVIRONMENT": "dev",
        "POWERTOOLS_SERVICE_NAME": "realtime-analytics",
        "POWERTOOLS_METRICS_NAMESPACE": "RealTimeAnalytics",
        "LOG_LEVEL": "INFO",
    }


def test_event_source_mapping_defaults(default_stack: Synthesized) -> None:
    queue = default_stack.logical_id("AWS::SQS::Queue", "ProcessorFailureQueue")
    stream = default_stack.logical_id("AWS::Kinesis::Stream", "IngestStream")
    function = default_stack.logical_id("AWS::Lambda::Function", "ProcessorFunction")
    default_stack.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": function},
            "EventSourceArn": {"Fn::GetAtt": [stream, "Arn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 100,
            "MaximumBatchingWindowInSeconds": 5,
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 10,
            "MaximumRecordAgeInSeconds": 86400,
            "ParallelizationFactor": 2,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}},
            "Enabled": True,
        },
    )


def test_mapping_is_created_after_the_role_policy(default_stack: Synthesized) -> None:
    # AWS validates the role's Kinesis permissions when the mapping is created.
    mapping = default_stack.resources("AWS::Lambda::EventSourceMapping")
    (depends_on,) = (r["DependsOn"] for r in mapping.values())
    assert default_stack.logical_id("AWS::IAM::Policy", "ProcessorRoleDefaultPolicy") in depends_on


def test_failure_queue_is_encrypted_ssl_only_and_keeps_14_days(default_stack: Synthesized) -> None:
    queue = default_stack.logical_id("AWS::SQS::Queue", "ProcessorFailureQueue")
    default_stack.template.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 1209600}
    )
    default_stack.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue}],
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Effect": "Deny",
                            "Action": "sqs:*",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    )
                ]
            },
        },
    )


def test_results_table(default_stack: Synthesized) -> None:
    default_stack.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "eventId", "KeyType": "HASH"},
                {"AttributeName": "timestamp", "KeyType": "RANGE"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "byEventType",
                    "KeySchema": [
                        {"AttributeName": "eventTypeShard", "KeyType": "HASH"},
                        {"AttributeName": "timestamp", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "AttributeDefinitions": Match.array_with(
                [
                    {"AttributeName": "eventId", "AttributeType": "S"},
                    {"AttributeName": "timestamp", "AttributeType": "S"},
                    {"AttributeName": "eventTypeShard", "AttributeType": "S"},
                ]
            ),
        },
    )


def test_aggregates_table(default_stack: Synthesized) -> None:
    default_stack.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "metricKey", "KeyType": "HASH"},
                {"AttributeName": "minute", "KeyType": "RANGE"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": Match.absent(),
            "GlobalSecondaryIndexes": Match.absent(),
        },
    )


def test_quarantine_bucket(default_stack: Synthesized) -> None:
    bucket = default_stack.logical_id("AWS::S3::Bucket", "QuarantineBucket")
    default_stack.template.has_resource(
        "AWS::S3::Bucket",
        {
            "Properties": Match.object_like(
                {
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                        ]
                    },
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    },
                    "LifecycleConfiguration": {
                        "Rules": [
                            {
                                "Id": "ExpireQuarantinedRecords",
                                "ExpirationInDays": 90,
                                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                                "Status": "Enabled",
                            }
                        ]
                    },
                }
            ),
            "DeletionPolicy": "Retain",
        },
    )
    default_stack.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket},
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Effect": "Deny",
                            "Action": "s3:*",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    )
                ]
            },
        },
    )


def test_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(
    default_stack: Synthesized,
) -> None:
    key = default_stack.logical_id("AWS::KMS::Key", "MonitoringTopicKey")
    default_stack.template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key, "Arn"]}}
    )
    default_stack.template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "AllowCloudWatchAlarmsToPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                        }
                    ]
                )
            },
        },
    )
    default_stack.template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            # The Allow for CloudWatch beside it: tests/stack/test_permission_matrix.py.
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "sns:Publish",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def _alarms(synth: Synthesized) -> dict[str, dict[str, Any]]:
    """Alarm properties by the construct id inside Monitoring (LambdaErrors, ...)."""
    # Logical id = "Monitoring" + construct id + 8 hex digits of path hash.
    return {
        logical[len("Monitoring") : -8]: resource["Properties"]
        for logical, resource in synth.resources("AWS::CloudWatch::Alarm").items()
    }


def test_alarms_are_plain_metric_alarms_to_the_topic(default_stack: Synthesized) -> None:
    topic = default_stack.logical_id("AWS::SNS::Topic", "MonitoringAlarmTopic")
    alarms = _alarms(default_stack)
    expected = {
        "LambdaErrors": ("AWS/Lambda", "Errors", "Sum", 1, "GreaterThanOrEqualToThreshold"),
        "LambdaDurationNearTimeout": (
            "AWS/Lambda", "Duration", "Maximum", 240000, "GreaterThanOrEqualToThreshold",
        ),
        "ResultsTableWriteThrottles": (
            "AWS/DynamoDB", "WriteThrottleEvents", "Sum", 1, "GreaterThanOrEqualToThreshold",
        ),
        "ResultsIndexWriteThrottles": (
            "AWS/DynamoDB", "WriteThrottleEvents", "Sum", 1, "GreaterThanOrEqualToThreshold",
        ),
        "AggregatesTableWriteThrottles": (
            "AWS/DynamoDB", "WriteThrottleEvents", "Sum", 1, "GreaterThanOrEqualToThreshold",
        ),
        "NoIncomingRecords": ("AWS/Kinesis", "IncomingRecords", "Sum", 1, "LessThanThreshold"),
        "IteratorAge": ("AWS/Lambda", "IteratorAge", "Maximum", 300000, "GreaterThanOrEqualToThreshold"),  # noqa: E501
        "FailureQueueNotEmpty": (
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", 1,
            "GreaterThanOrEqualToThreshold",
        ),
    }  # fmt: skip
    assert set(alarms) == set(expected)
    for name, (namespace, metric, statistic, threshold, comparison) in expected.items():
        alarm = alarms[name]
        # Plain metric alarms only: the emulator's CloudFormation rejects metric math.
        assert "Metrics" not in alarm, name
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
            namespace,
            metric,
            statistic,
        ), name
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (threshold, comparison), name
        assert alarm["AlarmActions"] == [{"Ref": topic}], name
    assert alarms["NoIncomingRecords"]["TreatMissingData"] == "breaching"
    assert alarms["NoIncomingRecords"]["EvaluationPeriods"] == 3
    assert alarms["NoIncomingRecords"]["Period"] == 300


def test_alarm_dimensions_point_at_the_pipeline(default_stack: Synthesized) -> None:
    alarms = _alarms(default_stack)
    function = default_stack.logical_id("AWS::Lambda::Function", "ProcessorFunction")
    results = default_stack.logical_id("AWS::DynamoDB::Table", "StorageResults")
    assert alarms["LambdaErrors"]["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Ref": function}}
    ]
    assert alarms["ResultsTableWriteThrottles"]["Dimensions"] == [
        {"Name": "TableName", "Value": {"Ref": results}}
    ]
    # The index's throttles are a metric of their own (the table's exclude them).
    assert alarms["ResultsIndexWriteThrottles"]["Dimensions"] == [
        {"Name": "GlobalSecondaryIndexName", "Value": "byEventType"},
        {"Name": "TableName", "Value": {"Ref": results}},
    ]
    assert alarms["FailureQueueNotEmpty"]["Dimensions"][0]["Name"] == "QueueName"
    assert alarms["NoIncomingRecords"]["Dimensions"][0]["Name"] == "StreamName"


def test_dashboard_shows_pipeline_and_custom_metrics(default_stack: Synthesized) -> None:
    body = Capture()
    default_stack.template.has_resource_properties(
        "AWS::CloudWatch::Dashboard", {"DashboardBody": body}
    )
    # GIVEN the body: a Fn::Join of JSON text and references (region, names)
    parts = body.as_object()["Fn::Join"][1]
    dashboard = json.loads("".join(p if isinstance(p, str) else "REF" for p in parts))
    lines = [line for w in dashboard["widgets"] for line in w["properties"]["metrics"]]
    metrics = {(line[0], line[1]) for line in lines if isinstance(line[0], str)}
    searches = [line[0]["expression"] for line in lines if isinstance(line[0], dict)]
    # THEN the service metrics of every stage are graphed
    assert metrics >= {
        ("AWS/Kinesis", "IncomingRecords"), ("AWS/Lambda", "IteratorAge"),
        ("AWS/Lambda", "Invocations"), ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "Duration"), ("AWS/DynamoDB", "ConsumedWriteCapacityUnits"),
        ("AWS/DynamoDB", "WriteThrottleEvents"), ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    }  # fmt: skip
    # ... and the processor's custom metrics, found by search whatever their dimensions
    namespace = 'Namespace="RealTimeAnalytics"'
    assert searches == [
        f"SEARCH('{namespace} MetricName=\"EventsProcessed\"', 'Sum', 300)",
        f"SEARCH('{namespace} MetricName=\"PurchaseAmount\"', 'Sum', 300)",
        f"SEARCH('{namespace} MetricName=\"PageLoadTime\"', 'p95', 300)",
        f"SEARCH('{namespace} MetricName=\"Quarantined\"', 'Sum', 300)",
        f"SEARCH('{namespace} Batch', 'Sum', 300)",
    ]


def test_tags_environment_and_project(default_stack: Synthesized) -> None:
    default_stack.template.has_resource_properties(
        "AWS::Kinesis::Stream",
        {
            "Tags": Match.array_with(
                [
                    {"Key": "environment", "Value": "dev"},
                    {"Key": "project", "Value": "realtime-analytics-pipeline"},
                ]
            )
        },
    )
    for resource_type in ("AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::SQS::Queue"):
        default_stack.template.has_resource_properties(
            resource_type,
            {"Tags": Match.array_with([{"Key": "environment", "Value": "dev"}])},
        )


def test_outputs_have_stable_ids(default_stack: Synthesized) -> None:
    outputs = default_stack.template.to_json()["Outputs"]
    assert set(outputs) == {
        "StreamName", "StreamArn", "ResultsTableName", "AggregatesTableName",
        "QuarantineBucketName", "FailureQueueUrl", "FailureQueueArn", "AlarmTopicArn",
        "DashboardName", "ProcessorFunctionName", "ProcessorLogGroupName",
        "EventSourceMappingId", "PutRecordExample", "ScanExample",
    }  # fmt: skip
    stream = default_stack.logical_id("AWS::Kinesis::Stream", "IngestStream")
    mapping = default_stack.logical_id("AWS::Lambda::EventSourceMapping", "Processor")
    assert outputs["StreamName"]["Value"] == {"Ref": stream}
    assert outputs["StreamArn"]["Value"] == {"Fn::GetAtt": [stream, "Arn"]}
    assert outputs["EventSourceMappingId"]["Value"] == {"Fn::GetAtt": [mapping, "Id"]}


def test_example_commands_are_ready_to_paste(default_stack: Synthesized) -> None:
    outputs = default_stack.template.to_json()["Outputs"]
    stream = default_stack.logical_id("AWS::Kinesis::Stream", "IngestStream")
    put = outputs["PutRecordExample"]["Value"]["Fn::Join"][1]
    assert put[0] == "aws kinesis put-record --stream-name "
    assert put[1] == {"Ref": stream}
    data = put[2].split("--data '", 1)[1].rstrip("'")
    assert json.loads(data)["eventType"] == "page_view"
    assert "--cli-binary-format raw-in-base64-out" in put[2]
    scan = outputs["ScanExample"]["Value"]["Fn::Join"][1]
    assert scan[0] == "aws dynamodb scan --max-items 5 --table-name "


def test_dev_data_goes_with_the_stack(default_stack: Synthesized) -> None:
    for resource_type in ("AWS::Kinesis::Stream", "AWS::DynamoDB::Table", "AWS::Logs::LogGroup"):
        for resource in default_stack.resources(resource_type).values():
            assert resource["DeletionPolicy"] == "Delete", resource_type


def test_every_option_reaches_the_template(custom_stack: Synthesized) -> None:
    # GIVEN every option changed (production environment included)
    template = custom_stack.template
    # THEN each value lands where it belongs
    template.has_resource_properties(
        "AWS::Kinesis::Stream", {"ShardCount": 4, "RetentionPeriodHours": 48}
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "MemorySize": 1024,
            "Timeout": 120,
            "ReservedConcurrentExecutions": 40,
            "Environment": {
                "Variables": Match.object_like(
                    {"RESULT_TTL_DAYS": "7", "ENVIRONMENT": "production"}
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "BatchSize": 50,
            "MaximumBatchingWindowInSeconds": 0,
            "ParallelizationFactor": 10,
            "MaximumRetryAttempts": 3,
            "MaximumRecordAgeInSeconds": 3600,
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {"LifecycleConfiguration": {"Rules": [Match.object_like({"ExpirationInDays": 14})]}},
    )
    # The duration alarm follows the timeout (80 % of 2 minutes).
    assert _alarms(custom_stack)["LambdaDurationNearTimeout"]["Threshold"] == 96000
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {"Tags": Match.array_with([{"Key": "environment", "Value": "production"}])},
    )


def test_production_data_survives_destroy(custom_stack: Synthesized) -> None:
    for resource_type in (
        "AWS::Kinesis::Stream",
        "AWS::DynamoDB::Table",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
    ):
        for resource in custom_stack.resources(resource_type).values():
            assert resource["DeletionPolicy"] == "Retain", resource_type
