"""Function settings from environment variables, validated once at cold start."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from processor.types import SettingsError

DEFAULT_TTL_DAYS = 30
MAX_TTL_DAYS = 3650
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# DynamoDB table names and S3 bucket names share this safe subset.
_RESOURCE_NAME = re.compile(r"^[A-Za-z0-9._-]{3,255}$")


@dataclass(frozen=True)
class Settings:
    """Where to write, and how long results live."""

    results_table: str
    aggregates_table: str
    quarantine_bucket: str
    result_ttl_days: int = DEFAULT_TTL_DAYS
    environment: str = "dev"
    log_level: str = "INFO"


def _name(env: Mapping[str, str], variable: str) -> str:
    value = env.get(variable, "").strip()
    if not value:
        raise SettingsError(variable, "is not set (the stack sets it; set it when running locally)")
    if not _RESOURCE_NAME.match(value):
        raise SettingsError(variable, f"{value!r} is not a valid table or bucket name")
    return value


def load_settings(env: Mapping[str, str]) -> Settings:
    """Read and check every variable; raise SettingsError naming the first bad one."""
    ttl_text = env.get("RESULT_TTL_DAYS", "").strip() or str(DEFAULT_TTL_DAYS)
    try:
        ttl_days = int(ttl_text)
    except ValueError:
        raise SettingsError(
            "RESULT_TTL_DAYS", f"{ttl_text!r} is not a whole number of days"
        ) from None
    if not 1 <= ttl_days <= MAX_TTL_DAYS:
        raise SettingsError("RESULT_TTL_DAYS", f"{ttl_days} is not between 1 and {MAX_TTL_DAYS}")
    log_level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise SettingsError("LOG_LEVEL", f"{log_level!r} is not one of {', '.join(LOG_LEVELS)}")
    return Settings(
        results_table=_name(env, "RESULTS_TABLE_NAME"),
        aggregates_table=_name(env, "AGGREGATES_TABLE_NAME"),
        quarantine_bucket=_name(env, "QUARANTINE_BUCKET_NAME"),
        result_ttl_days=ttl_days,
        environment=env.get("ENVIRONMENT", "").strip() or "dev",
        log_level=log_level,
    )
