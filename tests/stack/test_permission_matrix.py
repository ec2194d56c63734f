"""Every service-to-service edge of the stack is allowed by identity, resource and key policies.

The emulator enforces no policy, so this is where a missing Allow (or a Deny that catches more
than it should) shows before AWS does. Each edge is one request evaluated against the
synthesized template's policies by tests/stack/policy_eval.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from stack.failure_destination import FAILURE_OBJECT_PREFIX
from stack.processing import STREAM_READ_ACTIONS
from tests.stack.conftest import Synthesized
from tests.stack.policy_eval import (
    ACCOUNT,
    PARTITION,
    REGION,
    Request,
    Resolver,
    decide,
    key_policy_allows,
)

TLS = {"aws:SecureTransport": "true"}
CLOUDWATCH = {"Service": "cloudwatch.amazonaws.com"}
# The policy of an AWS managed key such as aws/kinesis, as AWS shows it for every managed key
# (KMS Developer Guide, "AWS managed keys"; the key policy cannot be edited): any principal of
# the account, only through the service the key belongs to.
KINESIS_MANAGED_KEY_POLICY = [
    {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
        ],
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": ACCOUNT,
                "kms:ViaService": f"kinesis.{REGION}.amazonaws.com",
            }
        },
    }
]


@dataclass(frozen=True)
class Policies:
    """The stack's policies, resolved, and the logical ids the edges need."""

    resolve: Resolver
    resources: Mapping[str, Any]

    def one(self, resource_type: str, prefix: str = "") -> str:
        ids = [
            i
            for i, r in self.resources.items()
            if r["Type"] == resource_type and i.startswith(prefix)
        ]
        assert len(ids) == 1, (resource_type, prefix, ids)
        return ids[0]

    def statements(self, document: Any) -> list[dict[str, Any]]:
        return list(self.resolve(document)["Statement"])

    def identity(self, role: str) -> list[dict[str, Any]]:
        """Inline policies attached to the role (the stack uses no managed ones for it)."""
        found: list[dict[str, Any]] = []
        for resource in self.resources.values():
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in props["Roles"]:
                found += self.statements(props["PolicyDocument"])
        assert not self.resources[role]["Properties"].get("ManagedPolicyArns")
        return found

    def resource_policy(self, target: str) -> list[dict[str, Any]]:
        """The resource policy of a topic, queue or bucket ([] when it has none)."""
        kinds = {
            "AWS::SNS::TopicPolicy": "Topics",
            "AWS::SQS::QueuePolicy": "Queues",
            "AWS::S3::BucketPolicy": "Bucket",
        }
        found: list[dict[str, Any]] = []
        for resource in self.resources.values():
            field = kinds.get(resource["Type"])
            if field and {"Ref": target} in _listed(resource["Properties"][field]):
                found += self.statements(resource["Properties"]["PolicyDocument"])
        return found

    def key_policy(self, key: str) -> list[dict[str, Any]]:
        return self.statements(self.resources[key]["Properties"]["KeyPolicy"])


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policies(stack: Synthesized) -> Policies:
    resources = stack.template.to_json()["Resources"]
    return Policies(Resolver(resources), resources)


@pytest.fixture(scope="module")
def policies(default_stack: Synthesized) -> Policies:
    return _policies(default_stack)


@pytest.fixture(scope="module")
def s3_policies(s3_failure_stack: Synthesized) -> Policies:
    return _policies(s3_failure_stack)


def _role_arn(p: Policies) -> str:
    return p.resolve.arn(p.one("AWS::IAM::Role", "ProcessorRole"))


