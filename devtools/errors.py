"""Exceptions raised by devtools' core; the CLI edge turns them into one-line messages."""

from __future__ import annotations


class DevtoolsError(Exception):
    """Base class of every error devtools raises on purpose."""


class UserError(DevtoolsError):
    """When the user can fix the cause (bad input, missing deploy, port taken); exit code 1."""


class EmulatorNotRunningError(UserError):
    """When a command needs the emulator and nothing answers on the endpoint."""


class EmulatorStartError(UserError):
    """When `up` cannot start MiniStack: port taken by another process, or no health in time."""


class StackNotDeployedError(UserError):
    """When a command needs the deployed stack's outputs and there are none."""


class DeployError(UserError):
    """When `cdk deploy`, `cdk bootstrap` or `cdk destroy` exits with an error."""


class EventInputError(UserError):
    """When an event given to `put` is not valid JSON or a file of events cannot be read."""


class ProducerError(UserError):
    """When PutRecords keeps failing some entries after every retry, or the stream is missing."""
