"""Settings from the environment: defaults, and one clear error naming the variable."""

from __future__ import annotations

import pytest

from processor.settings import load_settings
from processor.types import SettingsError

GOOD = {
    "RESULTS_TABLE_NAME": "results",
    "AGGREGATES_TABLE_NAME": "aggregates",
    "QUARANTINE_BUCKET_NAME": "quarantine-bucket",
}


def test_defaults() -> None:
    settings = load_settings(GOOD)
    assert settings.results_table == "results"
    assert settings.result_ttl_days == 30
    assert settings.environment == "dev"
    assert settings.log_level == "INFO"


def test_explicit_values() -> None:
    env = {**GOOD, "RESULT_TTL_DAYS": "7", "ENVIRONMENT": "prod", "LOG_LEVEL": "debug"}
    settings = load_settings(env)
    assert (settings.result_ttl_days, settings.environment, settings.log_level) == (
        7,
        "prod",
        "DEBUG",
    )


@pytest.mark.parametrize(
    ("change", "variable", "fragment"),
    [
        ({"RESULTS_TABLE_NAME": ""}, "RESULTS_TABLE_NAME", "is not set"),
        ({"AGGREGATES_TABLE_NAME": "bad name!"}, "AGGREGATES_TABLE_NAME", "not a valid"),
        ({"QUARANTINE_BUCKET_NAME": "  "}, "QUARANTINE_BUCKET_NAME", "is not set"),
        ({"RESULT_TTL_DAYS": "thirty"}, "RESULT_TTL_DAYS", "whole number"),
        ({"RESULT_TTL_DAYS": "0"}, "RESULT_TTL_DAYS", "between 1 and 3650"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "one of DEBUG"),
    ],
)
def test_bad_variable_is_named(change: dict[str, str], variable: str, fragment: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({**GOOD, **change})
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"environment variable {variable}: ")
    assert fragment in str(raised.value)


def test_missing_variable_is_named() -> None:
    env = dict(GOOD)
    del env["QUARANTINE_BUCKET_NAME"]
    with pytest.raises(SettingsError, match="QUARANTINE_BUCKET_NAME"):
        load_settings(env)
