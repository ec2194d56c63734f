"""Exceptions raised while replaying a scenario against a deployed pipeline."""

from __future__ import annotations

from devtools.errors import UserError


class SendError(UserError):
    """When PutRecords keeps rejecting records after every retry, or the stream is missing."""
