"""Stack outputs with stable ids (devtools reads them) and ready-to-paste example commands."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aws_cdk import CfnOutput, Fn

if TYPE_CHECKING:
    from stack.pipeline_stack import RealTimeAnalyticsPipeline

EXAMPLE_EVENT = {
    "eventType": "page_view",
    "userId": "user_1234",
    "sessionId": "session_5678",
    "timestamp": "2024-01-01T12:00:00Z",
    "pageUrl": "/home",
    "loadTime": 1200,
    "deviceType": "desktop",
}


def add_outputs(stack: RealTimeAnalyticsPipeline) -> None:
    """Outputs are created on the stack itself so their logical ids are exactly these names."""
    stream = stack.ingest.stream
    processor = stack.processor
    values = {
        "StreamName": (stream.stream_name, "Kinesis stream the events are put on"),
        "StreamArn": (stream.stream_arn, "Kinesis stream ARN"),
        "ResultsTableName": (stack.tables.results.table_name, "One item per stored event"),
        "AggregatesTableName": (stack.tables.aggregates.table_name, "Per-minute aggregates"),
        "QuarantineBucketName": (stack.quarantine.bucket.bucket_name, "Poison records"),
        "AlarmTopicArn": (stack.monitoring.topic.topic_arn, "SNS topic of every alarm"),
        "DashboardName": (stack.monitoring.dashboard.dashboard_name, "CloudWatch dashboard"),
        "ProcessorFunctionName": (processor.function.function_name, "Processor function"),
        "ProcessorLogGroupName": (processor.log_group.log_group_name, "Processor log group"),
        "EventSourceMappingId": (processor.event_source_mapping.attr_id, "Kinesis mapping id"),
    }
    # One pair, by the destination chosen (onFailureDestination): devtools reads whichever exists.
    queue = processor.failure_queue
    if queue is not None:
        values["FailureQueueUrl"] = (queue.queue_url, "On-failure destination URL")
        values["FailureQueueArn"] = (queue.queue_arn, "On-failure destination ARN")
    if processor.failure_bucket is not None:
        bucket = processor.failure_bucket
        values["FailureBucketName"] = (bucket.bucket_name, "On-failure bucket")
        values["FailureBucketArn"] = (bucket.bucket_arn, "On-failure bucket ARN")
    for output_id, (value, description) in values.items():
        CfnOutput(stack, output_id, value=value, description=description)
    # The CLI v2 needs --cli-binary-format to send --data as raw text rather than base64.
    data = json.dumps(EXAMPLE_EVENT, separators=(",", ":"))
    CfnOutput(
        stack,
        "PutRecordExample",
        description="Send one test event",
        value=Fn.join(
            "",
            [
                "aws kinesis put-record --stream-name ",
                stream.stream_name,
                f" --partition-key user_1234 --cli-binary-format raw-in-base64-out --data '{data}'",
            ],
        ),
    )
    CfnOutput(
        stack,
        "ScanExample",
        description="Show a few stored results",
        value=Fn.join(
            "",
            [
                "aws dynamodb scan --max-items 5 --table-name ",
                stack.tables.results.table_name,
            ],
        ),
    )
