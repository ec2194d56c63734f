"""Content hashes of processor/, its pinned dependencies and stack/, recorded at each deploy."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from devtools.paths import StatePaths

REQUIREMENTS = Path("processor") / "requirements.txt"
# What the asset never contains (the same names as stack/bundling.py's EXCLUDED_NAMES; a unit
# test keeps the two equal): byte-code, tests and tool caches do not change the function.
EXCLUDED_DIRS = frozenset({"__pycache__", "tests", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
EXCLUDED_SUFFIXES = (".pyc",)
# stack/ and the CDK settings decide the infrastructure; a change there needs CloudFormation.
STACK_FILES = ("stack", "cdk.json")


@dataclass(frozen=True)
class Fingerprint:
    """Hashes of the three parts a change can touch."""

    processor: str
    requirements: str
    stack: str


@dataclass(frozen=True)
class SourceRecord:
    """What the emulator runs: the last deploy's fingerprint, and the last sync after it."""

    deployed: Fingerprint
    deployed_at: float
    synced_processor: str | None = None
    synced_at: float | None = None
    code_sha256: str | None = None
    # the function's environment, so the import check can start before any AWS call
    function_env: dict[str, str] | None = None

    @property
    def synced_since_deploy(self) -> bool:
        return self.synced_at is not None and self.synced_at >= self.deployed_at


def asset_files(processor_dir: Path) -> list[Path]:
    """The processor's files that go into the asset, in a stable order."""
    found: list[Path] = []
    for path in sorted(processor_dir.rglob("*")):
        relative = path.relative_to(processor_dir)
        if any(part in EXCLUDED_DIRS for part in relative.parts):
            continue
        if path.is_file() and not path.name.endswith(EXCLUDED_SUFFIXES):
            found.append(path)
    return found


def _hash_files(root: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def _stack_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in STACK_FILES:
        target = root / name
        if target.is_file():
            files.append(target)
        elif target.is_dir():
            files.extend(
                path
                for path in sorted(target.rglob("*.py"))
                if "__pycache__" not in path.parts and "tests" not in path.parts
            )
    return files


def take(project_root: Path) -> Fingerprint:
    processor_dir = project_root / "processor"
    code = [path for path in asset_files(processor_dir) if path.name != REQUIREMENTS.name]
    requirements = project_root / REQUIREMENTS
    return Fingerprint(
        processor=_hash_files(project_root, code),
        requirements=_hash_files(project_root, [requirements] if requirements.is_file() else []),
        stack=_hash_files(project_root, _stack_files(project_root)),
    )


def _record_path(paths: StatePaths) -> Path:
    return paths.root / "deployed-source.json"


def load(paths: StatePaths) -> SourceRecord | None:
    try:
        raw = json.loads(_record_path(paths).read_text())
        return SourceRecord(**{**raw, "deployed": Fingerprint(**raw["deployed"])})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save(paths: StatePaths, record: SourceRecord) -> None:
    target = _record_path(paths)
    staging = target.with_suffix(".tmp")
    staging.write_text(json.dumps(asdict(record), indent=2))
    staging.replace(target)


def record_deploy(
    paths: StatePaths, deployed: Fingerprint, function_env: dict[str, str] | None = None
) -> None:
    """Called after a successful deploy with the fingerprint taken before its synth."""
    _save(
        paths,
        SourceRecord(deployed=deployed, deployed_at=time.time(), function_env=function_env),
    )


def record_sync(paths: StatePaths, record: SourceRecord, processor: str, code_sha256: str) -> None:
    _save(
        paths,
        SourceRecord(
            deployed=record.deployed,
            deployed_at=record.deployed_at,
            synced_processor=processor,
            synced_at=time.time(),
            code_sha256=code_sha256,
            function_env=record.function_env,
        ),
    )


def forget(paths: StatePaths) -> None:
    _record_path(paths).unlink(missing_ok=True)
