"""AWS message shapes the driver reads and writes, as TypedDicts."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class KinesisData(TypedDict):
    """The `kinesis` member of one event record."""

    kinesisSchemaVersion: str
    partitionKey: str
    sequenceNumber: str
    data: str
    approximateArrivalTimestamp: float


class KinesisEventRecord(TypedDict):
    """One record of the event Lambda receives from a Kinesis mapping."""

    kinesis: KinesisData
    eventSource: str
    eventVersion: str
    eventID: str
    eventName: str
    invokeIdentityArn: str
    awsRegion: str
    eventSourceARN: str


class KinesisEvent(TypedDict):
    """The whole invocation payload."""

    Records: list[KinesisEventRecord]


class RequestContext(TypedDict):
    """`requestContext` of an on-failure invocation record."""

    requestId: str
    functionArn: str
    condition: str
    approximateInvokeCount: int


class ResponseContext(TypedDict):
    """`responseContext` of an on-failure invocation record."""

    statusCode: int
    executedVersion: str
    functionError: str | None  # null (not left out) when the function answered without error


class KinesisBatchInfo(TypedDict):
    """Where the discarded records are in the stream (the records themselves are not sent)."""

    shardId: str
    startSequenceNumber: str
    endSequenceNumber: str
    approximateArrivalOfFirstRecord: str
    approximateArrivalOfLastRecord: str
    batchSize: int
    streamArn: str


class InvocationRecord(TypedDict):
    """The message sent to the on-failure destination (SQS body / SNS message / S3 object)."""

    requestContext: RequestContext
    responseContext: NotRequired[ResponseContext]  # left out for RecordAgeExceeded
    version: str
    timestamp: str
    KinesisBatchInfo: KinesisBatchInfo
    payload: NotRequired[KinesisEvent]  # S3 destinations only: the batch's invocation event
