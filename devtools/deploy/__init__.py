"""Deploy the CDK app to the emulator, verify it against the template, hand over to the driver."""
