"""`python -m devtools.driver run ...`: the driver process."""

from __future__ import annotations

import sys

from devtools.driver.runner import main

sys.exit(main())
