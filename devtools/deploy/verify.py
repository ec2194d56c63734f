"""Compare the deployed resources with the synthesized template, setting by setting."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from devtools.deploy.clients import AwsClients
from devtools.deploy.findings import Finding, Status, VerificationReport, render_value
from devtools.deploy.resolve import UNRESOLVED, Resolver

ACCOUNT_ID = "000000000000"
# resource types whose existence is all there is to compare, or that CDK adds for itself
_SKIPPED_TYPES = frozenset({"AWS::CDK::Metadata"})
_ABSENT = object()


@dataclass(frozen=True)
class CheckContext:
    """What a checker needs for one resource."""

    clients: AwsClients
    resolver: Resolver
    logical_id: str
    resource_type: str
    physical_id: str
    props: dict[str, Any]

    def expected(self, *path: str) -> Any:
        """The resolved template value at `path`, `_ABSENT` when the template does not set it."""
        value: Any = self.props
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return _ABSENT
            value = value[key]
        return self.resolver.resolve(value)

    def finding(
        self,
        setting: str,
        expected: Any,
        actual: Any,
        *,
        note: str = "",
        status: Status | None = None,
        raw: Any = _ABSENT,
    ) -> Finding:
        if status is None:
            status = _compare(expected, actual)
        return Finding(
            logical_id=self.logical_id,
            resource_type=self.resource_type,
            physical_id=self.physical_id,
            setting=setting,
            expected=render_value(expected),
            actual=render_value(actual),
            status=status,
            note=note,
            expected_value=expected if raw is _ABSENT else raw,
        )

    def compare(self, setting: str, actual: Any, *path: str, note: str = "") -> Iterator[Finding]:
        """One finding for template path `path` (default: `setting`), if the template sets it."""
        expected = self.expected(*(path or (setting,)))
        if expected is _ABSENT:
            return
        if expected is UNRESOLVED:
            yield self.finding(
                setting, "(unresolved)", actual, status="unchecked", note="intrinsic not resolved"
            )
            return
        yield self.finding(setting, expected, actual, note=note)


def _normalize(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lstrip("-").isdigit():
            return int(stripped)
        if stripped.lower() in ("true", "false"):
            return stripped.lower() == "true"
        return stripped
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_normalize(item) for item in value]
    if isinstance(value, dict):
        return {key: _normalize(item) for key, item in value.items()}
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value in ("", "NONE", "DISABLED", False, [], {}, 0)


def _compare(expected: Any, actual: Any) -> Status:
    if _normalize(expected) == _normalize(actual):
        return "ok"
    return "dropped" if _is_empty(actual) else "differs"


# --- checkers: one per resource type ----------------------------------------------------------


def _check_kinesis_stream(ctx: CheckContext) -> Iterator[Finding]:
    summary = ctx.clients.kinesis.describe_stream_summary(StreamName=ctx.physical_id)[
        "StreamDescriptionSummary"
    ]
    yield from ctx.compare("ShardCount", summary.get("OpenShardCount"))
    yield from ctx.compare("RetentionPeriodHours", summary.get("RetentionPeriodHours"))
    yield from ctx.compare(
        "StreamModeDetails.StreamMode",
        summary.get("StreamModeDetails", {}).get("StreamMode"),
        "StreamModeDetails",
        "StreamMode",
    )
    encryption = ctx.expected("StreamEncryption")
    if encryption is not _ABSENT and isinstance(encryption, dict):
        actual: dict[str, str] = {"EncryptionType": summary.get("EncryptionType", "NONE")}
        if summary.get("KeyId"):
            actual["KeyId"] = summary["KeyId"]
        status: Status = "ok" if _normalize(actual) == _normalize(encryption) else "differs"
        if actual["EncryptionType"] == "NONE" and status != "ok":
            status = "dropped"
        yield ctx.finding("StreamEncryption", encryption, actual, status=status)


def _check_dynamodb_table(ctx: CheckContext) -> Iterator[Finding]:
    dynamodb = ctx.clients.dynamodb
    table = dynamodb.describe_table(TableName=ctx.physical_id)["Table"]
    yield from ctx.compare("KeySchema", table.get("KeySchema"))
    billing = table.get("BillingModeSummary", {}).get("BillingMode")
    yield from ctx.compare("BillingMode", billing)
    expected_gsis = ctx.expected("GlobalSecondaryIndexes")
    if isinstance(expected_gsis, list):
        yield ctx.finding(
            "GlobalSecondaryIndexes",
            sorted(f"{g['IndexName']}:{_keys(g['KeySchema'])}" for g in expected_gsis),
            sorted(
                f"{g['IndexName']}:{_keys(g['KeySchema'])}"
                for g in table.get("GlobalSecondaryIndexes", [])
            ),
        )
    ttl_expected = ctx.expected("TimeToLiveSpecification")
    if isinstance(ttl_expected, dict):
        ttl = dynamodb.describe_time_to_live(TableName=ctx.physical_id)["TimeToLiveDescription"]
        enabled = ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        actual = {"AttributeName": ttl.get("AttributeName"), "Enabled": enabled}
        yield ctx.finding(
            "TimeToLiveSpecification",
            ttl_expected,
            actual if enabled else None,
            status="ok" if _normalize(actual) == _normalize(ttl_expected) else None,
        )
    pitr_expected = ctx.expected("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")
    if pitr_expected is not _ABSENT:
        backups = dynamodb.describe_continuous_backups(TableName=ctx.physical_id)
        status = (
            backups["ContinuousBackupsDescription"]
            .get("PointInTimeRecoveryDescription", {})
            .get("PointInTimeRecoveryStatus")
        )
        yield ctx.finding(
            "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
            pitr_expected,
            status == "ENABLED",
        )
    sse_expected = ctx.expected("SSESpecification", "SSEEnabled")
    if sse_expected is not _ABSENT:
        sse = table.get("SSEDescription", {}).get("Status")
        yield ctx.finding("SSESpecification.SSEEnabled", sse_expected, sse == "ENABLED")
    yield from ctx.compare("DeletionProtectionEnabled", table.get("DeletionProtectionEnabled"))
    yield from ctx.compare(
        "StreamSpecification.StreamViewType",
        table.get("StreamSpecification", {}).get("StreamViewType"),
        "StreamSpecification",
        "StreamViewType",
    )


def _keys(schema: list[Any]) -> str:
    return ",".join(f"{k['AttributeName']}/{k['KeyType']}" for k in schema)


def _check_lambda_function(ctx: CheckContext) -> Iterator[Finding]:
    response = ctx.clients.lambda_.get_function(FunctionName=ctx.physical_id)
    config: dict[str, Any] = dict(response["Configuration"])
    for setting in ("Runtime", "Handler", "MemorySize", "Timeout", "Architectures"):
        yield from ctx.compare(setting, config.get(setting))
    yield from ctx.compare(
        "TracingConfig.Mode",
        config.get("TracingConfig", {}).get("Mode"),
        "TracingConfig",
        "Mode",
    )
    logging = config.get("LoggingConfig", {})
    yield from ctx.compare(
        "LoggingConfig.LogGroup", logging.get("LogGroup"), "LoggingConfig", "LogGroup"
    )
    yield from ctx.compare(
        "LoggingConfig.LogFormat", logging.get("LogFormat"), "LoggingConfig", "LogFormat"
    )
    concurrency = response.get("Concurrency", {}).get("ReservedConcurrentExecutions")
    yield from ctx.compare("ReservedConcurrentExecutions", concurrency)
    variables = ctx.expected("Environment", "Variables")
    actual_vars = config.get("Environment", {}).get("Variables", {})
    if isinstance(variables, dict):
        for name in sorted(variables):
            yield ctx.finding(f"Environment.{name}", variables[name], actual_vars.get(name))


# Compared one to one with GetEventSourceMapping; all but StartingPosition can be updated.
ESM_SETTINGS = (
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "StartingPosition",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "MaximumRecordAgeInSeconds",
    "ParallelizationFactor",
    "TumblingWindowInSeconds",
    "FilterCriteria",
)


def _check_event_source_mapping(ctx: CheckContext) -> Iterator[Finding]:
    mapping: dict[str, Any] = dict(
        ctx.clients.lambda_.get_event_source_mapping(UUID=ctx.physical_id)
    )
    for setting in ESM_SETTINGS:
        yield from ctx.compare(setting, mapping.get(setting))
    response_types = ctx.expected("FunctionResponseTypes")
    if isinstance(response_types, list):
        yield ctx.finding(
            "FunctionResponseTypes",
            sorted(response_types),
            sorted(mapping.get("FunctionResponseTypes") or []) or None,
        )
    yield from ctx.compare(
        "DestinationConfig.OnFailure.Destination",
        mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
        "DestinationConfig",
        "OnFailure",
        "Destination",
    )


SQS_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
)


def _check_sqs_queue(ctx: CheckContext) -> Iterator[Finding]:
    response = ctx.clients.sqs.get_queue_attributes(
        QueueUrl=ctx.physical_id, AttributeNames=["All"]
    )
    attributes: dict[str, str] = {str(k): v for k, v in response.get("Attributes", {}).items()}
    for setting in SQS_ATTRIBUTES:
        yield from ctx.compare(setting, attributes.get(setting))


def _check_s3_bucket(ctx: CheckContext) -> Iterator[Finding]:
    s3 = ctx.clients.s3
    bucket = ctx.physical_id
    encryption = ctx.expected("BucketEncryption")
    if isinstance(encryption, dict):
        expected_algos = sorted(
            rule.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm", "")
            for rule in encryption.get("ServerSideEncryptionConfiguration", [])
        )
        try:
            rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
                "Rules"
            ]
            actual_algos: list[str] | None = sorted(
                rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm", "")
                for rule in rules
            )
        except ClientError:
            actual_algos = None
        yield ctx.finding("BucketEncryption.SSEAlgorithm", expected_algos, actual_algos)
    block = ctx.expected("PublicAccessBlockConfiguration")
    if isinstance(block, dict):
        try:
            actual_block: dict[str, Any] | None = dict(
                s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
            )
        except ClientError:
            actual_block = None
        if actual_block is not None:
            actual_block = {k: actual_block.get(k) for k in block}
        yield ctx.finding("PublicAccessBlockConfiguration", block, actual_block)
    versioning = ctx.expected("VersioningConfiguration", "Status")
    if versioning is not _ABSENT:
        yield ctx.finding(
            "VersioningConfiguration.Status",
            versioning,
            s3.get_bucket_versioning(Bucket=bucket).get("Status"),
        )
    ownership = ctx.expected("OwnershipControls", "Rules")
    if isinstance(ownership, list):
        try:
            actual_ownership: list[str] | None = sorted(
                rule["ObjectOwnership"]
                for rule in s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"][
                    "Rules"
                ]
            )
        except ClientError:
            actual_ownership = None
        yield ctx.finding(
            "OwnershipControls.Rules",
            sorted(rule["ObjectOwnership"] for rule in ownership),
            actual_ownership,
        )
    lifecycle = ctx.expected("LifecycleConfiguration", "Rules")
    if isinstance(lifecycle, list):
        try:
            actual_rules: list[Any] | None = list(
                s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
            )
        except ClientError:
            actual_rules = None
        yield ctx.finding(
            "LifecycleConfiguration.Rules",
            sorted(_lifecycle_summary(rule) for rule in lifecycle),
            None
            if actual_rules is None
            else sorted(_lifecycle_summary(rule) for rule in actual_rules),
            raw=lifecycle,
        )


def _lifecycle_summary(rule: dict[str, Any]) -> str:
    expiration = rule.get("ExpirationInDays")
    if expiration is None:
        expiration = rule.get("Expiration", {}).get("Days")
    status = rule.get("Status", "")
    prefix = rule.get("Prefix") or rule.get("Filter", {}).get("Prefix", "")
    return f"{status}:prefix={prefix}:expire={expiration}"


def _check_bucket_policy(ctx: CheckContext) -> Iterator[Finding]:
    bucket = ctx.expected("Bucket")
    if not isinstance(bucket, str):
        return
    try:
        policy = json.loads(ctx.clients.s3.get_bucket_policy(Bucket=bucket)["Policy"])
        statements: int | None = len(policy.get("Statement", []))
    except ClientError:
        statements = None
    expected = ctx.expected("PolicyDocument", "Statement")
    if isinstance(expected, list):
        yield ctx.finding("PolicyDocument.Statement (count)", len(expected), statements)


def _check_log_group(ctx: CheckContext) -> Iterator[Finding]:
    groups = ctx.clients.logs.describe_log_groups(logGroupNamePrefix=ctx.physical_id)["logGroups"]
    group = next((g for g in groups if g.get("logGroupName") == ctx.physical_id), None)
    if group is None:
        yield ctx.finding("exists", True, False)
        return
    yield from ctx.compare("RetentionInDays", group.get("retentionInDays"))
    yield from ctx.compare("KmsKeyId", group.get("kmsKeyId"))


def _check_sns_topic(ctx: CheckContext) -> Iterator[Finding]:
    attributes = ctx.clients.sns.get_topic_attributes(TopicArn=ctx.physical_id)["Attributes"]
    yield from ctx.compare("KmsMasterKeyId", attributes.get("KmsMasterKeyId"))


_ALARM_SETTINGS = (
    "MetricName",
    "Namespace",
    "Statistic",
    "Period",
    "EvaluationPeriods",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "DatapointsToAlarm",
)


def _check_alarm(ctx: CheckContext) -> Iterator[Finding]:
    alarms = ctx.clients.cloudwatch.describe_alarms(AlarmNames=[ctx.physical_id])["MetricAlarms"]
    if not alarms:
        yield ctx.finding("exists", True, False)
        return
    alarm: dict[str, Any] = dict(alarms[0])
    for setting in _ALARM_SETTINGS:
        yield from ctx.compare(setting, alarm.get(setting))
    yield from ctx.compare("AlarmActions", alarm.get("AlarmActions"))
    expected_dims = ctx.expected("Dimensions")
    if isinstance(expected_dims, list):
        yield ctx.finding(
            "Dimensions",
            sorted(f"{d['Name']}={d['Value']}" for d in expected_dims),
            sorted(f"{d['Name']}={d['Value']}" for d in alarm.get("Dimensions", [])),
        )


def _check_dashboard(ctx: CheckContext) -> Iterator[Finding]:
    try:
        body = ctx.clients.cloudwatch.get_dashboard(DashboardName=ctx.physical_id).get(
            "DashboardBody", ""
        )
        widgets: int | None = len(json.loads(body or "{}").get("widgets", []))
    except ClientError:
        widgets = None
    expected = ctx.expected("DashboardBody")
    if isinstance(expected, str):
        expected_widgets = len(json.loads(expected).get("widgets", []))
        yield ctx.finding("DashboardBody.widgets", expected_widgets, widgets)
    else:
        # the body is an Fn::Join of metric names and ARNs: compare presence only
        yield ctx.finding("exists", True, widgets is not None and widgets > 0)


def _policy_statements(document: str | None) -> int | None:
    if not document:
        return None
    statements = json.loads(document).get("Statement", [])
    return len(statements) if isinstance(statements, list) else 1


def _check_queue_policy(ctx: CheckContext) -> Iterator[Finding]:
    queues = ctx.expected("Queues")
    expected = ctx.expected("PolicyDocument", "Statement")
    if not isinstance(queues, list) or not isinstance(expected, list):
        return
    for url in queues:
        attributes = ctx.clients.sqs.get_queue_attributes(
            QueueUrl=str(url), AttributeNames=["Policy"]
        ).get("Attributes", {})
        yield ctx.finding(
            "PolicyDocument.Statement (count)",
            len(expected),
            _policy_statements(attributes.get("Policy")),
        )


def _check_topic_policy(ctx: CheckContext) -> Iterator[Finding]:
    topics = ctx.expected("Topics")
    expected = ctx.expected("PolicyDocument", "Statement")
    if not isinstance(topics, list) or not isinstance(expected, list):
        return
    for arn in topics:
        attributes = ctx.clients.sns.get_topic_attributes(TopicArn=str(arn))["Attributes"]
        actual = _policy_statements(attributes.get("Policy"))
        yield ctx.finding("PolicyDocument.Statement (count)", len(expected), actual)


def _check_kms_key(ctx: CheckContext) -> Iterator[Finding]:
    rotation = ctx.expected("EnableKeyRotation")
    key = ctx.clients.kms.describe_key(KeyId=ctx.physical_id)["KeyMetadata"]
    yield ctx.finding("KeyState", "Enabled", key.get("KeyState"))
    if rotation is not _ABSENT:
        status = ctx.clients.kms.get_key_rotation_status(KeyId=ctx.physical_id)
        yield ctx.finding("EnableKeyRotation", rotation, bool(status.get("KeyRotationEnabled")))


def _check_iam_role(ctx: CheckContext) -> Iterator[Finding]:
    role = ctx.clients.iam.get_role(RoleName=ctx.physical_id)["Role"]
    expected = ctx.expected("AssumeRolePolicyDocument", "Statement")
    document = role.get("AssumeRolePolicyDocument")
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    if isinstance(expected, list):
        yield ctx.finding(
            "AssumeRolePolicyDocument.Principal",
            sorted(_principals(expected)),
            sorted(_principals((document or {}).get("Statement", []))),
        )
    managed = ctx.expected("ManagedPolicyArns")
    if isinstance(managed, list):
        attached = ctx.clients.iam.list_attached_role_policies(RoleName=ctx.physical_id)
        yield ctx.finding(
            "ManagedPolicyArns",
            sorted(managed),
            sorted(p["PolicyArn"] for p in attached.get("AttachedPolicies", [])),
        )


def _principals(statements: list[Any]) -> list[str]:
    found: list[str] = []
    for statement in statements:
        principal = statement.get("Principal", {})
        for kind, values in principal.items() if isinstance(principal, dict) else []:
            for value in values if isinstance(values, list) else [values]:
                found.append(f"{kind}:{value}")
    return found


def _check_iam_policy(ctx: CheckContext) -> Iterator[Finding]:
    roles = ctx.expected("Roles")
    name = ctx.expected("PolicyName")
    expected = ctx.expected("PolicyDocument")
    if not isinstance(roles, list) or not isinstance(name, str):
        return
    for role in roles:
        try:
            document = ctx.clients.iam.get_role_policy(RoleName=str(role), PolicyName=name)[
                "PolicyDocument"
            ]
        except ClientError:
            document = None
        if isinstance(document, str):
            document = json.loads(urllib.parse.unquote(document))
        if expected is UNRESOLVED:
            yield ctx.finding(
                "PolicyDocument.Statement (count)",
                len(_template_statements(ctx)),
                None if document is None else len(document.get("Statement", [])),
            )
        else:
            actions_expected = sorted(_actions(expected.get("Statement", [])))
            actions_actual = (
                None if document is None else sorted(_actions(document.get("Statement", [])))
            )
            yield ctx.finding("PolicyDocument.Actions", actions_expected, actions_actual)


def _template_statements(ctx: CheckContext) -> list[Any]:
    statements = ctx.props.get("PolicyDocument", {}).get("Statement", [])
    return list(statements) if isinstance(statements, list) else [statements]


def _actions(statements: list[Any]) -> list[str]:
    found: list[str] = []
    for statement in statements:
        actions = statement.get("Action", [])
        found.extend(actions if isinstance(actions, list) else [actions])
    return found


Checker = Callable[[CheckContext], Iterator[Finding]]
CHECKERS: dict[str, Checker] = {
    "AWS::Kinesis::Stream": _check_kinesis_stream,
    "AWS::DynamoDB::Table": _check_dynamodb_table,
    "AWS::Lambda::Function": _check_lambda_function,
    "AWS::Lambda::EventSourceMapping": _check_event_source_mapping,
    "AWS::SQS::Queue": _check_sqs_queue,
    "AWS::S3::Bucket": _check_s3_bucket,
    "AWS::S3::BucketPolicy": _check_bucket_policy,
    "AWS::Logs::LogGroup": _check_log_group,
    "AWS::SNS::Topic": _check_sns_topic,
    "AWS::CloudWatch::Alarm": _check_alarm,
    "AWS::CloudWatch::Dashboard": _check_dashboard,
    "AWS::SQS::QueuePolicy": _check_queue_policy,
    "AWS::SNS::TopicPolicy": _check_topic_policy,
    "AWS::KMS::Key": _check_kms_key,
    "AWS::IAM::Role": _check_iam_role,
    "AWS::IAM::Policy": _check_iam_policy,
}


# --- the report ---------------------------------------------------------------------------------


def load_template(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def deployed_resources(clients: AwsClients, stack_name: str) -> dict[str, tuple[str, str, str]]:
    """Logical id -> (type, physical id, status) as CloudFormation reports them."""
    found: dict[str, tuple[str, str, str]] = {}
    paginator = clients.cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack_name):
        for summary in page["StackResourceSummaries"]:
            found[summary["LogicalResourceId"]] = (
                summary["ResourceType"],
                summary.get("PhysicalResourceId", ""),
                summary["ResourceStatus"],
            )
    return found


def _arn_lookup(clients: AwsClients, region: str) -> Callable[[str, str], str | None]:
    def lookup(resource_type: str, physical_id: str) -> str | None:
        try:
            if resource_type == "AWS::SQS::Queue":
                attributes = clients.sqs.get_queue_attributes(
                    QueueUrl=physical_id, AttributeNames=["QueueArn"]
                )["Attributes"]
                return attributes.get("QueueArn")
            if resource_type == "AWS::Kinesis::Stream":
                return clients.kinesis.describe_stream_summary(StreamName=physical_id)[
                    "StreamDescriptionSummary"
                ]["StreamARN"]
            if resource_type == "AWS::DynamoDB::Table":
                return clients.dynamodb.describe_table(TableName=physical_id)["Table"].get(
                    "TableArn"
                )
            if resource_type == "AWS::Lambda::Function":
                return clients.lambda_.get_function(FunctionName=physical_id)["Configuration"].get(
                    "FunctionArn"
                )
            if resource_type == "AWS::S3::Bucket":
                return f"arn:aws:s3:::{physical_id}"
            if resource_type == "AWS::Logs::LogGroup":
                return f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{physical_id}:*"
            if resource_type == "AWS::KMS::Key":
                return str(clients.kms.describe_key(KeyId=physical_id)["KeyMetadata"]["Arn"])
            if resource_type == "AWS::IAM::Role":
                return f"arn:aws:iam::{ACCOUNT_ID}:role/{physical_id}"
        except (ClientError, BotoCoreError, KeyError):
            return None
        return None

    return lookup


def _runtime_findings(resources: dict[str, Any], executed: str) -> list[Finding]:
    found: list[Finding] = []
    for logical_id, resource in sorted(resources.items()):
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        props = resource.get("Properties", {})
        runtime = str(props.get("Runtime", ""))
        if not runtime.startswith("python"):
            continue
        declared = f"{runtime} ({','.join(props.get('Architectures', ['x86_64']))})"
        found.append(
            Finding(
                logical_id=logical_id,
                resource_type="AWS::Lambda::Function",
                physical_id="",
                setting="Runtime (executed)",
                expected=declared,
                actual=executed,
                status="differs",
                note="MiniStack runs Python functions in its own interpreter, not the "
                "declared runtime; GetFunction still reports the declared one",
            )
        )
    return found


def verify(
    clients: AwsClients,
    template: dict[str, Any],
    *,
    stack_name: str,
    region: str,
    iam_enforced: bool | None = None,
    executed_runtime: str | None = None,
) -> VerificationReport:
    """Every checkable template setting compared with the emulator's describe calls.

    `iam_enforced` (from the health endpoint) and `executed_runtime` (the interpreter the
    embedded MiniStack runs Python functions with) add emulator-wide findings when known.
    """
    resources: dict[str, Any] = template.get("Resources", {})
    deployed = deployed_resources(clients, stack_name)
    resolver = Resolver(
        resource_types={lid: r.get("Type", "") for lid, r in resources.items()},
        physical_ids={lid: physical for lid, (_, physical, _) in deployed.items() if physical},
        region=region,
        account_id=ACCOUNT_ID,
        arn_lookup=_arn_lookup(clients, region),
    )
    findings: list[Finding] = []
    for logical_id, resource in sorted(resources.items()):
        rtype = str(resource.get("Type", ""))
        if rtype in _SKIPPED_TYPES or resource.get("Condition"):
            continue
        state = deployed.get(logical_id)
        ctx = CheckContext(
            clients=clients,
            resolver=resolver,
            logical_id=logical_id,
            resource_type=rtype,
            physical_id=state[1] if state else "",
            props=dict(resource.get("Properties", {})),
        )
        if state is None or not state[1] or "FAILED" in state[2] or state[2].startswith("DELETE"):
            findings.append(ctx.finding("exists", True, state[2] if state else None))
            continue
        checker = CHECKERS.get(rtype)
        if checker is None:
            findings.append(
                ctx.finding(
                    "(settings)",
                    "-",
                    "-",
                    status="unchecked",
                    note="deployed; settings of this type are not compared",
                )
            )
            continue
        try:
            findings.extend(checker(ctx))
        except (ClientError, BotoCoreError) as exc:
            findings.append(
                ctx.finding(
                    "(describe)",
                    "-",
                    "-",
                    status="unchecked",
                    note=f"describe call failed: {exc}",
                )
            )
    if executed_runtime is not None:
        findings.extend(_runtime_findings(resources, executed_runtime))
    if iam_enforced is not None:
        findings.append(
            Finding(
                logical_id="(emulator)",
                resource_type="AWS::IAM::*",
                physical_id="",
                setting="IAM policy enforcement",
                expected="enforced",
                actual="enforced" if iam_enforced else "not enforced (AUTH=false)",
                status="ok" if iam_enforced else "dropped",
                note=""
                if iam_enforced
                else "a missing grant passes locally; stack tests assert the exact grants",
            )
        )
    return VerificationReport(tuple(findings))
