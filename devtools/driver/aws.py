"""Adapters from the engine's ports to boto3 clients (Kinesis, Lambda, SQS, SNS, S3)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from devtools.driver.exceptions import (
    DestinationError,
    InvokeError,
    IteratorExpiredError,
    MappingNotFoundError,
    ShardGoneError,
)
from devtools.driver.ports import ReadResult, ShardInfo, StartPosition
from devtools.driver.records import StreamRecord
from devtools.driver.response import InvokeResult

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


_RAW_RECORDS = "DriverRawRecords"


def _keep_raw_records(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore hook: hand GetRecords' records over as JSON, skipping botocore's parser.

    botocore's shape parser costs ~0.1 ms per record (a second per 10,000-record answer) and
    base64-decodes data the event needs base64-encoded again. Errors are left to botocore.
    """
    if response_dict.get("status_code") != 200:
        return
    try:
        body = json.loads(response_dict["body"])
    except (ValueError, TypeError, KeyError):
        return  # not JSON (CBOR?): botocore parses it as usual
    if not isinstance(body, dict):
        return
    customized_response_dict[_RAW_RECORDS] = body.get("Records") or []
    body["Records"] = []
    response_dict["body"] = json.dumps(body).encode()


class KinesisSource:
    """RecordSource over a Kinesis client, addressing the stream by ARN.

    Registers a hook on the client it is given so GetRecords skips botocore's record parsing.
    """

    def __init__(self, kinesis: KinesisClient, stream_arn: str) -> None:
        self._kinesis = kinesis
        self._stream_arn = stream_arn
        kinesis.meta.events.register("before-parse.kinesis.GetRecords", _keep_raw_records)

    def list_shards(self) -> list[ShardInfo]:
        shards: list[ShardInfo] = []
        token: str | None = None
        while True:
            if token:
                page = self._kinesis.list_shards(NextToken=token)
            else:
                page = self._kinesis.list_shards(StreamARN=self._stream_arn)
            for shard in page.get("Shards", []):
                parents = tuple(
                    p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p
                )
                shards.append(
                    ShardInfo(
                        shard_id=shard["ShardId"],
                        parent_ids=parents,
                        starting_sequence=shard["SequenceNumberRange"]["StartingSequenceNumber"],
                    )
                )
            token = page.get("NextToken")
            if not token:
                return shards

    def shard_iterator(self, shard_id: str, position: StartPosition) -> str:
        kwargs: dict[str, Any] = {
            "StreamARN": self._stream_arn,
            "ShardId": shard_id,
            "ShardIteratorType": position.kind,
        }
        if position.sequence is not None:
            kwargs["StartingSequenceNumber"] = position.sequence
        if position.timestamp is not None:
            kwargs["Timestamp"] = datetime.fromtimestamp(position.timestamp)
        try:
            answer = self._kinesis.get_shard_iterator(**kwargs)
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                raise ShardGoneError(f"{shard_id}: {exc}") from exc
            raise
        return str(answer["ShardIterator"])

    def get_records(self, shard_id: str, iterator: str, limit: int) -> ReadResult:
        try:
            answer = self._kinesis.get_records(
                ShardIterator=iterator, Limit=limit, StreamARN=self._stream_arn
            )
        except ClientError as exc:
            code = _error_code(exc)
            if code == "ExpiredIteratorException":
                raise IteratorExpiredError(f"{shard_id}: {exc}") from exc
            if code == "ResourceNotFoundException":
                raise ShardGoneError(f"{shard_id}: {exc}") from exc
            raise
        raw_records = cast(dict[str, Any], answer).get(_RAW_RECORDS)
        if raw_records is not None:
            records = [
                StreamRecord(
                    shard_id=shard_id,
                    sequence_number=raw["SequenceNumber"],
                    partition_key=raw["PartitionKey"],
                    data_base64=raw["Data"],  # still base64, as the event wants it
                    arrival=float(raw["ApproximateArrivalTimestamp"]),
                )
                for raw in raw_records
            ]
        else:
            records = [
                StreamRecord(
                    shard_id=shard_id,
                    sequence_number=parsed["SequenceNumber"],
                    partition_key=parsed["PartitionKey"],
                    # boto3 decoded the blob; the event carries it base64-encoded again.
                    data_base64=_b64(parsed["Data"]),
                    arrival=_epoch(parsed["ApproximateArrivalTimestamp"]),
                )
                for parsed in answer.get("Records", [])
            ]
        return ReadResult(
            records=records,
            next_iterator=answer.get("NextShardIterator"),
            millis_behind_latest=int(answer.get("MillisBehindLatest", 0)),
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class LambdaInvoker:
    """Invoker that calls Invoke (RequestResponse) on the mapped function."""

    def __init__(self, lambda_client: LambdaClient, function_arn: str) -> None:
        self._lambda = lambda_client
        self._function_arn = function_arn

    def invoke(self, payload: bytes) -> InvokeResult:
        started = time.perf_counter()
        try:
            answer = self._lambda.invoke(
                FunctionName=self._function_arn,
                InvocationType="RequestResponse",
                Payload=payload,
            )
            body = answer["Payload"].read()
        except (ClientError, BotoCoreError) as exc:
            raise InvokeError(str(exc)) from exc
        return InvokeResult(
            status_code=int(answer.get("StatusCode", 200)),
            payload=body,
            function_error=answer.get("FunctionError"),
            executed_version=str(answer.get("ExecutedVersion", "$LATEST")),
            duration_ms=(time.perf_counter() - started) * 1000.0,
        )


class FailureDestinations:
    """FailureDestination for SQS queue, SNS topic and S3 bucket ARNs."""

    def __init__(
        self, sqs: SQSClient | None, sns: SNSClient | None, s3: S3Client | None = None
    ) -> None:
        self._sqs = sqs
        self._sns = sns
        self._s3 = s3
        self._queue_urls: dict[str, str] = {}

    def _queue_url(self, arn: str) -> str:
        if arn not in self._queue_urls:
            assert self._sqs is not None
            _, _, _, _, account, name = arn.split(":", 5)
            answer = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
            self._queue_urls[arn] = answer["QueueUrl"]
        return self._queue_urls[arn]

    def send(self, destination_arn: str, message: str, object_key: str) -> None:
        parts = destination_arn.split(":", 5)
        service = parts[2] if len(parts) == 6 else ""
        try:
            if service == "sqs" and self._sqs is not None:
                queue_url = self._queue_url(destination_arn)
                self._sqs.send_message(QueueUrl=queue_url, MessageBody=message)
                return
            if service == "sns" and self._sns is not None:
                self._sns.publish(TopicArn=destination_arn, Message=message)
                return
            if service == "s3" and self._s3 is not None:
                # arn:aws:s3:::bucket - the bucket is the resource part.
                self._s3.put_object(
                    Bucket=parts[5],
                    Key=object_key,
                    Body=message.encode("utf-8"),
                    ContentType="application/json",
                )
                return
        except (ClientError, BotoCoreError) as exc:
            raise DestinationError(f"{destination_arn}: {exc}") from exc
        raise DestinationError(
            f"{destination_arn}: only SQS queues, SNS topics and S3 buckets are supported"
        )


@dataclass(frozen=True)
class FunctionInfo:
    """What the driver needs from GetFunctionConfiguration."""

    role_arn: str
    timeout_seconds: float


def read_mapping(lambda_client: LambdaClient, mapping_uuid: str) -> Mapping[str, Any]:
    """GetEventSourceMapping as a plain dict."""
    try:
        return dict(lambda_client.get_event_source_mapping(UUID=mapping_uuid))
    except ParamValidationError as exc:
        raise MappingNotFoundError(
            f"event source mapping {mapping_uuid!r} not found: not a mapping UUID"
        ) from exc
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            raise MappingNotFoundError(
                f"event source mapping {mapping_uuid} not found (is the stack deployed?)"
            ) from exc
        raise


def function_info(lambda_client: LambdaClient, function_arn: str) -> FunctionInfo:
    """The execution role (the events' invokeIdentityArn) and the timeout."""
    answer = lambda_client.get_function_configuration(FunctionName=function_arn)
    return FunctionInfo(
        role_arn=str(answer.get("Role", "")),
        timeout_seconds=float(answer.get("Timeout", 3)),
    )
