"""Which saved files matter, and whether sync can apply them or only a deploy can."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from devtools.sync.fingerprint import EXCLUDED_DIRS, EXCLUDED_SUFFIXES, REQUIREMENTS

WATCHED = ("processor", "stack", "cdk.json")
# editors save through temporary files; watchfiles' debounce folds a save into one batch
DEBOUNCE_MS = 50


@dataclass(frozen=True)
class Change:
    """One batch of saved files: processor code only, or something only a deploy applies."""

    files: tuple[str, ...]
    needs_deploy: bool


def classify(project_root: Path, paths: Iterable[str]) -> Change | None:
    """None when no file that the function or the stack depends on changed."""
    relevant: list[str] = []
    needs_deploy = False
    for raw in paths:
        relative = Path(raw).resolve().relative_to(project_root.resolve())
        if any(part in EXCLUDED_DIRS for part in relative.parts) or raw.endswith(EXCLUDED_SUFFIXES):
            continue
        if relative.parts[0] == "processor":
            if relative == REQUIREMENTS:
                needs_deploy = True
        elif relative.suffix == ".py" or relative.name == "cdk.json":
            needs_deploy = True
        else:
            continue
        relevant.append(str(relative))
    if not relevant:
        return None
    return Change(tuple(sorted(relevant)), needs_deploy)


def changes(project_root: Path) -> Iterator[Change]:
    """Blocks; yields each relevant batch of saves (Ctrl-C ends it with KeyboardInterrupt)."""
    targets = [project_root / name for name in WATCHED if (project_root / name).exists()]
    for batch in watchfiles.watch(*targets, debounce=DEBOUNCE_MS, step=20, raise_interrupt=True):
        change = classify(project_root, (path for _, path in batch))
        if change is not None:
            yield change
