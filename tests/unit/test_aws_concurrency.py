"""The reserved-concurrency preflight of `make aws-deploy`: the decision, without AWS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devtools.aws_concurrency import (
    AccountConcurrency,
    deploy_context,
    requested_reservation,
    reservation_problem,
)
from stack.errors import ConfigError


def test_a_new_account_cannot_reserve_the_default_100() -> None:
    # GIVEN a new account: limit 10, all of it unreserved (minus what Lambda keeps)
    account = AccountConcurrency(limit=10, unreserved=10)
    problem = reservation_problem(100, account)
    assert problem is not None
    assert "\n" not in problem
    assert problem.startswith("lambdaReservedConcurrency=100 would leave -90 unreserved")
    assert "-c lambdaReservedConcurrency=0 (no reservation; none would fit)" in problem


def test_exactly_100_left_is_enough_and_99_is_not() -> None:
    account = AccountConcurrency(limit=1000, unreserved=200)
    assert reservation_problem(100, account) is None
    problem = reservation_problem(101, account)
    assert problem is not None
    assert "would leave 99 unreserved" in problem
    assert "at most 100 would fit" in problem


def test_zero_means_no_reservation_whatever_the_account() -> None:
    assert reservation_problem(0, AccountConcurrency(limit=10, unreserved=10)) is None


def test_an_update_frees_the_current_reservation_first() -> None:
    # GIVEN the stack already reserves 100 of 1,000 (900 unreserved left is reported)
    account = AccountConcurrency(limit=1000, unreserved=150, current_reservation=100)
    # THEN keeping 100 is fine (150 + 100 - 100 = 150), 200 is not (50 left)
    assert reservation_problem(100, account) is None
    assert reservation_problem(200, account) is not None


def test_context_from_cdk_json_then_cdk_context_json_then_overrides(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(
        json.dumps({"app": "x", "context": {"lambdaReservedConcurrency": 50, "other": 1}})
    )
    assert requested_reservation(deploy_context(tmp_path, [])) == 50
    (tmp_path / "cdk.context.json").write_text(json.dumps({"lambdaReservedConcurrency": 60}))
    assert requested_reservation(deploy_context(tmp_path, [])) == 60
    overridden = deploy_context(tmp_path, ["lambdaReservedConcurrency=0"])
    assert requested_reservation(overridden) == 0
    assert requested_reservation(deploy_context(tmp_path / "none", [])) == 100


def test_bad_context_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected key=value"):
        deploy_context(tmp_path, ["lambdaReservedConcurrency"])
    with pytest.raises(ConfigError, match="lambdaReservedConcurrency='x'"):
        requested_reservation(deploy_context(tmp_path, ["lambdaReservedConcurrency=x"]))
