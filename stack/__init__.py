"""The CDK app of the pipeline; its light public names (importing these never starts jsii)."""

from stack.config import PipelineConfig, config_from_mapping, load_config
from stack.errors import BundlingError, ConfigError, StackError

__all__ = [
    "BundlingError",
    "ConfigError",
    "PipelineConfig",
    "StackError",
    "config_from_mapping",
    "load_config",
]
