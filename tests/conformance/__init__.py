"""The mapping driver checked against recordings of real AWS behaviour."""
