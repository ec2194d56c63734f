"""Least privilege: the processor role's grants, asserted statement by statement."""

from __future__ import annotations

from typing import Any

from tests.stack.conftest import Synthesized


def _arn(logical: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical, "Arn"]}


def test_processor_policy_is_exactly_what_the_function_needs(default_stack: Synthesized) -> None:
    # GIVEN the only identity policy of the stack
    (policy,) = default_stack.resources("AWS::IAM::Policy").values()
    stream = default_stack.logical_id("AWS::Kinesis::Stream", "IngestStream")
    results = default_stack.logical_id("AWS::DynamoDB::Table", "StorageResults")
    aggregates = default_stack.logical_id("AWS::DynamoDB::Table", "StorageAggregates")
    bucket = default_stack.logical_id("AWS::S3::Bucket", "QuarantineBucket")
    queue = default_stack.logical_id("AWS::SQS::Queue", "ProcessorFailureQueue")
    log_group = default_stack.logical_id("AWS::Logs::LogGroup", "ProcessorLogGroup")
    role = default_stack.logical_id("AWS::IAM::Role", "ProcessorRole")
    # THEN it is attached to the processor role only, and holds exactly these statements
    assert policy["Properties"]["Roles"] == [{"Ref": role}]
    assert policy["Properties"]["PolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                # X-Ray has no resource types for these two actions: "*" is the only option.
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
            {
                "Sid": "ReadStream",
                "Effect": "Allow",
                "Action": [
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:ListShards",
                ],
                "Resource": _arn(stream),
            },
            {
                "Sid": "StoreEvents",
                "Effect": "Allow",
                "Action": "dynamodb:PutItem",
                "Resource": _arn(results),
            },
            {
                "Sid": "FoldAggregates",
                "Effect": "Allow",
                "Action": "dynamodb:UpdateItem",
                "Resource": _arn(aggregates),
            },
            {
                "Sid": "QuarantineRecords",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": {"Fn::Join": ["", [_arn(bucket), "/quarantine/*"]]},
            },
            {
                "Sid": "SendFailedBatches",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": _arn(queue),
            },
            {
                # The log group's Arn attribute ends in ":*": its own streams only.
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": _arn(log_group),
            },
        ],
    }


def test_processor_role_trusts_lambda_only_and_has_no_managed_policies(
    default_stack: Synthesized,
) -> None:
    (role,) = default_stack.resources("AWS::IAM::Role").values()
    properties = role["Properties"]
    assert properties["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ],
    }
    # No AWSLambdaBasicExecutionRole (logs:* on every log group) and no inline extras.
    assert "ManagedPolicyArns" not in properties
    assert "Policies" not in properties


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else list(actions)


def test_no_allow_statement_uses_a_wildcard_action(default_stack: Synthesized) -> None:
    # GIVEN every policy document in the template (identity and resource policies)
    documents: list[tuple[str, dict[str, Any]]] = []
    for logical, resource in default_stack.template.to_json()["Resources"].items():
        properties = resource.get("Properties", {})
        for key in ("PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument"):
            if key in properties:
                documents.append((logical, properties[key]))
    assert len(documents) >= 6
    # THEN no Allow grants "*" or "service:*", except the KMS key's default administration
    # statement for the account root, without which the key could never be managed again.
    offenders = []
    for logical, document in documents:
        for statement in _statements(document):
            if statement["Effect"] != "Allow":
                continue
            wildcard = [a for a in _actions(statement) if a == "*" or a.endswith(":*")]
            is_key_admin = (
                logical.startswith("MonitoringTopicKey")
                and wildcard == ["kms:*"]
                and "root" in str(statement["Principal"])
            )
            if wildcard and not is_key_admin:
                offenders.append((logical, wildcard))
    assert offenders == []


def test_only_xray_uses_a_wildcard_resource(default_stack: Synthesized) -> None:
    (policy,) = default_stack.resources("AWS::IAM::Policy").values()
    wildcard = [
        s for s in _statements(policy["Properties"]["PolicyDocument"]) if s["Resource"] == "*"
    ]
    assert [_actions(s) for s in wildcard] == [
        ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    ]


def test_with_an_s3_destination_the_queue_grant_becomes_put_and_list_on_the_bucket(
    default_stack: Synthesized, s3_failure_stack: Synthesized
) -> None:
    # GIVEN the stack with onFailureDestination=s3
    (policy,) = s3_failure_stack.resources("AWS::IAM::Policy").values()
    (default_policy,) = default_stack.resources("AWS::IAM::Policy").values()
    bucket = s3_failure_stack.logical_id("AWS::S3::Bucket", "ProcessorFailureBucket")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    # THEN SendFailedBatches is replaced by exactly PutObject on the objects and ListBucket on
    # the bucket (Lambda Developer Guide: what an S3 on-failure destination needs), in its place
    expected = [
        s for s in default_policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") != "SendFailedBatches"
    ]  # fmt: skip
    position = next(
        i
        for i, s in enumerate(default_policy["Properties"]["PolicyDocument"]["Statement"])
        if s.get("Sid") == "SendFailedBatches"
    )
    expected[position:position] = [
        {
            "Sid": "WriteFailedBatches",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": {"Fn::Join": ["", [_arn(bucket), "/*"]]},
        },
        {
            "Sid": "ListFailedBatches",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": _arn(bucket),
        },
    ]
    assert statements == expected
