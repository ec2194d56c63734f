"""A small evaluator of IAM policy statements over a synthesized template (for the stack tests).

It covers what the stack's policies use: Allow/Deny, Action/NotAction with wildcards,
Resource/NotResource, Principal (AWS, Service, "*"), and the condition operators below; it
resolves Ref / Fn::GetAtt / Fn::Join against the template with made-up account and region.
Anything else raises, so a policy it cannot judge never passes silently. The evaluation order
is AWS's (IAM User Guide, "Policy evaluation logic"): an explicit Deny anywhere wins; otherwise
an Allow is needed.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "111122223333"
REGION = "eu-west-1"
PARTITION = "aws"

_PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": PARTITION,
    "AWS::URLSuffix": "amazonaws.com",
}
_BASE = f"{PARTITION}:{{service}}:{REGION}:{ACCOUNT}"


def _arn(resource_type: str, logical: str) -> str:
    """The ARN the resource would have; names are the logical ids."""
    regional = {
        "AWS::Kinesis::Stream": ("kinesis", f"stream/{logical}"),
        "AWS::DynamoDB::Table": ("dynamodb", f"table/{logical}"),
        "AWS::SQS::Queue": ("sqs", logical),
        "AWS::SNS::Topic": ("sns", logical),
        "AWS::KMS::Key": ("kms", f"key/{logical}"),
        "AWS::Logs::LogGroup": ("logs", f"log-group:{logical}:*"),
        "AWS::CloudWatch::Alarm": ("cloudwatch", f"alarm:{logical}"),
        "AWS::Lambda::Function": ("lambda", f"function:{logical}"),
    }
    if resource_type in regional:
        service, rest = regional[resource_type]
        return f"arn:{_BASE.format(service=service)}:{rest}"
    if resource_type == "AWS::S3::Bucket":
        return f"arn:{PARTITION}:s3:::{logical.lower()}"
    if resource_type == "AWS::IAM::Role":
        return f"arn:{PARTITION}:iam::{ACCOUNT}:role/{logical}"
    raise ValueError(f"no ARN rule for {resource_type} ({logical})")


def _ref(resource_type: str, logical: str) -> str:
    """What Ref returns for the resource types the stack's policies refer to."""
    if resource_type in ("AWS::SNS::Topic",):
        return _arn(resource_type, logical)
    if resource_type == "AWS::SQS::Queue":
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{logical}"
    if resource_type == "AWS::S3::Bucket":
        return logical.lower()
    return logical


@dataclass(frozen=True)
class Resolver:
    """Resolves CloudFormation intrinsics against one template's resources."""

    resources: Mapping[str, Any]

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            name = value["Ref"]
            if name in _PSEUDO:
                return _PSEUDO[name]
            return _ref(self._type(name), name)
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = value["Fn::GetAtt"]
            if attribute != "Arn":
                raise ValueError(f"unsupported attribute {logical}.{attribute}")
            return _arn(self._type(logical), logical)
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self(p)) for p in parts)
        if len(value) == 1 and next(iter(value)).startswith("Fn::"):
            raise ValueError(f"unsupported intrinsic {value}")
        return {k: self(v) for k, v in value.items()}

    def _type(self, logical: str) -> str:
        return str(self.resources[logical]["Type"])

    def arn(self, logical: str) -> str:
        return _arn(self._type(logical), logical)


@dataclass(frozen=True)
class Request:
    """One API call: who, what, on which resource, with which request context."""

    principal: Mapping[str, str]  # {"AWS": role ARN} or {"Service": "x.amazonaws.com"}
    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    # fnmatch's [] classes do not exist in IAM: escape them.
    return fnmatch.fnmatchcase(value, re.sub(r"([\[\]])", r"[\1]", pattern))


def _matches_principal(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    for kind, values in principal.items():
        for value in _as_list(values):
            if kind == "AWS" and value == "*":
                return True
            asked = request.principal.get(kind)
            if asked is None:
                continue
            if kind == "AWS" and value in (ACCOUNT, f"arn:{PARTITION}:iam::{ACCOUNT}:root"):
                # The account as principal: any of its identities, given its own Allow.
                return asked.startswith(f"arn:{PARTITION}:iam::{ACCOUNT}:")
            if value == asked:
                return True
    return False


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    if key not in context:
        return operator.startswith(("StringNot", "ArnNot"))
    actual = context[key]
    wanted = [str(v) for v in _as_list(expected)]
    if operator == "StringEquals" or operator == "ArnEquals":
        return actual in wanted
    if operator == "StringNotEquals":
        return actual not in wanted
    if operator in ("StringLike", "ArnLike"):
        return any(_wildcard(w, actual) for w in wanted)
    if operator == "Bool":
        return actual.lower() in [w.lower() for w in wanted]
    raise ValueError(f"condition operator {operator} is not supported by this evaluator")


def _applies(statement: Mapping[str, Any], request: Request, *, resource_policy: bool) -> bool:
    if "Action" in statement:
        hit = any(
            _wildcard(a, request.action, ignore_case=True) for a in _as_list(statement["Action"])
        )
    else:
        hit = not any(
            _wildcard(a, request.action, ignore_case=True) for a in _as_list(statement["NotAction"])
        )
    if not hit:
        return False
    if "Resource" in statement:
        hit = any(_wildcard(r, request.resource) for r in _as_list(statement["Resource"]))
    else:
        hit = not any(_wildcard(r, request.resource) for r in _as_list(statement["NotResource"]))
    if not hit:
        return False
    if resource_policy:
        if "NotPrincipal" in statement:
            raise ValueError("NotPrincipal is not supported by this evaluator")
        if not _matches_principal(statement["Principal"], request):
            return False
    for operator, keys in statement.get("Condition", {}).items():
        for key, expected in keys.items():
            if not _condition_holds(operator, key, expected, request.context):
                return False
    return True


def decide(
    statements: Sequence[Mapping[str, Any]], request: Request, *, resource_policy: bool
) -> str:
    """ "Deny" (an explicit Deny applies), "Allow" (an Allow applies) or "None" (neither)."""
    effects = {
        s["Effect"] for s in statements if _applies(s, request, resource_policy=resource_policy)
    }
    if "Deny" in effects:
        return "Deny"
    return "Allow" if "Allow" in effects else "None"


def key_policy_allows(
    key_policy: Sequence[Mapping[str, Any]],
    identity: Sequence[Mapping[str, Any]],
    request: Request,
) -> bool:
    """KMS: the key policy must allow the principal itself, or allow the account (delegating
    to IAM) and then the identity policy must allow it (KMS Developer Guide, "Key policies")."""
    if decide(key_policy, request, resource_policy=True) == "Deny":
        return False
    allows = [
        s
        for s in key_policy
        if s["Effect"] == "Allow" and _applies(s, request, resource_policy=True)
    ]
    if any(not _names_account(s["Principal"]) for s in allows):
        return True
    delegated = any(_names_account(s["Principal"]) for s in allows)
    return delegated and decide(identity, request, resource_policy=False) == "Allow"


def _names_account(principal: Any) -> bool:
    if not isinstance(principal, dict):
        return False
    values = _as_list(principal.get("AWS", []))
    return any(v in (ACCOUNT, f"arn:{PARTITION}:iam::{ACCOUNT}:root") for v in values)
