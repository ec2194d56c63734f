"""Mapping settings: AWS defaults, allowed ranges, overrides for settings the emulator dropped."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.driver.config import mapping_config
from devtools.driver.exceptions import InvalidMappingError

DEPLOYED: dict[str, Any] = {
    "UUID": "u-1",
    "EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:stream/s",
    "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:f",
}


def test_missing_settings_take_aws_kinesis_defaults() -> None:
    # GIVEN a mapping with only its source and function
    config = mapping_config(DEPLOYED)
    # THEN AWS's defaults apply
    assert config.batch_size == 100
    assert config.batching_window_seconds == 0
    assert config.max_retry_attempts == -1
    assert config.max_record_age_seconds == -1
    assert config.parallelization_factor == 1
    assert not config.bisect_on_error
    assert not config.report_batch_item_failures
    assert config.on_failure_destination is None
    assert config.region == "us-east-1"


def test_deployed_settings_are_read() -> None:
    config = mapping_config(
        {
            **DEPLOYED,
            "BatchSize": 250,
            "MaximumBatchingWindowInSeconds": 5,
            "StartingPosition": "TRIM_HORIZON",
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 3,
            "MaximumRecordAgeInSeconds": 3600,
            "ParallelizationFactor": 2,
            "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:0:q"}},
        }
    )
    assert (config.batch_size, config.batching_window_seconds) == (250, 5)
    assert config.report_batch_item_failures
    assert config.bisect_on_error
    assert (config.max_retry_attempts, config.max_record_age_seconds) == (3, 3600)
    assert config.parallelization_factor == 2
    assert config.on_failure_destination == "arn:aws:sqs:us-east-1:0:q"


def test_overrides_fill_what_the_emulator_dropped_and_are_reported() -> None:
    # GIVEN a deployed mapping missing the retry settings, and overrides from the template
    overrides = {
        "MaximumRetryAttempts": 5,
        "BisectBatchOnFunctionError": True,
        "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:0:dlq"}},
        "BatchSize": 10,
    }
    config = mapping_config({**DEPLOYED, "BatchSize": 10}, overrides)
    # THEN they apply and the changed keys are listed
    assert config.max_retry_attempts == 5
    assert config.bisect_on_error
    assert config.on_failure_destination == "arn:aws:sqs:us-east-1:0:dlq"
    assert set(config.overridden) == {
        "MaximumRetryAttempts",
        "BisectBatchOnFunctionError",
        "DestinationConfig",
    }


def test_an_unresolved_destination_token_does_not_override() -> None:
    deployed = {
        **DEPLOYED,
        "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:0:q"}},
    }
    token = {"OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}}
    config = mapping_config(deployed, {"DestinationConfig": token})
    assert config.on_failure_destination == "arn:aws:sqs:us-east-1:0:q"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("BatchSize", 0),
        ("BatchSize", 10_001),
        ("MaximumBatchingWindowInSeconds", 301),
        ("MaximumRetryAttempts", -2),
        ("MaximumRetryAttempts", 10_001),
        ("MaximumRecordAgeInSeconds", 59),
        ("MaximumRecordAgeInSeconds", 604_801),
        ("ParallelizationFactor", 11),
        ("ParallelizationFactor", 0),
        ("StartingPosition", "EARLIEST"),
        ("BisectBatchOnFunctionError", "maybe"),
    ],
)
def test_values_outside_aws_ranges_are_rejected(key: str, value: Any) -> None:
    with pytest.raises(InvalidMappingError, match=key):
        mapping_config({**DEPLOYED, key: value})


def test_at_timestamp_needs_a_timestamp() -> None:
    with pytest.raises(InvalidMappingError, match="StartingPositionTimestamp"):
        mapping_config({**DEPLOYED, "StartingPosition": "AT_TIMESTAMP"})


def test_unknown_override_is_rejected() -> None:
    with pytest.raises(InvalidMappingError, match="BatchSzie"):
        mapping_config(DEPLOYED, {"BatchSzie": 5})
