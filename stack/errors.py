"""Errors the CDK app reports to the user as one line (no jsii stack trace)."""

from __future__ import annotations


class StackError(Exception):
    """Base class: an expected problem the user can fix; the app prints it and exits 1."""


class ConfigError(StackError):
    """When a context option has a value outside its allowed range, or options contradict."""


class BundlingError(StackError):
    """When the Lambda asset cannot be built (pip cannot reach the index and nothing is cached)."""
