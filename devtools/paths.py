"""The project-local `.devtools/` layout (docs/contracts.md), overridable for tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

STATE_DIR_ENV = "DEVTOOLS_STATE_DIR"
STATE_DIR_NAME = ".devtools"


def project_root(start: Path | None = None) -> Path:
    """The folder holding `cdk.json`: searched upwards from `start` (cwd), else this checkout."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "cdk.json").is_file() and (folder / "stack").is_dir():
            return folder
    # an installed devtools run from elsewhere still finds its own checkout (editable install)
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StatePaths:
    """Every file devtools keeps locally, under one root (default `<project>/.devtools`)."""

    root: Path

    @classmethod
    def resolve(cls, state_dir: str | Path | None = None) -> StatePaths:
        """`--state-dir`, else `DEVTOOLS_STATE_DIR`, else `<project root>/.devtools`."""
        chosen = state_dir or os.environ.get(STATE_DIR_ENV)
        root = Path(chosen) if chosen else project_root() / STATE_DIR_NAME
        return cls(root.expanduser().resolve())

    # emulator
    @property
    def ministack_dir(self) -> Path:
        return self.root / "ministack"

    @property
    def ministack_state(self) -> Path:
        return self.ministack_dir / "state"

    @property
    def ministack_pid(self) -> Path:
        return self.ministack_dir / "ministack.pid"

    @property
    def ministack_log(self) -> Path:
        return self.ministack_dir / "ministack.log"

    @property
    def ministack_info(self) -> Path:
        """Endpoint and start time of the emulator `up` started, so other commands find it."""
        return self.ministack_dir / "ministack.json"

    # CDK
    @property
    def cdk_home(self) -> Path:
        return self.root / "cdk-home"

    @property
    def cdk_out(self) -> Path:
        return self.root / "cdk.out"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs.json"

    @property
    def verification(self) -> Path:
        """The last deploy verification report (JSON), shown again by `status`."""
        return self.root / "verification.json"

    # mapping driver (owned by devtools/driver)
    @property
    def driver_dir(self) -> Path:
        return self.root / "driver"

    def ensure(self) -> StatePaths:
        """Create the layout private to the user (700): it holds every stored event."""
        for folder in (self.root, self.ministack_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.chmod(0o700)
        return self
