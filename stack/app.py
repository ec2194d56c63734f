"""CDK entry point: read context into a PipelineConfig, build the stack, synthesize."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

from aws_cdk import App

from stack.config import load_config
from stack.errors import StackError
from stack.nag import add_nag_checks, is_nag_failure
from stack.pipeline_stack import STACK_ID, RealTimeAnalyticsPipeline


def build_app(app: App, *, context_keys: Sequence[str] = ()) -> RealTimeAnalyticsPipeline:
    """Build the stack on `app` from its context; raises ConfigError or BundlingError."""
    config = load_config(app.node.try_get_context, keys=list(context_keys))
    return RealTimeAnalyticsPipeline(app, STACK_ID, config=config, stack_name=STACK_ID)


def cli_context_keys() -> list[str]:
    """Context keys given by the CDK CLI (used only to catch misspelt options)."""
    # CDK has no API that lists context keys; the CLI passes them all in CDK_CONTEXT_JSON.
    try:
        parsed = json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}")
    except json.JSONDecodeError:
        return []
    return [key for key in parsed if isinstance(key, str)] if isinstance(parsed, dict) else []


def main() -> int:
    app = App()
    try:
        build_app(app, context_keys=cli_context_keys())
    except StackError as exc:
        # Expected user errors: one line, no jsii stack trace.
        print(f"error: {exc}", file=sys.stderr)
        return 1
    add_nag_checks(app)
    try:
        app.synth()
    except RuntimeError as exc:
        if not is_nag_failure(exc):
            raise
        # The findings were printed above by the validation framework.
        print("error: cdk-nag AwsSolutionsChecks reported unacknowledged findings", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
