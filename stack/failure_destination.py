"""The event source mapping's on-failure destination: an SQS queue or an S3 bucket."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stack.buckets import retained_private_bucket

FAILURE_QUEUE_RETENTION = Duration.days(14)
# The same 14 days as the queue: long enough to notice the alarm and re-drive, then gone.
FAILURE_OBJECT_EXPIRY = Duration.days(14)
# Every object the mapping writes starts with this (Lambda Developer Guide, "Retaining records
# of discarded batches ...": aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/...).
FAILURE_OBJECT_PREFIX = "aws/lambda/"
# S3 request metrics (CloudWatch AWS/S3 PutRequests) need a metrics configuration on the bucket.
FAILURE_METRICS_FILTER_ID = "EntireBucket"
# What the mapping needs to send a discarded batch's record, with the function's execution role
# (Lambda Developer Guide, "Retaining records of discarded batches for a Kinesis Data Streams
# event source", execution role permissions per destination type).
SQS_SEND_ACTIONS = ("sqs:SendMessage",)
S3_OBJECT_ACTIONS = ("s3:PutObject",)
S3_BUCKET_ACTIONS = ("s3:ListBucket",)


class FailureDestination:
    """Exactly one of `queue` / `bucket`, encrypted with service-managed keys, SSL only.

    Not a construct of its own: the resources are created directly in `scope`, so the queue
    keeps the logical id it always had (a new id would replace it, and its messages with it).
    """

    def __init__(self, scope: Construct, *, kind: str) -> None:
        self._scope = scope
        self.queue: sqs.Queue | None = None
        self.bucket: s3.Bucket | None = None
        if kind == "s3":
            self.bucket = self._bucket()
        else:
            self.queue = self._queue()

    @property
    def arn(self) -> str:
        if self.bucket is not None:
            return self.bucket.bucket_arn
        assert self.queue is not None
        return self.queue.queue_arn

    def statements(self) -> list[iam.PolicyStatement]:
        """The execution role's statements for the mapping to write here."""
        if self.queue is not None:
            return [
                iam.PolicyStatement(
                    sid="SendFailedBatches",
                    actions=list(SQS_SEND_ACTIONS),
                    resources=[self.queue.queue_arn],
                )
            ]
        assert self.bucket is not None
        return [
            iam.PolicyStatement(
                sid="WriteFailedBatches",
                actions=list(S3_OBJECT_ACTIONS),
                resources=[self.bucket.arn_for_objects("*")],
            ),
            iam.PolicyStatement(
                sid="ListFailedBatches",
                actions=list(S3_BUCKET_ACTIONS),
                resources=[self.bucket.bucket_arn],
            ),
        ]

    def acknowledge_object_wildcard(self, role: iam.IRole) -> None:
        """cdk-nag IAM5: PutObject on the bucket's objects needs a wildcard."""
        if self.bucket is None:
            return
        cfn = self.bucket.node.default_child
        assert isinstance(cfn, s3.CfnBucket)
        logical = Stack.of(self._scope).get_logical_id(cfn)
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{logical}.Arn>/*]",
                reason=(
                    "Lambda chooses the object keys of discarded batches (aws/lambda/<mapping "
                    "UUID>/<shard>/<date>/...; the UUID is unknown at synth time). The bucket "
                    "holds nothing else; only PutObject, no read or delete."
                ),
            )
        )

    def _queue(self) -> sqs.Queue:
        queue = sqs.Queue(
            self._scope,
            "FailureQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=FAILURE_QUEUE_RETENTION,
        )
        Validations.of(queue).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason=(
                    "This queue is itself the dead-letter destination: the event source mapping "
                    "sends the metadata of batches that exhausted their retries here; an alarm "
                    "watches its depth."
                ),
            )
        )
        return queue

    def _bucket(self) -> s3.Bucket:
        # S3-managed keys: with a customer-managed KMS key the execution role would also need
        # kms:GenerateDataKey on it (Lambda Developer Guide, same page), and the key's policy
        # would have to allow that.
        return retained_private_bucket(
            self._scope,
            "FailureBucket",
            expiry=FAILURE_OBJECT_EXPIRY,
            rule_id="ExpireDiscardedBatches",
            # Request metrics for the PutRequests alarm (an object written = a discarded batch).
            metrics=[s3.BucketMetrics(id=FAILURE_METRICS_FILTER_ID)],
            no_access_log_reason=(
                "Only the mapping writes here (with the processor role) and only operators "
                "read; a second bucket for server access logs would cost more than the "
                "records it audits. Use CloudTrail data events if an audit trail is required."
            ),
        )
