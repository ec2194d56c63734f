"""pytest plugin: the `pipeline` session fixture."""
