"""Apply, through the emulator's API, the template settings its CloudFormation dropped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from devtools.deploy.clients import AwsClients
from devtools.deploy.findings import PROBLEM_STATUSES, Finding, VerificationReport
from devtools.deploy.verify import ESM_SETTINGS, SQS_ATTRIBUTES

Fixer = Callable[[AwsClients, str, Any], None]


def _stream_encryption(clients: AwsClients, stream: str, expected: Any) -> None:
    clients.kinesis.start_stream_encryption(
        StreamName=stream,
        EncryptionType=expected.get("EncryptionType", "KMS"),
        KeyId=expected.get("KeyId", "alias/aws/kinesis"),
    )


def _ttl(clients: AwsClients, table: str, expected: Any) -> None:
    clients.dynamodb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={
            "AttributeName": expected["AttributeName"],
            "Enabled": bool(expected.get("Enabled", True)),
        },
    )


def _pitr(clients: AwsClients, table: str, expected: Any) -> None:
    clients.dynamodb.update_continuous_backups(
        TableName=table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": bool(expected)},
    )


def _table_sse(clients: AwsClients, table: str, expected: Any) -> None:
    clients.dynamodb.update_table(TableName=table, SSESpecification={"Enabled": bool(expected)})


def _log_retention(clients: AwsClients, group: str, expected: Any) -> None:
    clients.logs.put_retention_policy(logGroupName=group, retentionInDays=int(expected))


def _reserved_concurrency(clients: AwsClients, function: str, expected: Any) -> None:
    clients.lambda_.put_function_concurrency(
        FunctionName=function, ReservedConcurrentExecutions=int(expected)
    )


def _mapping_setting(setting: str) -> Fixer:
    def fix(clients: AwsClients, uuid: str, expected: Any) -> None:
        clients.lambda_.update_event_source_mapping(UUID=uuid, **{setting: expected})

    return fix


def _mapping_destination(clients: AwsClients, uuid: str, expected: Any) -> None:
    clients.lambda_.update_event_source_mapping(
        UUID=uuid, DestinationConfig={"OnFailure": {"Destination": str(expected)}}
    )


def _mapping_response_types(clients: AwsClients, uuid: str, expected: Any) -> None:
    clients.lambda_.update_event_source_mapping(UUID=uuid, FunctionResponseTypes=list(expected))


def _queue_attribute(name: str) -> Fixer:
    def fix(clients: AwsClients, url: str, expected: Any) -> None:
        value = str(expected).lower() if isinstance(expected, bool) else str(expected)
        attributes: Any = {name: value}  # a QueueAttributeName literal, checked by the caller
        clients.sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)

    return fix


def _topic_kms(clients: AwsClients, arn: str, expected: Any) -> None:
    clients.sns.set_topic_attributes(
        TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue=str(expected)
    )


def _bucket_encryption(clients: AwsClients, bucket: str, expected: Any) -> None:
    clients.s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}
                for algorithm in expected
            ]
        },
    )


def _public_access_block(clients: AwsClients, bucket: str, expected: Any) -> None:
    configuration: Any = {k: bool(v) for k, v in expected.items()}
    clients.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=configuration)


def _bucket_lifecycle_rules(clients: AwsClients, bucket: str, rules: Any) -> None:
    """CloudFormation's rule shape (ExpirationInDays, Id, Prefix) into the API's."""
    api_rules: list[dict[str, Any]] = []
    for rule in rules:
        api_rule: dict[str, Any] = {
            "ID": rule.get("Id", f"rule{len(api_rules)}"),
            "Status": rule.get("Status", "Enabled"),
            "Filter": {"Prefix": rule.get("Prefix", "")},
        }
        if "ExpirationInDays" in rule:
            api_rule["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in rule:
            api_rule["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
        api_rules.append(api_rule)
    configuration: Any = {"Rules": api_rules}
    clients.s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration=configuration
    )


def _bucket_ownership(clients: AwsClients, bucket: str, expected: Any) -> None:
    controls: Any = {"Rules": [{"ObjectOwnership": value} for value in expected]}
    clients.s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=controls)


def _key_rotation(clients: AwsClients, key_id: str, expected: Any) -> None:
    if expected:
        clients.kms.enable_key_rotation(KeyId=key_id)


FIXERS: dict[tuple[str, str], Fixer] = {
    ("AWS::Kinesis::Stream", "StreamEncryption"): _stream_encryption,
    ("AWS::DynamoDB::Table", "TimeToLiveSpecification"): _ttl,
    ("AWS::DynamoDB::Table", "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled"): _pitr,
    ("AWS::DynamoDB::Table", "SSESpecification.SSEEnabled"): _table_sse,
    ("AWS::Logs::LogGroup", "RetentionInDays"): _log_retention,
    ("AWS::Lambda::Function", "ReservedConcurrentExecutions"): _reserved_concurrency,
    ("AWS::Lambda::EventSourceMapping", "FunctionResponseTypes"): _mapping_response_types,
    (
        "AWS::Lambda::EventSourceMapping",
        "DestinationConfig.OnFailure.Destination",
    ): _mapping_destination,
    ("AWS::SNS::Topic", "KmsMasterKeyId"): _topic_kms,
    ("AWS::S3::Bucket", "BucketEncryption.SSEAlgorithm"): _bucket_encryption,
    ("AWS::S3::Bucket", "PublicAccessBlockConfiguration"): _public_access_block,
    ("AWS::S3::Bucket", "LifecycleConfiguration.Rules"): _bucket_lifecycle_rules,
    ("AWS::S3::Bucket", "OwnershipControls.Rules"): _bucket_ownership,
    ("AWS::KMS::Key", "EnableKeyRotation"): _key_rotation,
}
# StartingPosition is fixed when a mapping is created: no API changes it.
for _setting in ESM_SETTINGS:
    if _setting != "StartingPosition":
        FIXERS[("AWS::Lambda::EventSourceMapping", _setting)] = _mapping_setting(_setting)
for _attribute in SQS_ATTRIBUTES:
    FIXERS[("AWS::SQS::Queue", _attribute)] = _queue_attribute(_attribute)


def apply_fixes(clients: AwsClients, report: VerificationReport) -> dict[tuple[str, str], str]:
    """Call the API for every problem a fixer exists for; returns key -> error for failures."""
    errors: dict[tuple[str, str], str] = {}
    for finding in report.problems:
        fixer = FIXERS.get((finding.resource_type, finding.setting))
        if fixer is None:
            continue
        try:
            fixer(clients, finding.physical_id, finding.expected_value)
        except (ClientError, BotoCoreError, KeyError, TypeError, ValueError) as exc:
            errors[finding.key] = f"{type(exc).__name__}: {exc}"
    return errors


def merge(
    before: VerificationReport,
    after: VerificationReport,
    errors: dict[tuple[str, str], str],
) -> VerificationReport:
    """The final report: settings fixed by the API become `applied`, failed fixes say why."""
    previous = {f.key: f for f in before.findings}
    merged: list[Finding] = []
    for finding in after.findings:
        earlier = previous.get(finding.key)
        was_problem = earlier is not None and earlier.status in PROBLEM_STATUSES
        fixable = (finding.resource_type, finding.setting) in FIXERS
        if was_problem and finding.status == "ok":
            left = earlier.actual if earlier else "-"
            merged.append(
                finding.with_status("applied", f"set via the API (CloudFormation left {left})")
            )
        elif finding.status in PROBLEM_STATUSES and finding.key in errors:
            merged.append(finding.with_status("apply-failed", errors[finding.key]))
        elif finding.status in PROBLEM_STATUSES and fixable:
            merged.append(
                finding.with_status(
                    "apply-failed", "API call accepted but the setting is unchanged"
                )
            )
        elif finding.status in PROBLEM_STATUSES:
            # keep an explanation the check gave; else say why nothing was applied
            merged.append(finding.with_status(finding.status, finding.note or "no API to apply it"))
        else:
            merged.append(finding)
    return VerificationReport(tuple(merged))
