"""Context validation: every option accepts its range and rejects the rest with one message."""

from __future__ import annotations

from typing import Any

import pytest

from stack.config import (
    INT_OPTIONS,
    LOG_RETENTION_DAYS,
    IntOption,
    PipelineConfig,
    config_from_mapping,
)
from stack.errors import ConfigError

OPTIONS = {option.key: option for option in INT_OPTIONS}
# Cross-option rules need room: reserved concurrency >= shards x parallelization factor, and
# record age <= retention. These companions keep single-option tests about that option only.
ROOMY: dict[str, Any] = {
    "lambdaReservedConcurrency": 900,
    "kinesisRetentionPeriod": 8760,
    "kinesisShardCount": 1,
    "parallelizationFactor": 1,
}


def _with(key: str, value: object) -> dict[str, Any]:
    return {**ROOMY, key: value}


def _good_values(option: IntOption) -> list[object]:
    if option.key == "logRetentionDays":
        return [1, 3653, "30"]
    return [option.minimum, option.maximum, str(option.default), float(option.default)]


def _bad_values(option: IntOption) -> list[object]:
    return [option.minimum - 1, option.maximum + 1, "abc", "", 1.5, True, []]


def test_defaults_are_the_documented_ones() -> None:
    # GIVEN no context at all
    # WHEN it is loaded
    config = config_from_mapping({})
    # THEN every field has the default of the seed / docs/contracts.md
    assert config == PipelineConfig()
    assert (config.kinesis_shard_count, config.kinesis_retention_hours) == (2, 24)
    assert (config.lambda_memory_mb, config.lambda_timeout_minutes) == (512, 5)
    assert (config.lambda_batch_size, config.lambda_max_batching_window_seconds) == (100, 5)
    assert config.environment == "dev"
    assert config.result_ttl_days == 30
    assert config.lambda_reserved_concurrency == 100
    assert config.parallelization_factor == 2
    assert not config.is_production


def test_option_table_defaults_match_the_dataclass() -> None:
    # GIVEN the option table used for validation and docs
    defaults = PipelineConfig()
    # THEN each row's default is what PipelineConfig holds when the option is absent
    for option in INT_OPTIONS:
        assert getattr(defaults, option.field) == option.default, option.key
    assert {o.key for o in INT_OPTIONS} == {
        "kinesisShardCount", "kinesisRetentionPeriod", "lambdaMemorySize", "lambdaTimeout",
        "lambdaBatchSize", "lambdaMaxBatchingWindow", "resultTtlDays",
        "lambdaReservedConcurrency", "parallelizationFactor", "maxRetryAttempts",
        "maxRecordAgeSeconds", "logRetentionDays", "quarantineExpiryDays",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("key", "value"),
    [(o.key, v) for o in INT_OPTIONS for v in _good_values(o)],
)
def test_each_option_accepts_its_range(key: str, value: object) -> None:
    # GIVEN a value inside the option's range (as a number, or a string as `--context` gives)
    context = _with(key, value)
    if key == "maxRecordAgeSeconds":
        context["kinesisRetentionPeriod"] = 8760
    # WHEN loaded THEN the config holds it as an int
    config = config_from_mapping(context)
    assert getattr(config, OPTIONS[key].field) == int(float(str(value)))


@pytest.mark.parametrize(
    ("key", "value"),
    [(o.key, v) for o in INT_OPTIONS for v in _bad_values(o)],
)
def test_each_option_rejects_out_of_range(key: str, value: object) -> None:
    # GIVEN a value outside the option's range or not an integer
    # WHEN loaded THEN one message names the option, the value and the allowed range
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(_with(key, value))
    message = str(raised.value)
    assert "\n" not in message
    assert f"{key}={value!r}" in message
    option = OPTIONS[key]
    if key == "logRetentionDays" and isinstance(value, int) and not isinstance(value, bool):
        assert "3653" in message
    else:
        assert f"from {option.minimum} to {option.maximum}" in message


def test_log_retention_must_be_a_cloudwatch_period() -> None:
    # GIVEN a day count inside 1..3653 that CloudWatch Logs does not offer
    # WHEN loaded THEN the message lists the accepted periods
    with pytest.raises(ConfigError, match=r"logRetentionDays=31: expected one of .*\b14, 30, 60"):
        config_from_mapping({"logRetentionDays": 31})
    assert all(config_from_mapping({"logRetentionDays": d}) for d in LOG_RETENTION_DAYS)


@pytest.mark.parametrize("value", ["dev", "production", "Team_a-1", "x" * 32])
def test_environment_accepts_tag_friendly_names(value: str) -> None:
    assert config_from_mapping({"environment": value}).environment == value


@pytest.mark.parametrize("value", ["", "1dev", "x" * 33, "has space", "dev;rm", 5, True])
def test_environment_rejects_other_values(value: object) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping({"environment": value})
    assert f"environment={value!r}: expected 1 to 32 letters" in str(raised.value)


@pytest.mark.parametrize("value", ["prod", "production", "Production"])
def test_production_environments_are_recognised(value: str) -> None:
    assert config_from_mapping({"environment": value}).is_production


def test_reserved_concurrency_must_cover_every_concurrent_batch() -> None:
    # GIVEN 4 shards x factor 3 = 12 concurrent batches but 10 reserved executions
    context = {"kinesisShardCount": 4, "parallelizationFactor": 3, "lambdaReservedConcurrency": 10}
    # WHEN loaded THEN the message gives the required minimum
    with pytest.raises(ConfigError, match=r"lambdaReservedConcurrency=10: expected at least .* 12"):
        config_from_mapping(context)
    assert config_from_mapping({**context, "lambdaReservedConcurrency": 12})


def test_record_age_cannot_exceed_stream_retention() -> None:
    # GIVEN a 24 h stream and a 25 h maximum record age
    with pytest.raises(ConfigError, match=r"maxRecordAgeSeconds=90000: expected at most .*86400"):
        config_from_mapping({"maxRecordAgeSeconds": 90000})
    # THEN a longer retention makes it valid
    config = config_from_mapping({"maxRecordAgeSeconds": 90000, "kinesisRetentionPeriod": 48})
    assert config.max_record_age_seconds == 90000


def test_misspelt_option_is_reported_with_a_suggestion() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown context option 'lambdaBatchsize': did you mean"
    ):
        config_from_mapping({"lambdaBatchsize": 10})


@pytest.mark.parametrize("key", ["@aws-cdk/core:target-partitions", "aws:cdk:bundling-stacks", "x"])
def test_foreign_context_keys_are_ignored(key: str) -> None:
    assert config_from_mapping({key: "anything"}) == PipelineConfig()
