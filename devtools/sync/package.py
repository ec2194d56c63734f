"""The function's zip as the stack bundles it: the last deploy's dependencies plus processor/."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

from devtools.errors import StackNotDeployedError
from devtools.paths import StatePaths
from devtools.sync.fingerprint import asset_files

# stack/processing.py's handler: the function whose asset sync replaces
HANDLER = "processor.handler.lambda_handler"
PROCESSOR_PACKAGE = "processor"


def deployed_asset(paths: StatePaths, stack_name: str) -> Path:
    """The bundled asset folder the last deploy uploaded for the processor function."""
    template_path = paths.cdk_out / f"{stack_name}.template.json"
    try:
        template = json.loads(template_path.read_text())
    except (OSError, ValueError) as exc:
        raise StackNotDeployedError(
            f"no synthesized template at {template_path} ({exc}); run `devtools deploy` first"
        ) from exc
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        if resource.get("Properties", {}).get("Handler") != HANDLER:
            continue
        asset = str(resource.get("Metadata", {}).get("aws:asset:path", ""))
        if asset and (paths.cdk_out / asset).is_dir():
            return paths.cdk_out / asset
    raise StackNotDeployedError(
        f"{template_path} names no bundled asset for {HANDLER}; run `devtools deploy` first"
    )


def dependencies_zip(asset: Path, cache_dir: Path) -> bytes:
    """The asset without processor/, zipped once per asset (its name is the content hash)."""
    cached = cache_dir / f"{asset.name}.deps.zip"
    if cached.is_file():
        return cached.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for root, dirs, files in os.walk(asset):
            relative = Path(root).relative_to(asset)
            if relative == Path("."):
                dirs[:] = [name for name in dirs if name != PROCESSOR_PACKAGE]
            dirs.sort()
            for name in sorted(files):
                _add(archive, Path(root) / name, str(relative / name))
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = cached.with_suffix(".tmp")
    staging.write_bytes(buffer.getvalue())
    staging.replace(cached)
    # zips of older assets are never read again
    for stale in cache_dir.glob("*.deps.zip"):
        if stale != cached:
            stale.unlink(missing_ok=True)
    return buffer.getvalue()


def function_zip(dependencies: bytes, processor_dir: Path) -> bytes:
    """Dependencies at the root and processor/ beside them, like stack/bundling.build_asset."""
    buffer = io.BytesIO(dependencies)
    buffer.seek(0, io.SEEK_END)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in asset_files(processor_dir):
            _add(archive, path, f"{PROCESSOR_PACKAGE}/{path.relative_to(processor_dir)}")
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, path: Path, name: str) -> None:
    info = zipfile.ZipInfo(name.replace(os.sep, "/"), date_time=(1980, 1, 1, 0, 0, 0))
    # world-readable, as the bundled asset (Lambda reads the files as another user)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with path.open("rb") as source, archive.open(info, "w") as target:
        shutil.copyfileobj(source, target)
