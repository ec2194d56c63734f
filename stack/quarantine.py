"""The S3 bucket that keeps records which can never be valid, with the reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_s3 as s3
from constructs import Construct

QUARANTINE_PREFIX = "quarantine/"


class QuarantineBucket(Construct):
    """Private, SSL-only, S3-managed encryption, objects expire after `expiry_days`."""

    def __init__(self, scope: Construct, construct_id: str, *, expiry_days: int) -> None:
        super().__init__(scope, construct_id)
        # S3 objects take up to 5 TB, so any Kinesis record (at most 1 MiB) fits with its reason.
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireQuarantinedRecords",
                    expiration=Duration.days(expiry_days),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            # Quarantined records are evidence: `cdk destroy` keeps the bucket in every
            # environment (an emptied bucket can be deleted by hand).
            removal_policy=RemovalPolicy.RETAIN,
        )
        Validations.of(self.bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason=(
                    "Only the processor role can write here (PutObject under quarantine/) and "
                    "nothing reads it but operators; a second bucket for server access logs "
                    "would cost more than the records it audits. Use CloudTrail data events "
                    "if an audit trail is required."
                ),
            )
        )

    def object_arn_pattern(self) -> str:
        """ARN pattern of the objects the processor may create."""
        return self.bucket.arn_for_objects(f"{QUARANTINE_PREFIX}*")
