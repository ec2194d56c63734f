"""Kinesis -> DynamoDB analytics processor: validation, analytics, exactly-once storage."""

from processor.model import event_types, field_names, validate_record
from processor.types import Reason, Rejection, ValidEvent

# send_custom_metrics lives in processor.metrics (it imports Powertools); the handler is
# processor.handler.lambda_handler. Both are kept out of here so devtools can import the pure
# modules without the Lambda runtime's settings.
__all__ = ["Reason", "Rejection", "ValidEvent", "event_types", "field_names", "validate_record"]
