"""Kinesis -> DynamoDB analytics processor (the Lambda asset); event types in `processor.model`."""
