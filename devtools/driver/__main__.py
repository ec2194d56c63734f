"""`python -m devtools.driver run ...`: the driver process."""

from __future__ import annotations

from devtools.driver.runner import process_main

process_main()
