"""The Docker-free asset builder: cache keys, layout, cache hits, and the offline error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stack.bundling import (
    PIP_PLATFORM_ARGS,
    PROVIDED_BY_RUNTIME,
    DependencySet,
    _prune,
    build_asset,
    ensure_dependencies,
    platform_args,
    requirements_key,
    runtime_python,
)
from stack.errors import BundlingError


def _write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_cache_key_follows_the_requirements(tmp_path: Path) -> None:
    # GIVEN two requirement files that differ in one pin
    a = _write(tmp_path / "a.txt", "aws-lambda-powertools==3.37.0\n")
    b = _write(tmp_path / "b.txt", "aws-lambda-powertools==3.36.0\n")
    same = _write(tmp_path / "c.txt", "aws-lambda-powertools==3.37.0\n")
    # THEN their keys differ, and equal content gives the same key
    assert requirements_key(a) != requirements_key(b)
    assert requirements_key(a) == requirements_key(same)


def test_cache_hit_never_runs_pip(tmp_path: Path) -> None:
    # GIVEN a completed cache entry for the requirements
    requirements = _write(tmp_path / "requirements.txt", "example==1.0\n")
    entry = tmp_path / "cache" / requirements_key(requirements)
    _write(entry / "example" / "__init__.py")
    _write(entry / ".complete")
    # WHEN dependencies are requested with a python that cannot even start
    found = ensure_dependencies(
        requirements, tmp_path / "cache", python="/nonexistent/python", platform=PIP_PLATFORM_ARGS
    )
    # THEN the cached folder is returned
    assert found == DependencySet(entry, from_cache=True)


def test_unreachable_index_without_cache_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an index nobody listens on, no pip config, and an empty cache
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    requirements = _write(tmp_path / "processor" / "requirements.txt", "six==1.17.0\n")
    cache = tmp_path / "cache"
    # WHEN the dependencies are needed
    with pytest.raises(BundlingError) as raised:
        ensure_dependencies(requirements, cache)
    # THEN one line says what failed, why, and what to do; no half-filled cache is left
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("cannot install processor/requirements.txt for the Lambda asset")
    assert "check network access to the package index" in message
    assert list(cache.iterdir()) == []


def test_asset_layout_excludes_caches_and_tests(tmp_path: Path) -> None:
    # GIVEN installed dependencies and a processor folder with byte-code and tests in it
    deps = tmp_path / "deps"
    _write(deps / "aws_lambda_powertools" / "__init__.py")
    _write(deps / ".complete")
    processor = tmp_path / "processor"
    _write(processor / "__init__.py")
    _write(processor / "handler.py", "def lambda_handler(event, context): ...\n")
    _write(processor / "__pycache__" / "handler.cpython-313.pyc")
    _write(processor / "tests" / "test_x.py")
    # WHEN the asset is laid out
    out = tmp_path / "asset"
    out.mkdir()
    build_asset(out, deps, processor)
    # THEN the handler imports as processor.handler, beside the dependencies, nothing else
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == [
        "aws_lambda_powertools/__init__.py",
        "processor/__init__.py",
        "processor/handler.py",
    ]
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" for p in out.rglob("*") if p.is_file())


def test_runtime_provided_packages_are_not_bundled() -> None:
    # The Lambda runtime ships the SDK and its dependencies; bundling part of that closure
    # would mix versions the runtime's botocore was not released with.
    assert set(PROVIDED_BY_RUNTIME) == {
        "boto3", "botocore", "s3transfer", "jmespath", "python_dateutil", "six", "urllib3",
    }  # fmt: skip


def test_sdk_closure_is_pruned_from_installed_dependencies(tmp_path: Path) -> None:
    # GIVEN what pip installs for Powertools' tracer extra (names as pip lays them out)
    deps = tmp_path / "deps"
    for name in (
        "aws_xray_sdk/__init__.py", "wrapt/__init__.py", "botocore/__init__.py",
        "urllib3/__init__.py", "urllib3-2.5.0.dist-info/METADATA", "six.py",
        "six-1.17.0.dist-info/METADATA", "dateutil/__init__.py",
        "python_dateutil-2.9.0.dist-info/METADATA", "jmespath/__init__.py", "bin/jp.py",
    ):  # fmt: skip
        _write(deps / name)
    _prune(deps)
    assert sorted(p.name for p in deps.iterdir()) == ["aws_xray_sdk", "wrapt"]


def test_byte_code_is_compiled_once_in_the_cache_and_for_the_processor(tmp_path: Path) -> None:
    python = runtime_python()
    if python is None:
        pytest.fail("python3.13 is needed to build the asset's byte-code: `pyenv install 3.13`")
    deps = tmp_path / "deps"
    _write(deps / "lib" / "__init__.py", "X = 1\n")
    _write(deps / ".complete")
    processor = tmp_path / "processor"
    _write(processor / "__init__.py")
    out = tmp_path / "asset"
    out.mkdir()
    build_asset(out, deps, processor, python=python)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == [
        "lib/__init__.py",
        "lib/__pycache__/__init__.cpython-313.pyc",
        "processor/__init__.py",
        "processor/__pycache__/__init__.cpython-313.pyc",
    ]
    # AND without the runtime's Python, the cache's byte-code is not shipped either
    bare = tmp_path / "bare"
    bare.mkdir()
    build_asset(bare, deps, processor)
    assert not list(bare.rglob("*.pyc"))


def test_against_an_emulator_dependencies_are_for_the_host(tmp_path: Path) -> None:
    # GIVEN the CDK app run by `devtools deploy` (AWS_ENDPOINT_URL set) or for AWS (not set)
    emulator = platform_args({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})
    aws = platform_args({})
    # THEN the emulator gets the host's wheels (compiled ones must load on the host's Python),
    # AWS gets Lambda's, and the two never share a cache entry
    assert emulator == ()
    assert aws == PIP_PLATFORM_ARGS
    requirements = _write(tmp_path / "requirements.txt", "msgspec==0.23.0\n")
    assert requirements_key(requirements, emulator, "py") != requirements_key(requirements, aws)
