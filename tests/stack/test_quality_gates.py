"""Quality gates: cdk-nag AwsSolutionsChecks and cfn-lint on the synthesized stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk
import pytest
from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint
from cfnlint.config import ManualArgs
from constructs import IConstruct

from tests.stack.conftest import S3_FAILURE_CONTEXT, Synthesized, synthesize

EXPECTED_ACKNOWLEDGEMENTS = {
    "AwsSolutions-S1",
    "AwsSolutions-SQS3",
    "AwsSolutions-L1",
    "AwsSolutions-IAM5[Resource::*]",
    "AwsSolutions-IAM5[Resource::<QuarantineBucket2B128B57.Arn>/quarantine/*]",
}
# With onFailureDestination=s3 the queue's SQS3 goes; the failure bucket adds its own S1 (same
# rule id as the quarantine bucket's) and the wildcard over its objects.
S3_FAILURE_ACKNOWLEDGEMENTS = (EXPECTED_ACKNOWLEDGEMENTS - {"AwsSolutions-SQS3"}) | {
    "AwsSolutions-IAM5[Resource::<ProcessorFailureBucket18749D6B.Arn>/*]",
}
LINT_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def _acknowledgements(root: IConstruct) -> dict[str, str]:
    """Rule id -> reason, for every acknowledgement anywhere in the construct tree."""
    found: dict[str, str] = {}
    for construct in root.node.find_all():
        for entry in construct.node.metadata:
            if entry.type != Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                continue
            data: dict[str, Any] = entry.data
            for key, reason in data.items():
                found[key.split("::", 1)[1] if "::" in key else key] = str(reason)
    return found


@pytest.mark.parametrize("variant", ["default_stack", "s3_failure_stack"])
def test_cdk_nag_finds_nothing_unacknowledged(variant: str, request: pytest.FixtureRequest) -> None:
    # GIVEN the stack (on-failure queue or bucket) with its acknowledgements
    stack: Synthesized = request.getfixturevalue(variant)
    # WHEN the AwsSolutions pack walks the whole app
    report = AwsSolutionsChecks(stack.app).validate_scope(stack.app)
    # THEN there is no finding left
    findings = [(v.rule_name, [r.construct_path for r in v.violating_resources]) for v in
                report.violations]  # fmt: skip
    assert findings == []
    assert report.success


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("default_stack", EXPECTED_ACKNOWLEDGEMENTS),
        ("s3_failure_stack", S3_FAILURE_ACKNOWLEDGEMENTS),
    ],
)
def test_every_acknowledgement_carries_a_reason(
    variant: str, expected: set[str], request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(variant)
    acknowledgements = _acknowledgements(stack.stack)
    assert set(acknowledgements) == expected
    for rule, reason in acknowledgements.items():
        assert len(reason) >= 60, f"{rule}: reason too short: {reason!r}"


@pytest.mark.parametrize(
    ("context", "expected"),
    [({}, EXPECTED_ACKNOWLEDGEMENTS), (S3_FAILURE_CONTEXT, S3_FAILURE_ACKNOWLEDGEMENTS)],
)
def test_every_acknowledgement_is_needed(
    context: dict[str, str], expected: set[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the same stack built with acknowledgements switched off
    monkeypatch.setattr(aws_cdk.Validations, "acknowledge", lambda _self, *_rules: None)
    bare = synthesize(tmp_path, context)
    assert _acknowledgements(bare.stack) == {}
    # WHEN the pack runs
    report = AwsSolutionsChecks(bare.app).validate_scope(bare.app)
    # THEN it reports exactly the acknowledged rules: none is stale, none is missing
    assert {v.rule_name for v in report.violations} == expected


@pytest.mark.parametrize("variant", ["default_stack", "s3_failure_stack"])
def test_cfn_lint_reports_no_error_and_no_warning(
    variant: str, request: pytest.FixtureRequest
) -> None:
    # GIVEN the template file CDK wrote (on-failure queue or bucket)
    stack: Synthesized = request.getfixturevalue(variant)
    template = Path(stack.app.outdir) / "RealTimeAnalyticsPipeline.template.json"
    # WHEN cfn-lint checks it for several regions (errors and warnings; informational off)
    matches = lint(template.read_text(), config=ManualArgs(regions=LINT_REGIONS))
    # THEN nothing is reported. The one resource-level ignore (W3005 on the function, CDK's
    # redundant DependsOn on its role) is declared in the template metadata.
    assert [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches] == []


def test_cfn_lint_ignore_is_limited_to_the_function(default_stack: Synthesized) -> None:
    ignored = {
        logical: resource["Metadata"]["cfn-lint"]
        for logical, resource in default_stack.template.to_json()["Resources"].items()
        if "cfn-lint" in resource.get("Metadata", {})
    }
    function = default_stack.logical_id("AWS::Lambda::Function", "ProcessorFunction")
    assert ignored == {function: {"config": {"ignore_checks": ["W3005"]}}}
