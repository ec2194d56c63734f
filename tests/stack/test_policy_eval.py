"""The test-side IAM evaluator itself: wildcards, intrinsics, conditions, Deny, key policies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stack.policy_eval import ACCOUNT, Request, Resolver, decide, key_policy_allows

ROLE = f"arn:aws:iam::{ACCOUNT}:role/R"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def _allow(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*", **extra}


def test_actions_match_case_insensitively_with_wildcards() -> None:
    statement = {"Effect": "Allow", "Action": ["S3:Put*"], "Resource": "*"}
    assert decide([statement], Request({"AWS": ROLE}, "s3:PutObject", "x"), resource_policy=False)
    assert (
        decide([statement], Request({"AWS": ROLE}, "s3:GetObject", "x"), resource_policy=False)
        == "None"
    )


def test_resources_match_wildcards_case_sensitively() -> None:
    request = Request({"AWS": ROLE}, "s3:PutObject", "arn:aws:s3:::B/k")
    assert decide([_allow()], request, resource_policy=False) == "None"
    ok = Request({"AWS": ROLE}, "s3:PutObject", "arn:aws:s3:::b/q/k.json")
    assert decide([_allow()], ok, resource_policy=False) == "Allow"


def test_not_action_and_explicit_deny_win() -> None:
    deny = {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": "*"}
    request = Request({"AWS": ROLE}, "s3:PutObject", "arn:aws:s3:::b/k")
    assert decide([_allow(), deny], request, resource_policy=False) == "Deny"


def test_conditions_need_their_keys() -> None:
    statement = _allow(
        Principal={"Service": "cloudwatch.amazonaws.com"},
        Condition={"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:*:{ACCOUNT}:alarm:*"}},
    )
    service = {"Service": "cloudwatch.amazonaws.com"}
    bare = Request(service, "s3:PutObject", "arn:aws:s3:::b/k")
    assert decide([statement], bare, resource_policy=True) == "None"
    scoped = Request(
        service,
        "s3:PutObject",
        "arn:aws:s3:::b/k",
        {"aws:SourceArn": f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:a"},
    )
    assert decide([statement], scoped, resource_policy=True) == "Allow"
    other = Request(service, "s3:PutObject", "arn:aws:s3:::b/k", {"aws:SourceArn": "arn:x"})
    assert decide([statement], other, resource_policy=True) == "None"


def test_unknown_condition_operators_are_refused() -> None:
    statement = _allow(Condition={"NumericLessThan": {"s3:max-keys": "1"}})
    request = Request({"AWS": ROLE}, "s3:PutObject", "arn:aws:s3:::b/k", {"s3:max-keys": "0"})
    with pytest.raises(ValueError, match="NumericLessThan"):
        decide([statement], request, resource_policy=False)


def test_resource_policies_need_a_matching_principal() -> None:
    statement = _allow(Principal={"Service": "sns.amazonaws.com"})
    request = Request({"Service": "cloudwatch.amazonaws.com"}, "s3:PutObject", "arn:aws:s3:::b/k")
    assert decide([statement], request, resource_policy=True) == "None"


def test_key_policies_delegating_to_the_account_need_the_identity_allow() -> None:
    key = [{"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}]
    request = Request({"AWS": ROLE}, "kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/k")
    grant = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}
    assert key_policy_allows(key, [grant], request)
    assert not key_policy_allows(key, [], request)
    # A service principal is not "the account": delegation does not reach it.
    service = Request({"Service": "cloudwatch.amazonaws.com"}, "kms:Decrypt", "k")
    assert not key_policy_allows(key, [grant], service)


def test_intrinsics_resolve_against_the_template() -> None:
    resolve = Resolver(
        {"T": {"Type": "AWS::SNS::Topic"}, "B": {"Type": "AWS::S3::Bucket"}},
    )
    joined = {"Fn::Join": ["", [{"Fn::GetAtt": ["B", "Arn"]}, "/p/*"]]}
    assert resolve(joined) == "arn:aws:s3:::b/p/*"
    assert resolve({"Ref": "T"}) == f"arn:aws:sns:eu-west-1:{ACCOUNT}:T"
    assert resolve({"Ref": "AWS::AccountId"}) == ACCOUNT
    with pytest.raises(ValueError, match="unsupported"):
        resolve({"Fn::Sub": "x"})
