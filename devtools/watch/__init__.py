"""Live pipeline sampling for `devtools watch`: counters, lag and rates as dataclasses."""

from devtools.watch.model import Sample, ShardLag, WatchView
from devtools.watch.rates import minute_deltas, view
from devtools.watch.sample import DEFAULT_WINDOW_MINUTES, WatchSources, take_sample

__all__ = [
    "DEFAULT_WINDOW_MINUTES",
    "Sample",
    "ShardLag",
    "WatchSources",
    "WatchView",
    "minute_deltas",
    "take_sample",
    "view",
]
