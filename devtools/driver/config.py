"""The mapping's settings as the driver applies them: deployed values, overrides, AWS defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devtools.driver.exceptions import InvalidMappingError
from devtools.driver.filtering import parse_filters
from devtools.driver.windows import MAX_TUMBLING_WINDOW_SECONDS

# AWS's Kinesis defaults for settings a mapping may leave out.
DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 10_000
MAX_BATCHING_WINDOW_SECONDS = 300
MAX_RETRY_ATTEMPTS = 10_000
MIN_RECORD_AGE_SECONDS = 60
MAX_RECORD_AGE_SECONDS = 604_800
MAX_PARALLELIZATION_FACTOR = 10
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"

# Keys accepted in overrides: the API / CloudFormation property names.
OVERRIDABLE_KEYS = frozenset(
    {
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "StartingPosition",
        "StartingPositionTimestamp",
        "FunctionResponseTypes",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "ParallelizationFactor",
        "DestinationConfig",
        "FilterCriteria",
        "TumblingWindowInSeconds",
    }
)


@dataclass(frozen=True)
class MappingConfig:
    """Everything the engine needs to know about one Kinesis event source mapping."""

    uuid: str
    stream_arn: str
    function_arn: str
    batch_size: int = DEFAULT_BATCH_SIZE
    batching_window_seconds: float = 0.0
    starting_position: str = "LATEST"
    starting_position_timestamp: float | None = None
    report_batch_item_failures: bool = False
    bisect_on_error: bool = False
    max_retry_attempts: int = -1
    max_record_age_seconds: int = -1
    parallelization_factor: int = 1
    on_failure_destination: str | None = None
    filters: tuple[dict[str, Any], ...] = field(default=())
    tumbling_window_seconds: int = 0
    unsupported: tuple[str, ...] = field(default=())  # settings present but not reproduced
    overridden: tuple[str, ...] = field(default=())

    @property
    def region(self) -> str:
        return self.stream_arn.split(":")[3]

    def as_dict(self) -> dict[str, Any]:
        """The effective settings, for status files and logs."""
        return {
            "UUID": self.uuid,
            "EventSourceArn": self.stream_arn,
            "FunctionArn": self.function_arn,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.batching_window_seconds,
            "StartingPosition": self.starting_position,
            "StartingPositionTimestamp": self.starting_position_timestamp,
            "ReportBatchItemFailures": self.report_batch_item_failures,
            "BisectBatchOnFunctionError": self.bisect_on_error,
            "MaximumRetryAttempts": self.max_retry_attempts,
            "MaximumRecordAgeInSeconds": self.max_record_age_seconds,
            "ParallelizationFactor": self.parallelization_factor,
            "OnFailureDestination": self.on_failure_destination,
            "FilterPatterns": list(self.filters),
            "TumblingWindowInSeconds": self.tumbling_window_seconds,
            "Unsupported": list(self.unsupported),
            "Overridden": list(self.overridden),
        }


def _int_in(name: str, value: Any, low: int, high: int, *, allow: tuple[int, ...] = ()) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidMappingError(f"{name}={value!r} is not an integer")
    try:
        number = int(value)
    except ValueError as exc:
        raise InvalidMappingError(f"{name}={value!r} is not an integer") from exc
    if number in allow or low <= number <= high:
        return number
    extra = f" or one of {allow}" if allow else ""
    raise InvalidMappingError(f"{name}={number} is outside {low}..{high}{extra}")


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidMappingError(f"{name}={value!r} is not a boolean")


def _timestamp(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    raise InvalidMappingError(f"StartingPositionTimestamp={value!r} is not a time")


def _destination(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    on_failure = value.get("OnFailure")
    if not isinstance(on_failure, Mapping):
        return None
    destination = on_failure.get("Destination")
    # An unresolved CloudFormation token (a dict) cannot be used; the deployed value wins then.
    return destination if isinstance(destination, str) and destination else None


def _unsupported(merged: Mapping[str, Any]) -> tuple[str, ...]:
    """Settings the driver does not reproduce (reported in the status, never silently)."""
    del merged  # every Kinesis mapping setting is reproduced; kept for future ones
    return ()


def merge_overrides(
    deployed: Mapping[str, Any], overrides: Mapping[str, Any] | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Deployed mapping with the overrides on top; returns the keys whose value changed."""
    merged = dict(deployed)
    changed: list[str] = []
    for key, value in (overrides or {}).items():
        if key not in OVERRIDABLE_KEYS:
            raise InvalidMappingError(
                f"override {key!r} is not a mapping setting (expected one of: "
                f"{', '.join(sorted(OVERRIDABLE_KEYS))})"
            )
        if key == "DestinationConfig" and _destination(value) is None:
            continue
        if merged.get(key) != value:
            changed.append(key)
        merged[key] = value
    return merged, tuple(changed)


