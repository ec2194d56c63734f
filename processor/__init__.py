"""Kinesis -> DynamoDB analytics processor: validation, analytics, exactly-once storage.

The event types and the API other code calls (`validate_record`, `field_names`, `event_types`)
are in `processor.model`; the Lambda entry point is `processor.handler.lambda_handler`.
"""
