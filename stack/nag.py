"""cdk-nag AwsSolutionsChecks as a synth-time gate (acknowledgements live beside resources)."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

NAG_FAILURE_MARKER = "ValidationFailed"


def add_nag_checks(app: App) -> AwsSolutionsChecks:
    """Register the AwsSolutions pack: synth fails on any unacknowledged finding."""
    pack = AwsSolutionsChecks(app)
    Validations.of(app).add_plugins(pack)
    return pack


def is_nag_failure(exc: BaseException) -> bool:
    """True when `app.synth()` raised because a validation plugin reported findings."""
    return NAG_FAILURE_MARKER in str(exc)