def mapping_config(
    deployed: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> MappingConfig:
    """Validate a GetEventSourceMapping answer (plus overrides) into a MappingConfig."""
    merged, changed = merge_overrides(deployed, overrides)
    stream_arn = merged.get("EventSourceArn")
    function_arn = merged.get("FunctionArn")
    if not isinstance(stream_arn, str) or ":kinesis:" not in stream_arn:
        raise InvalidMappingError(f"mapping source {stream_arn!r} is not a Kinesis stream ARN")
    if not isinstance(function_arn, str) or not function_arn:
        raise InvalidMappingError("mapping has no FunctionArn")
    position = merged.get("StartingPosition") or "LATEST"
    if position not in STARTING_POSITIONS:
        raise InvalidMappingError(
            f"StartingPosition={position!r} (expected one of: {', '.join(STARTING_POSITIONS)})"
        )
    timestamp = _timestamp(merged.get("StartingPositionTimestamp"))
    if position == "AT_TIMESTAMP" and timestamp is None:
        raise InvalidMappingError("StartingPosition=AT_TIMESTAMP needs StartingPositionTimestamp")
    response_types = merged.get("FunctionResponseTypes") or []
    if not isinstance(response_types, list):
        raise InvalidMappingError(f"FunctionResponseTypes={response_types!r} is not a list")
    return MappingConfig(
        uuid=str(merged.get("UUID", "")),
        stream_arn=stream_arn,
        function_arn=function_arn,
        batch_size=_int_in(
            "BatchSize", merged.get("BatchSize", DEFAULT_BATCH_SIZE), 1, MAX_BATCH_SIZE
        ),
        batching_window_seconds=float(
            _int_in(
                "MaximumBatchingWindowInSeconds",
                merged.get("MaximumBatchingWindowInSeconds", 0),
                0,
                MAX_BATCHING_WINDOW_SECONDS,
            )
        ),
        starting_position=str(position),
        starting_position_timestamp=timestamp,
        report_batch_item_failures=REPORT_BATCH_ITEM_FAILURES in response_types,
        bisect_on_error=_bool(
            "BisectBatchOnFunctionError", merged.get("BisectBatchOnFunctionError", False)
        ),
        max_retry_attempts=_int_in(
            "MaximumRetryAttempts",
            merged.get("MaximumRetryAttempts", -1),
            0,
            MAX_RETRY_ATTEMPTS,
            allow=(-1,),
        ),
        max_record_age_seconds=_int_in(
            "MaximumRecordAgeInSeconds",
            merged.get("MaximumRecordAgeInSeconds", -1),
            MIN_RECORD_AGE_SECONDS,
            MAX_RECORD_AGE_SECONDS,
            allow=(-1,),
        ),
        parallelization_factor=_int_in(
            "ParallelizationFactor",
            merged.get("ParallelizationFactor", 1),
            1,
            MAX_PARALLELIZATION_FACTOR,
        ),
        on_failure_destination=_destination(merged.get("DestinationConfig")),
        filters=parse_filters(merged.get("FilterCriteria")),
        tumbling_window_seconds=_int_in(
            "TumblingWindowInSeconds",
            merged.get("TumblingWindowInSeconds") or 0,
            0,
            MAX_TUMBLING_WINDOW_SECONDS,
        ),
        unsupported=_unsupported(merged),
        overridden=changed,
    )
