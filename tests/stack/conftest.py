"""Synthesis helpers for the stack tests: few synths, bundling skipped unless a test needs it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from stack.app import build_app
from stack.pipeline_stack import RealTimeAnalyticsPipeline

# CDK's own switch: no stack is bundled, so template tests never run pip or copy the asset.
SKIP_BUNDLING: Mapping[str, Any] = {"aws:cdk:bundling-stacks": []}


@dataclass(frozen=True)
class Synthesized:
    """A built app, its stack, and the stack's template."""

    app: App
    stack: RealTimeAnalyticsPipeline
    template: Template

    def resources(self, resource_type: str) -> dict[str, Any]:
        return dict(self.template.find_resources(resource_type))

    def logical_id(self, resource_type: str, prefix: str) -> str:
        """The one logical id of `resource_type` starting with `prefix` (CDK appends a hash)."""
        ids = [i for i in self.resources(resource_type) if i.startswith(prefix)]
        assert len(ids) == 1, ids
        return ids[0]


def synthesize(outdir: Path, context: Mapping[str, Any] | None = None) -> Synthesized:
    """Build the app like `python -m stack.app` does, with `context`, into `outdir`."""
    app = App(outdir=str(outdir), context={**SKIP_BUNDLING, **(context or {})})
    stack = build_app(app, context_keys=list(context or {}))
    return Synthesized(app, stack, Template.from_stack(stack))


@pytest.fixture(scope="session")
def default_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack with every option at its default; read-only, so one synth serves all modules."""
    return synthesize(tmp_path_factory.mktemp("cdk-out"))
