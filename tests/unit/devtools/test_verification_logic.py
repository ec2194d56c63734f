"""Deploy verification logic that needs no emulator: intrinsics, comparison, merging fixes."""

from __future__ import annotations

from devtools.deploy.apply import FIXERS, merge
from devtools.deploy.findings import Finding, VerificationReport
from devtools.deploy.resolve import UNRESOLVED, Resolver
from devtools.deploy.verify import _compare


def _resolver() -> Resolver:
    return Resolver(
        resource_types={"Queue": "AWS::SQS::Queue", "Table": "AWS::DynamoDB::Table"},
        physical_ids={"Queue": "http://q/000/my-queue", "Table": "my-table"},
        region="eu-west-1",
        account_id="000000000000",
        arn_lookup=lambda rtype, physical: f"arn:{rtype}:{physical}",
    )


def test_resolver_handles_ref_getatt_join_and_sub() -> None:
    resolver = _resolver()
    assert resolver.resolve({"Ref": "Table"}) == "my-table"
    assert resolver.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert resolver.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == (
        "arn:AWS::SQS::Queue:http://q/000/my-queue"
    )
    assert resolver.resolve({"Fn::Join": ["-", [{"Ref": "Table"}, "x"]]}) == "my-table-x"
    assert resolver.resolve({"Fn::Sub": "${Table}/${AWS::AccountId}"}) == "my-table/000000000000"
    assert resolver.resolve({"Fn::Sub": ["${T}!", {"T": {"Ref": "Table"}}]}) == "my-table!"
    assert resolver.resolve({"Nested": [{"Ref": "Table"}]}) == {"Nested": ["my-table"]}


def test_resolver_marks_what_it_cannot_resolve() -> None:
    resolver = _resolver()
    assert resolver.resolve({"Ref": "Unknown"}) is UNRESOLVED
    assert resolver.resolve({"Fn::GetAtt": ["Table", "StreamArn"]}) is UNRESOLVED
    assert resolver.resolve({"Fn::Select": [0, ["a"]]}) is UNRESOLVED
    assert resolver.resolve({"Fn::Join": ["", [{"Ref": "Unknown"}]]}) is UNRESOLVED


def test_compare_tells_dropped_from_different() -> None:
    # numbers and booleans from templates arrive as strings sometimes
    assert _compare(30, "30") == "ok"
    assert _compare("true", True) == "ok"
    assert _compare(1, 1.0) == "ok"
    # the emulator reporting nothing / off / NONE is a dropped setting
    assert _compare({"AttributeName": "ttl"}, None) == "dropped"
    assert _compare(True, False) == "dropped"
    assert _compare("KMS", "NONE") == "dropped"
    # a different value is a difference
    assert _compare(100, 10) == "differs"


def _finding(
    status: str,
    setting: str = "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
    actual: str = "false",
) -> Finding:
    return Finding(
        logical_id="Table",
        resource_type="AWS::DynamoDB::Table",
        physical_id="my-table",
        setting=setting,
        expected="true",
        actual=actual,
        status=status,  # type: ignore[arg-type]
    )


def test_merge_marks_fixed_settings_applied_and_failed_fixes_with_their_error() -> None:
    # GIVEN PITR and TTL dropped before; PITR fixed afterwards, TTL's API call failed
    ttl = "TimeToLiveSpecification"
    before = VerificationReport((_finding("dropped"), _finding("dropped", ttl)))
    after = VerificationReport((_finding("ok", actual="true"), _finding("dropped", ttl)))
    # WHEN merged
    merged = merge(before, after, {("Table", ttl): "ClientError: boom"})
    # THEN PITR is applied (noting the value before), TTL is apply-failed with the error
    pitr_result, ttl_result = merged.findings
    assert pitr_result.status == "applied"
    assert pitr_result.note == "set via the API (CloudFormation left false)"
    assert (ttl_result.status, ttl_result.note) == ("apply-failed", "ClientError: boom")
    assert merged.problems == (ttl_result,)
    assert merged.applied == (pitr_result,)


def test_merge_says_when_no_api_exists() -> None:
    unfixable = _finding("dropped", setting="IAM policy enforcement")
    assert ("AWS::DynamoDB::Table", "IAM policy enforcement") not in FIXERS
    merged = merge(VerificationReport((unfixable,)), VerificationReport((unfixable,)), {})
    assert merged.findings[0].note == "no API to apply it"
    assert merged.counts() == {"dropped": 1}


def test_the_executed_python_runtime_is_reported_against_the_declared_one() -> None:
    from devtools.deploy.verify import _runtime_findings

    resources = {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Runtime": "python3.13", "Architectures": ["arm64"]},
        },
        "NodeFn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "nodejs22.x"}},
    }
    (finding,) = _runtime_findings(resources, "host python3.11 (x86_64)")
    assert (finding.logical_id, finding.expected, finding.actual, finding.status) == (
        "Fn",
        "python3.13 (arm64)",
        "host python3.11 (x86_64)",
        "differs",
    )
