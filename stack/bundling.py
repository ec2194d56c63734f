"""Builds the Lambda asset without Docker: the processor package plus its pinned dependencies."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import ILocalBundling

from stack.errors import BundlingError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROCESSOR_DIR = PROJECT_ROOT / "processor"
DEPS_CACHE_DIR = PROJECT_ROOT / ".cache" / "lambda-deps"

# The Lambda runtime (python3.13, arm64) the wheels must match.
PIP_PLATFORM_ARGS = (
    "--platform",
    "manylinux2014_aarch64",
    "--implementation",
    "cp",
    "--python-version",
    "3.13",
    "--only-binary=:all:",
)
# Against an emulator (`devtools deploy` sets AWS_ENDPOINT_URL for the CDK app) the function
# runs on the host's Python with the code directory first on sys.path: a compiled wheel built
# for Lambda (msgspec for arm64/3.13) would shadow the host's own and fail to import. There,
# dependencies are installed for the interpreter that runs the emulator instead.
EMULATOR_ENV = "AWS_ENDPOINT_URL"


def platform_args(env: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """pip's target-platform arguments: Lambda's, or none (the host's) against an emulator."""
    return () if env.get(EMULATOR_ENV) else PIP_PLATFORM_ARGS


# SDK policy: the function runs on the SDK the python3.13 runtime ships (boto3/botocore 1.34+,
# and their dependencies), so none of that closure is bundled - neither boto3/botocore (pulled
# in by aws-xray-sdk) nor a newer urllib3, jmespath, dateutil or six beside the runtime's
# botocore, the mix the Lambda packaging docs warn against. The processor uses only what botocore
# 1.34 offers; tests/integration/processor/test_asset_on_runtime_sdk.py runs the asset on
# python3.13 with boto3/botocore 1.34.145. Distribution name -> top-level names it installs.
PROVIDED_BY_RUNTIME: dict[str, tuple[str, ...]] = {
    "boto3": ("boto3",),
    "botocore": ("botocore",),
    "s3transfer": ("s3transfer",),
    "jmespath": ("jmespath",),
    "python_dateutil": ("dateutil",),
    "six": ("six.py",),
    "urllib3": ("urllib3",),
}
# Never shipped: byte-code caches, tests, tool caches.
EXCLUDED_NAMES = ("__pycache__", "*.pyc", "tests", ".pytest_cache", ".mypy_cache", ".ruff_cache")
# The asset ships byte-code for the runtime's Python, compiled by that Python: unchecked-hash
# .pyc files are used as they are (the zip's timestamps do not matter, and /var/task is
# read-only, so without them every cold start compiles every module again).
RUNTIME_PYTHON = "python3.13"
PYTHON_ENV = "LAMBDA_PYTHON"
_COMPLETE_MARKER = ".complete"
_BYTECODE_MARKER = ".bytecode"


@dataclass(frozen=True)
class DependencySet:
    """A folder of installed runtime dependencies, and whether it came from the cache."""

    path: Path
    from_cache: bool


def requirements_key(
    requirements: Path, platform: tuple[str, ...] = PIP_PLATFORM_ARGS, python: str = ""
) -> str:
    """Cache key: the requirements' content and the target platform (the interpreter's
    version when installing for the host)."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update("\0".join(platform or ("host", python)).encode())
    digest.update(repr(sorted(PROVIDED_BY_RUNTIME.items())).encode())
    return digest.hexdigest()[:20]


def _prune(target: Path) -> None:
    provided = {n.lower() for names in PROVIDED_BY_RUNTIME.values() for n in names}
    dist_prefixes = tuple(f"{dist.lower()}-" for dist in PROVIDED_BY_RUNTIME)
    for child in list(target.iterdir()):
        name = child.name.lower()
        dist_info = name.endswith(".dist-info") and name.startswith(dist_prefixes)
        if name in provided or dist_info or name in ("bin", "__pycache__"):
            shutil.rmtree(child) if child.is_dir() else child.unlink()


def runtime_python(environ: dict[str, str] | None = None) -> Path | None:
    """The local python3.13 that compiles the asset's byte-code: $LAMBDA_PYTHON, pyenv, PATH."""
    env = os.environ if environ is None else environ
    if env.get(PYTHON_ENV):
        return Path(env[PYTHON_ENV])
    pyenv = Path(env.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    version = RUNTIME_PYTHON.removeprefix("python")
    candidates = sorted(pyenv.glob(f"{version}*/bin/{RUNTIME_PYTHON}"))
    if candidates:
        return candidates[-1]
    found = shutil.which(RUNTIME_PYTHON)
    # A pyenv shim answers even when that version is not selected, then fails: not a Python.
    return Path(found) if found and "/shims/" not in found else None


def compile_bytecode(folder: Path, python: Path, *, parallel: bool = False) -> None:
    """Compile every module under `folder` with `python` into unchecked-hash .pyc files."""
    command = [
        str(python), "-m", "compileall", "-q", "-j", "0" if parallel else "1",
        "--invalidation-mode", "unchecked-hash", str(folder),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = result.stdout.strip().splitlines() or result.stderr.strip().splitlines() or [""]
        raise BundlingError(
            f"cannot compile the Lambda asset with {python} (exit {result.returncode}: "
            f"{last[-1]}): set {PYTHON_ENV} to a working {RUNTIME_PYTHON}"
        )


def ensure_dependencies(
    requirements: Path = PROCESSOR_DIR / "requirements.txt",
    cache_dir: Path = DEPS_CACHE_DIR,
    *,
    python: str = sys.executable,
    platform: tuple[str, ...] | None = None,
) -> DependencySet:
    """Return the installed dependencies for `requirements`, running pip only on a cache miss."""
    platform = platform_args() if platform is None else platform
    host = "" if platform else f"{python}:{sys.version_info[:2]}"
    target = cache_dir / requirements_key(requirements, platform, host)
    if (target / _COMPLETE_MARKER).exists():
        return DependencySet(target, from_cache=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="install-", dir=cache_dir))
    command = [
        python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-warn-conflicts", "--no-compile", "--retries", "1", "--timeout", "15",
        "--target", str(staging), *platform, "-r", str(requirements),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise BundlingError(
            f"cannot install {requirements.relative_to(requirements.parents[1])} for the Lambda "
            f"asset (pip exit {result.returncode}: {last}) and nothing is cached in {target}: "
            f"check network access to the package index and the pins, then synth again"
        )
    _prune(staging)
    (staging / _COMPLETE_MARKER).write_text(" ".join(command[3:]) + "\n")
    try:
        staging.rename(target)
    except OSError:
        # A concurrent synth finished the same key first; its copy is as good as ours.
        shutil.rmtree(staging, ignore_errors=True)
    return DependencySet(target, from_cache=False)


def build_asset(
    output_dir: Path,
    dependencies: Path,
    processor_dir: Path = PROCESSOR_DIR,
    *,
    python: Path | None = None,
) -> None:
    """Lay out the asset: dependencies at the root, `processor/` as a package beside them;
    with `python` (the runtime's version), compiled byte-code beside every module."""
    ignore = shutil.ignore_patterns(*EXCLUDED_NAMES)
    if python is not None:
        # The installed dependencies are compiled once, in the cache, and copied with it.
        marker = dependencies / f"{_BYTECODE_MARKER}-{RUNTIME_PYTHON}"
        if not marker.exists():
            compile_bytecode(dependencies, python, parallel=True)
            marker.write_text(f"{python}\n")
    shutil.copytree(
        dependencies,
        output_dir,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(
            _COMPLETE_MARKER,
            f"{_BYTECODE_MARKER}-*",
            *(() if python is not None else ("__pycache__",)),
        ),
    )
    shutil.copytree(processor_dir, output_dir / "processor", dirs_exist_ok=True, ignore=ignore)
    if python is not None:
        compile_bytecode(output_dir / "processor", python)
    # Deterministic permissions: Lambda needs world-readable files.
    for root, dirs, files in os.walk(output_dir):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


@jsii.implements(ILocalBundling)
class LocalProcessorBundling:
    """CDK local bundling: copies pre-installed dependencies and the processor, never Docker."""

    def __init__(
        self,
        dependencies: Path,
        processor_dir: Path = PROCESSOR_DIR,
        *,
        python: Path | None = None,
    ) -> None:
        self._dependencies = dependencies
        self._processor_dir = processor_dir
        self._python = python

    # jsii passes the BundlingOptions positionally although the typed stub declares keywords.
    def try_bundle(self, output_dir: str, *_args: Any, **_kwargs: Any) -> bool:
        build_asset(Path(output_dir), self._dependencies, self._processor_dir, python=self._python)
        return True
