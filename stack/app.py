"""CDK entry point: read context into a PipelineConfig, build the stack, synthesize."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stack.config import config_from_mapping, load_config
from stack.errors import StackError

if TYPE_CHECKING:
    from aws_cdk import App

    from stack.pipeline_stack import RealTimeAnalyticsPipeline

STACK_ID = "RealTimeAnalyticsPipeline"
# Where the CDK CLI hands the context to the app (cx-api CONTEXT_ENV / overflow file).
CONTEXT_ENV = "CDK_CONTEXT_JSON"
CONTEXT_OVERFLOW_ENV = "CONTEXT_OVERFLOW_LOCATION_ENV"


def build_app(app: App, *, context_keys: Sequence[str] = ()) -> RealTimeAnalyticsPipeline:
    """Build the stack on `app` from its context; raises ConfigError or BundlingError."""
    from stack.pipeline_stack import RealTimeAnalyticsPipeline

    config = load_config(app.node.try_get_context, keys=list(context_keys))
    return RealTimeAnalyticsPipeline(app, STACK_ID, config=config, stack_name=STACK_ID)


def cli_context(environ: Mapping[str, str]) -> dict[str, Any]:
    """The context the CDK CLI passed (cdk.json, cdk.context.json, --context), as App reads it."""
    context: dict[str, Any] = {}
    sources = [environ.get(CONTEXT_ENV) or "{}"]
    overflow = environ.get(CONTEXT_OVERFLOW_ENV)
    if overflow:
        sources.append(Path(overflow).read_text(encoding="utf-8"))
    for source in sources:
        parsed = json.loads(source)
        if isinstance(parsed, dict):
            context.update(parsed)
    return context


def main() -> int:
    context = cli_context(os.environ)
    try:
        # Validate before starting jsii (a Node process, seconds): bad options fail at once.
        config_from_mapping(context)
        from aws_cdk import App

        from stack.nag import add_nag_checks, is_nag_failure

        app = App()
        build_app(app, context_keys=list(context))
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
