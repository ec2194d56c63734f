"""Collect `status`: emulator health, stack and outputs, mapping, driver, queue and quarantine."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from devtools.deploy import driver_link
from devtools.deploy.cdk import STACK_NAME
from devtools.deploy.findings import VerificationReport
from devtools.deploy.flow import load_report
from devtools.driver.status import DriverStatus
from devtools.emulator import EmulatorHealth, EmulatorRecord, probe, running_record
from devtools.paths import StatePaths
from devtools.replay import failures
from devtools.sync import fingerprint
from devtools.sync.fingerprint import SourceRecord

if TYPE_CHECKING:
    from devtools.deploy.clients import AwsClients

QUARANTINE_PREFIX = "quarantine/"


@dataclass(frozen=True)
class StackState:
    """The stack as CloudFormation reports it."""

    name: str
    status: str
    outputs: dict[str, str]


@dataclass(frozen=True)
class Backlog:
    """Records that left the happy path: on-failure queue (or bucket) and quarantine bucket."""

    failure_queue_visible: int | None
    failure_queue_in_flight: int | None
    quarantine_objects: int | None
    failure_bucket_objects: int | None = None  # onFailureDestination=s3 instead of the queue


@dataclass(frozen=True)
class LocalStatus:
    """Everything `devtools status` shows."""

    endpoint_url: str
    health: EmulatorHealth
    emulator: EmulatorRecord | None
    stack: StackState | None
    mapping_state: str | None
    driver_pid: int | None
    driver: DriverStatus | None
    backlog: Backlog | None
    verification: VerificationReport | None
    source: SourceRecord | None = None


def _stack(clients: AwsClients) -> StackState | None:
    try:
        stacks = clients.cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"]
    except ClientError:
        return None
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    stack = stacks[0]
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in stack.get("Outputs", [])
        if "OutputKey" in o and "OutputValue" in o
    }
    return StackState(STACK_NAME, stack["StackStatus"], outputs)


def _int_or_none(value: str | None) -> int | None:
    return None if value is None else int(value)


def _backlog(clients: AwsClients, outputs: dict[str, str]) -> Backlog:
    visible = in_flight = quarantined = None
    queue_url = outputs.get("FailureQueueUrl")
    if queue_url:
        try:
            attributes = clients.sqs.get_queue_attributes(
                QueueUrl=queue_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            visible = _int_or_none(attributes.get("ApproximateNumberOfMessages"))
            in_flight = _int_or_none(attributes.get("ApproximateNumberOfMessagesNotVisible"))
        except (ClientError, BotoCoreError):
            pass
    failure_objects = None
    failure_bucket = outputs.get("FailureBucketName")
    if failure_bucket:
        with contextlib.suppress(ClientError, BotoCoreError):
            failure_objects = len(failures.bucket_keys(clients.s3, failure_bucket))
    bucket = outputs.get("QuarantineBucketName")
    if bucket:
        try:
            quarantined = 0
            paginator = clients.s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket, Prefix=QUARANTINE_PREFIX):
                quarantined += int(page.get("KeyCount", 0))
        except (ClientError, BotoCoreError):
            quarantined = None
    return Backlog(visible, in_flight, quarantined, failure_objects)


def _mapping_state(clients: AwsClients, outputs: dict[str, str]) -> str | None:
    uuid = outputs.get("EventSourceMappingId")
    if not uuid:
        return None
    try:
        return clients.lambda_.get_event_source_mapping(UUID=uuid).get("State")
    except (ClientError, BotoCoreError):
        return None


def collect(paths: StatePaths, endpoint_url: str, clients: AwsClients) -> LocalStatus:
    """Ask the emulator and the local state; never raises for a stopped emulator."""
    health = probe(endpoint_url)
    stack = _stack(clients) if health.reachable else None
    outputs = stack.outputs if stack else {}
    return LocalStatus(
        endpoint_url=endpoint_url,
        health=health,
        emulator=running_record(paths),
        stack=stack,
        mapping_state=_mapping_state(clients, outputs) if stack else None,
        driver_pid=driver_link.running_pid(paths),
        driver=driver_link.load_status(paths),
        backlog=_backlog(clients, outputs) if stack else None,
        verification=load_report(paths) if stack else None,
        source=fingerprint.load(paths) if stack else None,
    )
