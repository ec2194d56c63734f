"""Benchmarks run by `make bench`: each module prints medians and ratios measured side by side."""
