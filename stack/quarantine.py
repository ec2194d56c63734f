"""The S3 bucket that keeps records which can never be valid, with the reason."""

from __future__ import annotations

from aws_cdk import Duration
from constructs import Construct

from stack.buckets import retained_private_bucket

QUARANTINE_PREFIX = "quarantine/"


class QuarantineBucket(Construct):
    """Private, SSL-only, S3-managed encryption, objects expire after `expiry_days`."""

    def __init__(self, scope: Construct, construct_id: str, *, expiry_days: int) -> None:
        super().__init__(scope, construct_id)
        # S3 objects take up to 5 TB, so any Kinesis record (at most 1 MiB) fits with its reason.
        self.bucket = retained_private_bucket(
            self,
            "Bucket",
            expiry=Duration.days(expiry_days),
            rule_id="ExpireQuarantinedRecords",
            no_access_log_reason=(
                "Only the processor role can write here (PutObject under quarantine/) and "
                "nothing reads it but operators; a second bucket for server access logs "
                "would cost more than the records it audits. Use CloudTrail data events "
                "if an audit trail is required."
            ),
        )

    def object_arn_pattern(self) -> str:
        """ARN pattern of the objects the processor may create."""
        return self.bucket.arn_for_objects(f"{QUARANTINE_PREFIX}*")
