"""The DynamoDB tables: one item per event, and per-minute aggregates."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

RESULTS_PARTITION_KEY = "eventId"
RESULTS_SORT_KEY = "timestamp"
EVENT_TYPE_INDEX = "byEventType"
# "<eventType>#<0..9>", written by the processor (processor/pipeline.py): write-sharded so
# that no single event type's index partition takes most writes.
EVENT_TYPE_SHARD_ATTRIBUTE = "eventTypeShard"
TTL_ATTRIBUTE = "expiresAt"
AGGREGATES_PARTITION_KEY = "metricKey"
AGGREGATES_SORT_KEY = "minute"


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class AnalyticsTables(Construct):
    """On-demand tables with point-in-time recovery; results expire through TTL."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        removal_policy: RemovalPolicy,
        event_type_index: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.results = self._results_table(removal_policy, event_type_index)
        self.aggregates = self._aggregates_table(removal_policy)

    def _results_table(
        self, removal_policy: RemovalPolicy, event_type_index: bool
    ) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            "Results",
            partition_key=_string(RESULTS_PARTITION_KEY),
            sort_key=_string(RESULTS_SORT_KEY),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=TTL_ATTRIBUTE,
            removal_policy=removal_policy,
        )
        if not event_type_index:
            # eventTypeIndex=off: the first of two deploys re-keying an existing index (README,
            # "Deploying to AWS"); the processor keeps writing eventTypeShard meanwhile.
            return table
        # The name stays byEventType: a new name would not save a deploy, since CloudFormation
        # fails an update that deletes one GSI and adds another ("You can delete or add one
        # global secondary index without interruption. If you do both in the same update ...,
        # the update fails": AWS::DynamoDB::Table, GlobalSecondaryIndexes).
        table.add_global_secondary_index(
            index_name=EVENT_TYPE_INDEX,
            partition_key=_string(EVENT_TYPE_SHARD_ATTRIBUTE),
            sort_key=_string(RESULTS_SORT_KEY),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        return table

    def _aggregates_table(self, removal_policy: RemovalPolicy) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            "Aggregates",
            partition_key=_string(AGGREGATES_PARTITION_KEY),
            sort_key=_string(AGGREGATES_SORT_KEY),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=removal_policy,
        )
