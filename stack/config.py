"""CDK context options, validated once into a frozen PipelineConfig."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stack.errors import ConfigError

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip

_ENVIRONMENT_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class IntOption:
    """An integer context option: its key, default and inclusive range."""

    key: str
    field: str
    default: int
    minimum: int
    maximum: int
    unit: str
    description: str

    def allowed(self) -> str:
        return f"an integer from {self.minimum} to {self.maximum}"


# Ranges are the AWS service limits unless a comment says otherwise.
INT_OPTIONS: tuple[IntOption, ...] = (
    # 500 is the default per-account shard quota in the large regions.
    IntOption("kinesisShardCount", "kinesis_shard_count", 2, 1, 500, "shards", "Kinesis shards"),
    IntOption(
        "kinesisRetentionPeriod",
        "kinesis_retention_hours",
        24,
        24,
        8760,
        "hours",
        "Kinesis data retention",
    ),
    IntOption("lambdaMemorySize", "lambda_memory_mb", 512, 128, 10240, "MB", "Lambda memory"),
    IntOption("lambdaTimeout", "lambda_timeout_minutes", 5, 1, 15, "minutes", "Lambda timeout"),
    IntOption(
        "lambdaBatchSize",
        "lambda_batch_size",
        100,
        1,
        10000,
        "records",
        "event source mapping batch size",
    ),
    IntOption(
        "lambdaMaxBatchingWindow",
        "lambda_max_batching_window_seconds",
        5,
        0,
        300,
        "seconds",
        "maximum batching window",
    ),
    # Ours. Up to 10 years of results; TTL deletes later items for free.
    IntOption("resultTtlDays", "result_ttl_days", 30, 1, 3650, "days", "results table item TTL"),
    # AWS keeps 100 of the account's concurrency unreserved, so at most 900 of the default
    # 1,000; 0 reserves nothing (the function shares the unreserved pool).
    IntOption(
        "lambdaReservedConcurrency",
        "lambda_reserved_concurrency",
        100,
        0,
        900,
        "executions",
        "reserved concurrency",
    ),
    IntOption(
        "parallelizationFactor",
        "parallelization_factor",
        2,
        1,
        10,
        "batches per shard",
        "parallelization factor",
    ),
    # Bounded on purpose: -1 (retry until the record expires) would let a poison batch block a
    # shard for the whole retention period.
    IntOption(
        "maxRetryAttempts",
        "max_retry_attempts",
        10,
        0,
        10000,
        "retries",
        "retries of a failed batch",
    ),
    IntOption(
        "maxRecordAgeSeconds",
        "max_record_age_seconds",
        86400,
        60,
        604800,
        "seconds",
        "maximum record age",
    ),
    IntOption(
        "logRetentionDays", "log_retention_days", 30, 1, 3653, "days", "function log retention"
    ),
    IntOption(
        "quarantineExpiryDays",
        "quarantine_expiry_days",
        90,
        1,
        3650,
        "days",
        "quarantined record expiry",
    ),
)

ENVIRONMENT_KEY = "environment"
ENVIRONMENT_DEFAULT = "dev"
ALARM_EMAIL_KEY = "alarmEmail"
ON_FAILURE_DESTINATION_KEY = "onFailureDestination"
# Where the event source mapping sends the records of discarded batches: an SQS queue (metadata
# only) or an S3 bucket (metadata plus the batch's invocation event; Lambda Developer Guide,
# "Retaining records of discarded batches for a Kinesis Data Streams event source").
ON_FAILURE_DESTINATIONS = ("sqs", "s3")
ON_FAILURE_DESTINATION_DEFAULT = "sqs"
# "off" synthesizes the results table without its byEventType index: the first of the two
# deploys that re-key the index of a stack deployed before the index was write-sharded
# (CloudFormation cannot change a GSI's key schema, nor delete and add one in one update).
EVENT_TYPE_INDEX_KEY = "eventTypeIndex"
EVENT_TYPE_INDEX_VALUES = ("on", "off")
OPTION_KEYS: tuple[str, ...] = (
    *(o.key for o in INT_OPTIONS),
    ENVIRONMENT_KEY,
    ALARM_EMAIL_KEY,
    ON_FAILURE_DESTINATION_KEY,
    EVENT_TYPE_INDEX_KEY,
)
# A plausible single address (SNS checks deliverability by mailing a confirmation link).
_EMAIL_PATTERN = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
# Environments whose data stores survive `cdk destroy`.
PRODUCTION_ENVIRONMENTS = frozenset({"prod", "production"})


@dataclass(frozen=True)
class PipelineConfig:
    """Every tunable of the pipeline, validated; field names mirror the context keys."""

    kinesis_shard_count: int = 2
    kinesis_retention_hours: int = 24
    lambda_memory_mb: int = 512
    lambda_timeout_minutes: int = 5
    lambda_batch_size: int = 100
    lambda_max_batching_window_seconds: int = 5
    environment: str = ENVIRONMENT_DEFAULT
    result_ttl_days: int = 30
    lambda_reserved_concurrency: int = 100
    parallelization_factor: int = 2
    max_retry_attempts: int = 10
    max_record_age_seconds: int = 86400
    log_retention_days: int = 30
    quarantine_expiry_days: int = 90
    alarm_email: str | None = None
    on_failure_destination: str = ON_FAILURE_DESTINATION_DEFAULT
    event_type_index: bool = True

    @property
    def is_production(self) -> bool:
        return self.environment.lower() in PRODUCTION_ENVIRONMENTS


def _parse_int(option: IntOption, raw: object) -> int:
    # `--context k=v` always arrives as a string; cdk.json may hold real numbers.
    value: int | None = None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = raw
    elif (isinstance(raw, float) and raw.is_integer()) or (
        isinstance(raw, str) and re.fullmatch(r"\s*[+-]?\d+\s*", raw)
    ):
        value = int(raw)
    if value is None or not option.minimum <= value <= option.maximum:
        raise ConfigError(
            f"invalid context {option.key}={raw!r}: expected {option.allowed()} "
            f"({option.unit}, default {option.default})"
        )
    return value


def _parse_environment(raw: object) -> str:
    if not isinstance(raw, str) or not _ENVIRONMENT_PATTERN.fullmatch(raw):
        raise ConfigError(
            f"invalid context {ENVIRONMENT_KEY}={raw!r}: expected 1 to 32 letters, digits, '-' "
            f"or '_', starting with a letter (default {ENVIRONMENT_DEFAULT!r})"
        )
    return raw


def _parse_alarm_email(raw: object) -> str | None:
    if raw == "":
        return None  # `--context alarmEmail=` switches a cdk.json address off
    if not isinstance(raw, str) or not _EMAIL_PATTERN.fullmatch(raw.strip()):
        raise ConfigError(
            f"invalid context {ALARM_EMAIL_KEY}={raw!r}: expected one e-mail address to "
            "subscribe to the alarm topic (default: none)"
        )
    return raw.strip()


def _parse_on_failure_destination(raw: object) -> str:
    value = raw.strip().lower() if isinstance(raw, str) else None
    if value not in ON_FAILURE_DESTINATIONS:
        raise ConfigError(
            f"invalid context {ON_FAILURE_DESTINATION_KEY}={raw!r}: expected one of "
            f"{', '.join(ON_FAILURE_DESTINATIONS)} (where discarded batches go, default "
            f"{ON_FAILURE_DESTINATION_DEFAULT!r})"
        )
    return value


def _parse_event_type_index(raw: object) -> bool:
    value = raw.strip().lower() if isinstance(raw, str) else None
    if value not in EVENT_TYPE_INDEX_VALUES:
        raise ConfigError(
            f"invalid context {EVENT_TYPE_INDEX_KEY}={raw!r}: expected on or off (off only for "
            "the first of the two deploys that re-key an existing byEventType index; default on)"
        )
    return value == "on"


def _check_log_retention(days: int) -> None:
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS)
        raise ConfigError(
            f"invalid context logRetentionDays={days!r}: expected one of the CloudWatch Logs "
            f"retention periods ({allowed})"
        )


def _check_consistency(config: PipelineConfig) -> None:
    # Each shard runs up to parallelizationFactor concurrent batches; fewer reserved executions
    # than that throttles the mapping and the iterator age grows without any error.
    needed = config.kinesis_shard_count * config.parallelization_factor
    if 0 < config.lambda_reserved_concurrency < needed:
        raise ConfigError(
            f"invalid context lambdaReservedConcurrency={config.lambda_reserved_concurrency}: "
            f"expected at least kinesisShardCount x parallelizationFactor = {needed}, or 0 "
            "for no reservation"
        )
    retention_seconds = config.kinesis_retention_hours * 3600
    if config.max_record_age_seconds > retention_seconds:
        raise ConfigError(
            f"invalid context maxRecordAgeSeconds={config.max_record_age_seconds}: expected at "
            f"most kinesisRetentionPeriod x 3600 = {retention_seconds} (records older than the "
            f"stream's retention are gone)"
        )


def _check_unknown(keys: object) -> None:
    if not isinstance(keys, (list, tuple, set, frozenset)):
        return
    for key in keys:
        if not isinstance(key, str) or key in OPTION_KEYS:
            continue
        # Only near-misses of our options are errors: CDK and other tools add their own keys.
        close = difflib.get_close_matches(key, OPTION_KEYS, n=1, cutoff=0.85)
        if close:
            raise ConfigError(
                f"unknown context option {key!r}: did you mean {close[0]!r}? "
                f"(options: {', '.join(OPTION_KEYS)})"
            )


def load_config(get: Callable[[str], Any], *, keys: object = None) -> PipelineConfig:
    """Read and validate every option through `get` (absent -> None); raise ConfigError."""
    _check_unknown(keys)
    values: dict[str, Any] = {}
    for option in INT_OPTIONS:
        raw = get(option.key)
        values[option.field] = option.default if raw is None else _parse_int(option, raw)
    _check_log_retention(values["log_retention_days"])
    raw_env = get(ENVIRONMENT_KEY)
    values["environment"] = ENVIRONMENT_DEFAULT if raw_env is None else _parse_environment(raw_env)
    raw_email = get(ALARM_EMAIL_KEY)
    values["alarm_email"] = None if raw_email is None else _parse_alarm_email(raw_email)
    raw_destination = get(ON_FAILURE_DESTINATION_KEY)
    values["on_failure_destination"] = (
        ON_FAILURE_DESTINATION_DEFAULT
        if raw_destination is None
        else _parse_on_failure_destination(raw_destination)
    )
    raw_index = get(EVENT_TYPE_INDEX_KEY)
    values["event_type_index"] = True if raw_index is None else _parse_event_type_index(raw_index)
    config = PipelineConfig(**values)
    _check_consistency(config)
    return config


def config_from_mapping(context: Mapping[str, Any]) -> PipelineConfig:
    """Validate a plain mapping of context values (tests, tools)."""
    return load_config(context.get, keys=list(context))
