"""The Kinesis data stream events arrive on."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kinesis as kinesis
from constructs import Construct


class IngestStream(Construct):
    """A provisioned Kinesis stream encrypted with the AWS-managed key (alias/aws/kinesis)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        shard_count: int,
        retention_hours: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.stream = kinesis.Stream(
            self,
            "Stream",
            shard_count=shard_count,
            retention_period=Duration.hours(retention_hours),
            stream_mode=kinesis.StreamMode.PROVISIONED,
            # The AWS-managed key costs nothing and needs no key policy for the consumer role.
            encryption=kinesis.StreamEncryption.MANAGED,
            removal_policy=removal_policy,
        )
