"""The boto3 clients deploy verification needs, built once by the caller and passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class AwsClients:
    """One client per service the stack uses."""

    cloudformation: CloudFormationClient
    kinesis: KinesisClient
    dynamodb: DynamoDBClient
    lambda_: LambdaClient
    sqs: SQSClient
    s3: S3Client
    logs: CloudWatchLogsClient
    sns: SNSClient
    cloudwatch: CloudWatchClient
    # no boto3-stubs for these two in the dev extras
    iam: Any
    kms: Any

    @classmethod
    def build(cls, client: Callable[[str], Any]) -> AwsClients:
        """From a factory such as `Settings.client` (service name -> boto3 client)."""
        return cls(
            cloudformation=client("cloudformation"),
            kinesis=client("kinesis"),
            dynamodb=client("dynamodb"),
            lambda_=client("lambda"),
            sqs=client("sqs"),
            s3=client("s3"),
            logs=client("logs"),
            sns=client("sns"),
            cloudwatch=client("cloudwatch"),
            iam=client("iam"),
            kms=client("kms"),
        )
