"""Kinesis -> DynamoDB analytics processor: validation, analytics, exactly-once storage."""

from processor.analytics import process_analytics_data
from processor.reasons import Reason, Rejection
from processor.validation import EVENT_TYPES, validate_event_data

# send_custom_metrics lives in processor.metrics (it imports Powertools); the handler is
# processor.handler.lambda_handler. Both are kept out of here so devtools can import the pure
# modules (processor.aggregates) without the Lambda runtime's settings.
__all__ = ["EVENT_TYPES", "Reason", "Rejection", "process_analytics_data", "validate_event_data"]
