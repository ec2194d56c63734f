"""The python3.13 Lambda runtime's SDK, reproduced locally for tests and benchmarks (PyPI only)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from stack.bundling import PROJECT_ROOT, compile_bytecode, runtime_python

# An SDK older than any the python3.13 runtime has shipped with since its launch: the asset
# must start on it (the runtime's SDK is what the function gets; see stack/bundling.py).
RUNTIME_SDK = ("boto3==1.34.145", "botocore==1.34.145")
CACHE_DIR = PROJECT_ROOT / ".cache" / "runtime-sdk"
_COMPLETE = ".complete"


class RuntimeSdkError(RuntimeError):
    """When python3.13 is missing or the SDK cannot be installed."""


def python313() -> Path:
    """The local python3.13 (pyenv, PATH or $LAMBDA_PYTHON), or a clear error."""
    python = runtime_python()
    if python is None:
        raise RuntimeSdkError(
            "no python3.13 found (pyenv versions, PATH or $LAMBDA_PYTHON): install it, e.g. "
            "`pyenv install 3.13`"
        )
    return python


def ensure_runtime_sdk() -> Path:
    """A folder holding boto3/botocore as pinned above and their dependencies, for 3.13."""
    key = hashlib.sha256("\0".join(RUNTIME_SDK).encode()).hexdigest()[:16]
    target = CACHE_DIR / key
    if (target / _COMPLETE).exists():
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="install-", dir=CACHE_DIR))
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--target", str(staging), "--python-version", "3.13",
        "--implementation", "cp", "--only-binary=:all:", *RUNTIME_SDK,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeSdkError(f"cannot install {' '.join(RUNTIME_SDK)}: {result.stderr[-500:]}")
    # The runtime's own SDK comes compiled, as the asset does: compare like with like.
    compile_bytecode(staging, python313(), parallel=True)
    (staging / _COMPLETE).write_text(" ".join(RUNTIME_SDK) + "\n")
    try:
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # a concurrent run finished first
    return target


if __name__ == "__main__":
    print(ensure_runtime_sdk())
