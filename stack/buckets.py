"""The stack's private buckets: kept records that outlive the stream, one shape for all."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_s3 as s3
from constructs import Construct


def retained_private_bucket(
    scope: Construct,
    construct_id: str,
    *,
    expiry: Duration,
    rule_id: str,
    no_access_log_reason: str,
    metrics: Sequence[s3.BucketMetrics] = (),
) -> s3.Bucket:
    """Private, SSL-only, S3-managed encryption, objects expire after `expiry`.

    What these buckets hold is evidence (records that could not be processed, often the only
    copy once the stream's retention passes): `cdk destroy` keeps them in every environment
    (an emptied bucket can be deleted by hand).
    """
    bucket = s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycle_rules=[
            s3.LifecycleRule(
                id=rule_id,
                expiration=expiry,
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
        ],
        metrics=list(metrics) or None,
        removal_policy=RemovalPolicy.RETAIN,
    )
    Validations.of(bucket).acknowledge(
        Acknowledgment(id="AwsSolutions-S1", reason=no_access_log_reason)
    )
    return bucket
