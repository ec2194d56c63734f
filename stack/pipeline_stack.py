"""The RealTimeAnalyticsPipeline stack: composes the constructs and publishes stable outputs."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack, Tags
from constructs import Construct

from stack.config import PipelineConfig
from stack.ingest import IngestStream
from stack.monitoring import MonitoredResources, PipelineMonitoring
from stack.outputs import add_outputs
from stack.processing import ProcessorTargets, StreamProcessor, processor_code
from stack.quarantine import QuarantineBucket
from stack.storage import AnalyticsTables

PROJECT_TAG = "realtime-analytics-pipeline"


class RealTimeAnalyticsPipeline(Stack):
    """Kinesis -> Lambda -> DynamoDB with quarantine, on-failure destination, alarms, dashboard."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: PipelineConfig, **kwargs: Any
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Serverless real-time analytics pipeline (Kinesis -> Lambda -> DynamoDB)",
            **kwargs,
        )
        self.config = config
        # Test and dev data goes with the stack; production data stays behind on `cdk destroy`.
        removal = RemovalPolicy.RETAIN if config.is_production else RemovalPolicy.DESTROY
        self.ingest = IngestStream(
            self,
            "Ingest",
            shard_count=config.kinesis_shard_count,
            retention_hours=config.kinesis_retention_hours,
            removal_policy=removal,
        )
        self.tables = AnalyticsTables(
            self, "Storage", removal_policy=removal, event_type_index=config.event_type_index
        )
        self.quarantine = QuarantineBucket(
            self, "Quarantine", expiry_days=config.quarantine_expiry_days
        )
        self.processor = StreamProcessor(
            self,
            "Processor",
            config=config,
            targets=ProcessorTargets(
                stream=self.ingest.stream,
                results_table=self.tables.results,
                aggregates_table=self.tables.aggregates,
                quarantine_bucket=self.quarantine.bucket,
            ),
            code=processor_code(self),
            removal_policy=removal,
        )
        self.monitoring = PipelineMonitoring(
            self,
            "Monitoring",
            resources=MonitoredResources(
                stream=self.ingest.stream,
                function=self.processor.function,
                results_table=self.tables.results,
                aggregates_table=self.tables.aggregates,
                failure_queue=self.processor.failure_queue,
                failure_bucket=self.processor.failure_bucket,
                timeout_minutes=config.lambda_timeout_minutes,
            ),
            removal_policy=removal,
            alarm_email=config.alarm_email,
        )
        Tags.of(self).add("environment", config.environment)
        Tags.of(self).add("project", PROJECT_TAG)
        add_outputs(self)
