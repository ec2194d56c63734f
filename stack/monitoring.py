"""Alarms to one encrypted SNS topic, and the pipeline's CloudWatch dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stack.failure_destination import FAILURE_METRICS_FILTER_ID
from stack.processing import METRICS_NAMESPACE
from stack.storage import EVENT_TYPE_INDEX

ONE_MINUTE = Duration.minutes(1)
FIVE_MINUTES = Duration.minutes(5)
# Alarm when the slowest invocation used this share of the timeout.
DURATION_ALARM_SHARE = 0.8
# Consumer lag that no longer counts as "real time".
ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000
# No records for this many consecutive 5-minute periods.
NO_INCOMING_RECORDS_PERIODS = 3


@dataclass(frozen=True)
class MonitoredResources:
    """What the alarms and the dashboard watch."""

    stream: kinesis.Stream
    function: lambda_.Function
    results_table: dynamodb.Table
    aggregates_table: dynamodb.Table
    failure_queue: sqs.Queue | None
    timeout_minutes: int
    failure_bucket: s3.Bucket | None = None


class PipelineMonitoring(Construct):
    """Plain metric alarms (the local emulator rejects metric math) and one dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: MonitoredResources,
        removal_policy: RemovalPolicy,
        alarm_email: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = self._topic(removal_policy)
        if alarm_email:
            # SNS mails a confirmation link first; nothing is delivered until it is followed.
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms = self._alarms(resources)
        action = cw_actions.SnsAction(self.topic)
        for alarm in self.alarms:
            alarm.add_alarm_action(action)
        self.dashboard = self._dashboard(resources)

    def _topic(self, removal_policy: RemovalPolicy) -> sns.Topic:
        # CloudWatch cannot publish to a topic encrypted with the AWS-managed alias/aws/sns key
        # (its key policy cannot be changed), so the topic gets a customer-managed key.
        key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the pipeline's alarm topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                # In a key policy "*" means this key.
                resources=["*"],
            )
        )
        topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name="Real-time analytics pipeline alarms",
            master_key=key,
            enforce_ssl=True,
        )
        # enforce_ssl creates a topic policy holding only its Deny, and a topic policy replaces
        # the default one: without this Allow, CloudWatch may not publish and no alarm is ever
        # delivered (AWS Knowledge Center, "cloudwatch-receive-sns-for-alarm-trigger"). Scoped to
        # this account's alarms in this region, so no other account's alarm can use the topic.
        stack = Stack.of(self)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisAccountsAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{stack.partition}:cloudwatch:{stack.region}:"
                        f"{stack.account}:alarm:*"
                    },
                },
            )
        )
        return topic

    def _alarms(self, r: MonitoredResources) -> list[cloudwatch.Alarm]:
        timeout_ms = r.timeout_minutes * 60 * 1000
        return [
            self._alarm(
                "LambdaErrors",
                r.function.metric_errors(period=ONE_MINUTE, statistic="Sum"),
                threshold=1,
                description="The processor raised: a whole batch failed and will be retried",
            ),
            self._alarm(
                "LambdaDurationNearTimeout",
                r.function.metric_duration(period=ONE_MINUTE, statistic="Maximum"),
                threshold=round(timeout_ms * DURATION_ALARM_SHARE),
                description=f"An invocation used {DURATION_ALARM_SHARE:.0%} of the timeout",
            ),
            self._alarm(
                "ResultsTableWriteThrottles",
                _throttles(r.results_table),
                threshold=1,
                description="Writes to the results table were throttled",
            ),
            self._alarm(
                "ResultsIndexWriteThrottles",
                _index_throttles(r.results_table, EVENT_TYPE_INDEX),
                threshold=1,
                description=f"Writes to the results table's {EVENT_TYPE_INDEX} index were "
                "throttled (this back-pressures the table's own writes)",
            ),
            self._alarm(
                "AggregatesTableWriteThrottles",
                _throttles(r.aggregates_table),
                threshold=1,
                description="Writes to the aggregates table were throttled",
            ),
            self._alarm(
                "NoIncomingRecords",
                r.stream.metric_incoming_records(period=FIVE_MINUTES, statistic="Sum"),
                threshold=1,
                comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                evaluation_periods=NO_INCOMING_RECORDS_PERIODS,
                # No datapoints means no records arrived.
                missing=cloudwatch.TreatMissingData.BREACHING,
                description="No records reached the stream for 15 minutes",
            ),
            self._alarm(
                "IteratorAge",
                r.function.metric("IteratorAge", period=ONE_MINUTE, statistic="Maximum"),
                threshold=ITERATOR_AGE_ALARM_MS,
                description="The processor lags more than 5 minutes behind the stream",
            ),
            self._failure_alarm(r),
        ]

    def _failure_alarm(self, r: MonitoredResources) -> cloudwatch.Alarm:
        if r.failure_queue is not None:
            return self._alarm(
                "FailureQueueNotEmpty",
                r.failure_queue.metric_approximate_number_of_messages_visible(
                    period=ONE_MINUTE, statistic="Maximum"
                ),
                threshold=1,
                description="Batches exhausted their retries: see the on-failure queue",
            )
        assert r.failure_bucket is not None
        # A bucket has no "depth" metric (NumberOfObjects is daily): each discarded batch is one
        # PutObject, so an alarm on the bucket's request metric fires in the minute it happens.
        # Request metrics are best-effort (S3 User Guide, "Metrics and dimensions"): the README
        # says so; the objects themselves are what `devtools status` counts.
        return self._alarm(
            "FailureObjectsWritten",
            _failure_puts(r.failure_bucket),
            threshold=1,
            description="Batches exhausted their retries: see the on-failure bucket",
        )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.Metric,
        *,
        threshold: float,
        description: str,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
        evaluation_periods: int = 1,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            treat_missing_data=missing,
            alarm_description=description,
        )

    def _dashboard(self, r: MonitoredResources) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(3))
        fn = r.function
        dashboard.add_widgets(
            _graph("Kinesis incoming records", [r.stream.metric_incoming_records(statistic="Sum")]),
            _graph("Iterator age (ms)", [fn.metric("IteratorAge", statistic="Maximum")]),
            _graph(
                "Lambda invocations / errors / throttles",
                [fn.metric_invocations(), fn.metric_errors(), fn.metric_throttles()],
            ),
            _graph(
                "Lambda duration (ms)",
                [fn.metric_duration(statistic="p50"), fn.metric_duration(statistic="Maximum")],
            ),
        )
        dashboard.add_widgets(
            _graph(
                "DynamoDB consumed writes",
                [
                    r.results_table.metric_consumed_write_capacity_units(),
                    r.aggregates_table.metric_consumed_write_capacity_units(),
                ],
            ),
            _graph(
                "DynamoDB write throttles",
                [
                    _throttles(r.results_table),
                    _index_throttles(r.results_table, EVENT_TYPE_INDEX),
                    _throttles(r.aggregates_table),
                ],
            ),
            _graph(
                "On-failure queue depth",
                [r.failure_queue.metric_approximate_number_of_messages_visible()],
            )
            if r.failure_queue is not None
            else _graph(
                "Discarded batches written to S3",
                [_failure_puts(r.failure_bucket)] if r.failure_bucket is not None else [],
            ),
        )
        # The processor's custom (EMF) metrics; dimension values are data, so search for them.
        dashboard.add_widgets(
            _graph(
                "Events processed by type and device",
                [_search('MetricName="EventsProcessed"', "Sum", "EventsProcessed")],
            ),
            _graph(
                "Purchase amount by currency",
                [_search('MetricName="PurchaseAmount"', "Sum", "PurchaseAmount")],
            ),
            _graph(
                "Page load time p95 (ms)",
                [_search('MetricName="PageLoadTime"', "p95", "PageLoadTime")],
            ),
            _graph(
                "Quarantined records by reason",
                [_search('MetricName="Quarantined"', "Sum", "Quarantined")],
            ),
            # A bare term matches each metric name holding that token: Batch/Records, ...
            _graph("Batch statistics", [_search("Batch", "Sum", "Batch/*")]),
        )
        return dashboard