def _function_role(p: Policies) -> str:
    role = p.one("AWS::IAM::Role", "ProcessorRole")
    function = p.one("AWS::Lambda::Function", "ProcessorFunction")
    assert p.resources[function]["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}
    return role


def _identity_and_resource_allow(p: Policies, request: Request, target: str | None) -> None:
    identity = p.identity(_function_role(p))
    assert decide(identity, request, resource_policy=False) == "Allow", request
    if target is not None:
        # Same account: the identity policy's Allow suffices unless the resource policy denies.
        assert decide(p.resource_policy(target), request, resource_policy=True) != "Deny", request


# --- CloudWatch alarms -> SNS topic and its KMS key -------------------------------------------


def test_every_alarm_may_publish_to_its_encrypted_topic(policies: Policies) -> None:
    p = policies
    topic = p.one("AWS::SNS::Topic")
    key = p.one("AWS::KMS::Key")
    assert p.resources[topic]["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key, "Arn"]}
    alarms = [i for i, r in p.resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert alarms
    for alarm in alarms:
        assert {"Ref": topic} in p.resources[alarm]["Properties"]["AlarmActions"]
        context = {**TLS, "aws:SourceAccount": ACCOUNT, "aws:SourceArn": p.resolve.arn(alarm)}
        publish = Request(CLOUDWATCH, "sns:Publish", p.resolve.arn(topic), context)
        # A service principal has no identity policy: the topic policy itself must allow.
        assert decide(p.resource_policy(topic), publish, resource_policy=True) == "Allow"
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            use_key = Request(CLOUDWATCH, action, p.resolve.arn(key), context)
            assert key_policy_allows(p.key_policy(key), [], use_key), action


def test_another_accounts_alarm_may_not_publish(policies: Policies) -> None:
    p = policies
    topic = p.one("AWS::SNS::Topic")
    other = "444455556666"
    context = {
        **TLS,
        "aws:SourceAccount": other,
        "aws:SourceArn": f"arn:{PARTITION}:cloudwatch:{REGION}:{other}:alarm:x",
    }
    publish = Request(CLOUDWATCH, "sns:Publish", p.resolve.arn(topic), context)
    assert decide(p.resource_policy(topic), publish, resource_policy=True) != "Allow"


def test_publishing_without_tls_is_denied(policies: Policies) -> None:
    p = policies
    topic = p.one("AWS::SNS::Topic")
    alarm = next(i for i, r in p.resources.items() if r["Type"] == "AWS::CloudWatch::Alarm")
    context = {
        "aws:SecureTransport": "false",
        "aws:SourceAccount": ACCOUNT,
        "aws:SourceArn": p.resolve.arn(alarm),
    }
    publish = Request(CLOUDWATCH, "sns:Publish", p.resolve.arn(topic), context)
    assert decide(p.resource_policy(topic), publish, resource_policy=True) == "Deny"


# --- Event source mapping (the function's role) -> Kinesis stream and its key ------------------


def test_the_mapping_may_read_the_stream_and_decrypt_its_records(policies: Policies) -> None:
    p = policies
    stream = p.one("AWS::Kinesis::Stream")
    mapping = p.one("AWS::Lambda::EventSourceMapping")
    assert p.resources[mapping]["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [stream, "Arn"]}
    role = {"AWS": _role_arn(p)}
    for action in STREAM_READ_ACTIONS:
        # Kinesis data streams have no resource policy here (AWS::Kinesis::ResourcePolicy).
        _identity_and_resource_allow(p, Request(role, action, p.resolve.arn(stream), TLS), None)
    assert not [r for r in p.resources.values() if r["Type"] == "AWS::Kinesis::ResourcePolicy"]
    # The stream uses the AWS managed key, whose policy lets the account use it via Kinesis.
    encryption = p.resources[stream]["Properties"]["StreamEncryption"]
    assert encryption == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    decrypt = Request(
        role,
        "kms:Decrypt",
        f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/aws-kinesis",
        {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"kinesis.{REGION}.amazonaws.com"},
    )
    assert key_policy_allows(KINESIS_MANAGED_KEY_POLICY, p.identity(_function_role(p)), decrypt)


# --- Mapping -> on-failure destination ---------------------------------------------------------


def test_the_mapping_may_send_failed_batches_to_its_destination(policies: Policies) -> None:
    p = policies
    queue = p.one("AWS::SQS::Queue", "ProcessorFailureQueue")
    mapping = p.one("AWS::Lambda::EventSourceMapping")
    destination = p.resources[mapping]["Properties"]["DestinationConfig"]["OnFailure"]
    assert destination == {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}
    # The mapping sends with the function's execution role (Lambda Developer Guide,
    # "Capturing discarded batches"); SQS-managed encryption needs no key policy.
    send = Request({"AWS": _role_arn(p)}, "sqs:SendMessage", p.resolve.arn(queue), TLS)
    _identity_and_resource_allow(p, send, queue)
    properties = p.resources[queue]["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    assert "KmsMasterKeyId" not in properties


def test_the_mapping_may_write_failed_batches_to_its_s3_destination(s3_policies: Policies) -> None:
    p = s3_policies
    bucket = p.one("AWS::S3::Bucket", "ProcessorFailureBucket")
    mapping = p.one("AWS::Lambda::EventSourceMapping")
    destination = p.resources[mapping]["Properties"]["DestinationConfig"]["OnFailure"]
    assert destination == {"Destination": {"Fn::GetAtt": [bucket, "Arn"]}}
    assert not [r for r in p.resources.values() if r["Type"] == "AWS::SQS::Queue"]
    # The execution role needs s3:PutObject and s3:ListBucket on the destination (Lambda
    # Developer Guide, "Retaining records of discarded batches for a Kinesis Data Streams event
    # source"); the bucket policy (SSL only) must not deny them over TLS.
    role = {"AWS": _role_arn(p)}
    arn = p.resolve.arn(bucket)
    key = f"{FAILURE_OBJECT_PREFIX}6ba7b810-9dad-11d1/shardId-000000000000/2026/01/01/x-1"
    _identity_and_resource_allow(p, Request(role, "s3:PutObject", f"{arn}/{key}", TLS), bucket)
    _identity_and_resource_allow(p, Request(role, "s3:ListBucket", arn, TLS), bucket)
    plain = Request(role, "s3:PutObject", f"{arn}/{key}", {"aws:SecureTransport": "false"})
    assert decide(p.resource_policy(bucket), plain, resource_policy=True) == "Deny"
    # Only writing: the role may neither read nor delete what it wrote
    for action in ("s3:GetObject", "s3:DeleteObject"):
        other = Request(role, action, f"{arn}/{key}", TLS)
        assert decide(p.identity(_function_role(p)), other, resource_policy=False) == "None"
    # S3-managed keys: no KMS key, so no key policy and no kms:GenerateDataKey to grant
    encryption = p.resources[bucket]["Properties"]["BucketEncryption"]
    rule = encryption["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule == {"SSEAlgorithm": "AES256"}
    assert not [r for r in p.resources.values() if r["Type"] == "AWS::KMS::Key"
                and "Failure" in str(r)]  # fmt: skip


def test_the_default_role_has_no_failure_bucket_rights(policies: Policies) -> None:
    p = policies
    assert not [i for i in p.resources if i.startswith("ProcessorFailureBucket")]
    actions = {a for s in p.identity(_function_role(p)) for a in _listed(s["Action"])}
    assert "s3:ListBucket" not in actions


# --- Function -> tables, quarantine prefix, log group, X-Ray -----------------------------------


@pytest.mark.parametrize(
    ("prefix", "action"),
    [("StorageResults", "dynamodb:PutItem"), ("StorageAggregates", "dynamodb:UpdateItem")],
)
def test_the_function_may_write_its_tables(policies: Policies, prefix: str, action: str) -> None:
    p = policies
    table = p.one("AWS::DynamoDB::Table", prefix)
    write = Request({"AWS": _role_arn(p)}, action, p.resolve.arn(table), TLS)
    _identity_and_resource_allow(p, write, None)
    properties = p.resources[table]["Properties"]
    # No resource policy; the AWS owned key (no SSESpecification) needs no key policy.
    assert "ResourcePolicy" not in properties
    assert not properties.get("SSESpecification", {}).get("SSEEnabled")


def test_the_function_may_quarantine_under_the_prefix_only(policies: Policies) -> None:
    p = policies
    bucket = p.one("AWS::S3::Bucket")
    role = {"AWS": _role_arn(p)}
    inside = f"{p.resolve.arn(bucket)}/quarantine/bad-json/shardId-0/1.json"
    _identity_and_resource_allow(p, Request(role, "s3:PutObject", inside, TLS), bucket)
    outside = Request(role, "s3:PutObject", f"{p.resolve.arn(bucket)}/other/1.json", TLS)
    assert decide(p.identity(_function_role(p)), outside, resource_policy=False) == "None"
    encryption = p.resources[bucket]["Properties"]["BucketEncryption"]
    rule = encryption["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule == {"SSEAlgorithm": "AES256"}  # S3-managed: no key policy involved


def test_the_function_may_write_its_own_log_group_only(policies: Policies) -> None:
    p = policies
    log_group = p.one("AWS::Logs::LogGroup")
    function = p.one("AWS::Lambda::Function", "ProcessorFunction")
    logging = p.resources[function]["Properties"]["LoggingConfig"]
    assert logging == {"LogGroup": {"Ref": log_group}}
    role = {"AWS": _role_arn(p)}
    group = p.resolve.arn(log_group).removesuffix(":*")
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        stream = f"{group}:log-stream:2026/01/01/[$LATEST]abc"
        _identity_and_resource_allow(p, Request(role, action, stream, TLS), None)
        other = Request(role, action, f"{group}-other:log-stream:x", TLS)
        assert decide(p.identity(_function_role(p)), other, resource_policy=False) == "None"
    assert "KmsKeyId" not in p.resources[log_group]["Properties"]


def test_the_function_may_send_traces(policies: Policies) -> None:
    p = policies
    role = {"AWS": _role_arn(p)}
    for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords"):
        _identity_and_resource_allow(p, Request(role, action, "*", TLS), None)
