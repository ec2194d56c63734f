"""The boto3 clients deploy verification and status need, created on first use."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
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


class AwsClients:
    """One client per service the stack uses, from a factory (service name -> boto3 client).

    Clients are created lazily: building one loads its service model, which is the slow part
    of a short CLI command.
    """

    def __init__(self, factory: Callable[[str], Any]) -> None:
        self._factory = factory

    @classmethod
    def build(cls, client: Callable[[str], Any]) -> AwsClients:
        """From a factory such as `Settings.client`."""
        return cls(client)

    @cached_property
    def cloudformation(self) -> CloudFormationClient:
        return self._factory("cloudformation")  # type: ignore[no-any-return]

    @cached_property
    def kinesis(self) -> KinesisClient:
        return self._factory("kinesis")  # type: ignore[no-any-return]

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        return self._factory("dynamodb")  # type: ignore[no-any-return]

    @cached_property
    def lambda_(self) -> LambdaClient:
        return self._factory("lambda")  # type: ignore[no-any-return]

    @cached_property
    def sqs(self) -> SQSClient:
        return self._factory("sqs")  # type: ignore[no-any-return]

    @cached_property
    def s3(self) -> S3Client:
        return self._factory("s3")  # type: ignore[no-any-return]

    @cached_property
    def logs(self) -> CloudWatchLogsClient:
        return self._factory("logs")  # type: ignore[no-any-return]

    @cached_property
    def sns(self) -> SNSClient:
        return self._factory("sns")  # type: ignore[no-any-return]

    @cached_property
    def cloudwatch(self) -> CloudWatchClient:
        return self._factory("cloudwatch")  # type: ignore[no-any-return]

    @cached_property
    def iam(self) -> Any:  # no boto3-stubs for iam/kms in the dev extras
        return self._factory("iam")

    @cached_property
    def kms(self) -> Any:
        return self._factory("kms")
