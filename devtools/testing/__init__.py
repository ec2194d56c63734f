"""The `pipeline` pytest fixture for users' own tests (registered through `pytest11`)."""
