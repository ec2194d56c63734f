"""Errors raised by the processor package."""

from __future__ import annotations


class ProcessorError(Exception):
    """Base class of every error this package raises on purpose."""


class SettingsError(ProcessorError):
    """When an environment variable the function needs is missing or malformed (cold start)."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"environment variable {variable}: {problem}")
        self.variable = variable
        self.problem = problem


class MalformedEventError(ProcessorError):
    """When the invocation payload is not a Kinesis event (no `Records` list of kinesis records).

    A malformed envelope is a wiring bug, not a poison record: the whole invocation fails.
    """
