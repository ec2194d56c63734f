"""AWS message shapes used by the processor, as TypedDicts."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class KinesisData(TypedDict):
    """The `kinesis` member of one Kinesis record in a Lambda event."""

    kinesisSchemaVersion: NotRequired[str]
    partitionKey: str
    sequenceNumber: str
    data: str
    approximateArrivalTimestamp: float


class KinesisEventRecord(TypedDict):
    """One record of a Kinesis event source mapping invocation."""

    kinesis: KinesisData
    eventSource: NotRequired[str]
    eventVersion: NotRequired[str]
    eventID: str
    eventName: NotRequired[str]
    invokeIdentityArn: NotRequired[str]
    awsRegion: NotRequired[str]
    eventSourceARN: NotRequired[str]


class KinesisEvent(TypedDict):
    """The invocation payload of a Kinesis event source mapping."""

    Records: list[KinesisEventRecord]


class BatchItemFailure(TypedDict):
    """One failed record, named by its sequence number."""

    itemIdentifier: str


class PartialBatchResponse(TypedDict):
    """The handler's answer when `ReportBatchItemFailures` is enabled."""

    batchItemFailures: list[BatchItemFailure]


# DynamoDB attribute values as the low-level client speaks them, e.g. {"S": "x"} or {"N": "1"}.
AttributeValue = dict[str, object]
Item = dict[str, AttributeValue]


class QuarantineDocument(TypedDict):
    """The JSON body of one quarantine object (docs/contracts.md)."""

    reason: str
    detail: str
    shardId: str
    sequenceNumber: str
    partitionKey: str
    approximateArrivalTimestamp: str
    dataBase64: str
