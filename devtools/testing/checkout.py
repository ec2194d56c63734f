"""A copy of this checkout's sources in a temporary folder, to change or break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

from devtools.paths import project_root

SOURCES = ("processor", "stack")


def copy_sources(target: Path, *, names: tuple[str, ...] = SOURCES) -> Path:
    """Copy `names` (folders of the project) and `cdk.json` under `target`; return `target`."""
    root = project_root()
    for name in names:
        shutil.copytree(root / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "cdk.json", target / "cdk.json")
    return target
