"""The processor function: role, log group, on-failure destination, Kinesis event source mapping."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from aws_cdk import (
    Acknowledgment,
    AssetHashType,
    BundlingOptions,
    DockerImage,
    Duration,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stack.bundling import (
    EXCLUDED_NAMES,
    PROCESSOR_DIR,
    RUNTIME_PYTHON,
    LocalProcessorBundling,
    ensure_dependencies,
    runtime_python,
)
from stack.config import PipelineConfig
from stack.failure_destination import FailureDestination
from stack.quarantine import QUARANTINE_PREFIX

HANDLER = "processor.handler.lambda_handler"
SERVICE_NAME = "realtime-analytics"
METRICS_NAMESPACE = "RealTimeAnalytics"
# What processor/store.py calls: TransactWriteItems of conditional Puts into the results table and
# ADD Updates of the aggregates table, plus conditional UpdateItem for load-time min/max.
# TransactWriteItems has no IAM action of its own: it needs the per-item ones. No reads, no
# deletes, no batch writes.
RESULTS_WRITE_ACTIONS = ("dynamodb:PutItem",)
AGGREGATES_WRITE_ACTIONS = ("dynamodb:UpdateItem",)
# What a shared-throughput Kinesis event source mapping needs (no SubscribeToShard: no EFO
# consumer). The stream uses the AWS-managed key, so no kms:Decrypt grant is needed.
STREAM_READ_ACTIONS = (
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
)


@dataclass(frozen=True)
class ProcessorTargets:
    """The resources the function reads from and writes to."""

    stream: kinesis.IStream
    results_table: dynamodb.ITable
    aggregates_table: dynamodb.ITable
    quarantine_bucket: s3.IBucket


def processor_code(scope: Construct) -> lambda_.Code:
    """The asset: bundled locally (no Docker); CDK skips bundling when the stack is excluded."""
    if not Stack.of(scope).bundling_required:
        # `aws:cdk:bundling-stacks` excludes this stack (e.g. `cdk ls`, template-only tests):
        # CDK does not bundle, so don't touch pip either.
        return lambda_.Code.from_asset(str(PROCESSOR_DIR), exclude=list(EXCLUDED_NAMES))
    dependencies = ensure_dependencies()
    python = runtime_python()
    if python is None:
        # Still a working asset, only a slower cold start: say so, do not fail the synth.
        print(
            f"warning: no {RUNTIME_PYTHON} found (PATH, pyenv or $LAMBDA_PYTHON): the Lambda "
            "asset ships without compiled byte-code, so each cold start compiles it",
            file=sys.stderr,
        )
    return lambda_.Code.from_asset(
        str(PROCESSOR_DIR),
        exclude=list(EXCLUDED_NAMES),
        # Hash the sources (requirements.txt included), so an unchanged processor is not
        # re-bundled: CDK reuses cdk.out/asset.<hash>.
        asset_hash_type=AssetHashType.SOURCE,
        bundling=BundlingOptions(
            # Never pulled: local bundling always succeeds first.
            image=DockerImage.from_registry("local-bundling-only"),
            local=LocalProcessorBundling(dependencies.path, python=python),
            # Part of the source hash: a change of pins or platform makes a new asset even if
            # processor/ itself did not change.
            environment={
                "LAMBDA_DEPS_KEY": dependencies.path.name,
                "LAMBDA_BYTECODE": RUNTIME_PYTHON if python else "none",
            },
        ),
    )


class StreamProcessor(Construct):
    """Lambda consuming the stream with partial batch responses and an on-failure destination."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PipelineConfig,
        targets: ProcessorTargets,
        code: lambda_.Code,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.failure = FailureDestination(self, kind=config.on_failure_destination)
        self.failure_queue = self.failure.queue
        self.failure_bucket = self.failure.bucket
        self.log_group = logs.LogGroup(self, "LogGroup", removal_policy=removal_policy)
        # The L2 takes a RetentionDays enum whose members do not carry their number of days;
        # the template takes the days (already checked to be a CloudWatch Logs period).
        log_group_resource = self.log_group.node.default_child
        assert isinstance(log_group_resource, logs.CfnLogGroup)
        log_group_resource.retention_in_days = config.log_retention_days
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Kinesis analytics processor: reads its stream, writes its tables, "
            "quarantine bucket, on-failure destination, logs and traces",
        )
        self.function = self._function(config, targets, code)
        self._grant(targets)
        self.event_source_mapping = self._event_source_mapping(config, targets.stream)

    def _function(
        self, config: PipelineConfig, targets: ProcessorTargets, code: lambda_.Code
    ) -> lambda_.Function:
        function = lambda_.Function(
            self,
            "Function",
            description="Validates, analyses and stores analytics events from Kinesis",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=code,
            role=self.role,
            memory_size=config.lambda_memory_mb,
            timeout=Duration.minutes(config.lambda_timeout_minutes),
            # 0 means no reservation: the function draws on the account's unreserved pool.
            reserved_concurrent_executions=config.lambda_reserved_concurrency or None,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            environment={
                "RESULTS_TABLE_NAME": targets.results_table.table_name,
                "AGGREGATES_TABLE_NAME": targets.aggregates_table.table_name,
                "QUARANTINE_BUCKET_NAME": targets.quarantine_bucket.bucket_name,
                "RESULT_TTL_DAYS": str(config.result_ttl_days),
                "ENVIRONMENT": config.environment,
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": "INFO",
            },
        )
        cfn_function = function.node.default_child
        assert isinstance(cfn_function, lambda_.CfnFunction)
        # CDK always adds DependsOn on the role next to the GetAtt Role.Arn (cfn-lint W3005,
        # "dependency already enforced"): harmless, and not removable through the L2 API.
        cfn_function.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        Validations.of(function).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason=(
                    "Pinned to python3.13 on purpose: the processor and its bundled wheels "
                    "(Powertools, cp313 aarch64) are built and tested for it; move deliberately."
                ),
            )
        )
        return function

    def _grant(self, targets: ProcessorTargets) -> None:
        # Explicit statements instead of CDK grant helpers, which add actions the function
        # never uses (GetQueueUrl, GetQueueAttributes, ListStreams, SubscribeToShard...).
        statements = [
            iam.PolicyStatement(
                sid="ReadStream",
                actions=list(STREAM_READ_ACTIONS),
                resources=[targets.stream.stream_arn],
            ),
            iam.PolicyStatement(
                sid="StoreEvents",
                actions=list(RESULTS_WRITE_ACTIONS),
                resources=[targets.results_table.table_arn],
            ),
            iam.PolicyStatement(
                sid="FoldAggregates",
                actions=list(AGGREGATES_WRITE_ACTIONS),
                resources=[targets.aggregates_table.table_arn],
            ),
            iam.PolicyStatement(
                sid="QuarantineRecords",
                actions=["s3:PutObject"],
                resources=[targets.quarantine_bucket.arn_for_objects(f"{QUARANTINE_PREFIX}*")],
            ),
            *self.failure.statements(),
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                # The log group's Arn attribute ends in ':*': its log streams, nothing else.
                resources=[self.log_group.log_group_arn],
            ),
        ]
        for statement in statements:
            self.role.add_to_policy(statement)
        # Tracing.ACTIVE makes CDK add xray:PutTraceSegments + xray:PutTelemetryRecords on "*":
        # X-Ray defines no resource types for them, so "*" is the only possible resource.
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "Only xray:PutTraceSegments and xray:PutTelemetryRecords use '*': X-Ray "
                    "supports no resource-level permissions for them."
                ),
            ),
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{self._logical(targets.quarantine_bucket)}"
                f".Arn>/{QUARANTINE_PREFIX}*]",
                reason=(
                    "Quarantine object keys are chosen per poison record "
                    "(quarantine/<reason>/<shard>/<sequence>.json); only PutObject, only under "
                    "that prefix."
                ),
            ),
        )
        self.failure.acknowledge_object_wildcard(self.role)

    @staticmethod
    def _logical(bucket: s3.IBucket) -> str:
        cfn = bucket.node.default_child
        assert isinstance(cfn, s3.CfnBucket)
        return Stack.of(bucket).get_logical_id(cfn)

    def _event_source_mapping(
        self, config: PipelineConfig, stream: kinesis.IStream
    ) -> lambda_.CfnEventSourceMapping:
        # The L1 construct: the L2 helpers grant more than the destination needs.
        mapping = lambda_.CfnEventSourceMapping(
            self,
            "EventSourceMapping",
            function_name=self.function.function_name,
            event_source_arn=stream.stream_arn,
            starting_position="TRIM_HORIZON",
            batch_size=config.lambda_batch_size,
            maximum_batching_window_in_seconds=config.lambda_max_batching_window_seconds,
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=config.max_retry_attempts,
            maximum_record_age_in_seconds=config.max_record_age_seconds,
            parallelization_factor=config.parallelization_factor,
            function_response_types=["ReportBatchItemFailures"],
            destination_config=lambda_.CfnEventSourceMapping.DestinationConfigProperty(
                on_failure=lambda_.CfnEventSourceMapping.OnFailureProperty(
                    destination=self.failure.arn
                )
            ),
            enabled=True,
        )
        # AWS checks the role's permissions when the mapping is created: policy first.
        mapping.node.add_dependency(self.role)
        return mapping