def _throttles(table: dynamodb.Table) -> cloudwatch.Metric:
    # WriteThrottleEvents has only the TableName dimension: a plain metric, no math needed
    # (ThrottledRequests is per Operation and would need a SUM expression).
    return table.metric("WriteThrottleEvents", period=ONE_MINUTE, statistic="Sum")


def _index_throttles(table: dynamodb.Table, index: str) -> cloudwatch.Metric:
    # A GSI's throttles are reported under TableName + GlobalSecondaryIndexName only: the
    # table's own WriteThrottleEvents (TableName alone) does not include them (DynamoDB
    # Developer Guide, "DynamoDB metrics and dimensions").
    return table.metric(
        "WriteThrottleEvents",
        period=ONE_MINUTE,
        statistic="Sum",
        dimensions_map={"TableName": table.table_name, "GlobalSecondaryIndexName": index},
    )


def _failure_puts(bucket: s3.Bucket) -> cloudwatch.Metric:
    # S3 request metrics: published per bucket and metrics-configuration filter, only for
    # buckets that have one (S3 User Guide, "Monitoring metrics with Amazon CloudWatch").
    return cloudwatch.Metric(
        namespace="AWS/S3",
        metric_name="PutRequests",
        dimensions_map={"BucketName": bucket.bucket_name, "FilterId": FAILURE_METRICS_FILTER_ID},
        period=ONE_MINUTE,
        statistic="Sum",
    )


def _graph(title: str, metrics: list[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=metrics, width=6, height=6)


def _search(terms: str, statistic: str, label: str) -> cloudwatch.MathExpression:
    # No {namespace,dimensions} schema: it would match only metrics with exactly those
    # dimensions, and the processor's metrics use several dimension sets (or none).
    return cloudwatch.MathExpression(
        expression=f"SEARCH('Namespace=\"{METRICS_NAMESPACE}\" {terms}', '{statistic}', 300)",
        label=label,
        using_metrics={},
        period=FIVE_MINUTES,
    )
