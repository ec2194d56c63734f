"""All-or-nothing emulator state saves: fsynced private temporaries, a commit log, renames."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

COMMIT_FILE = "state-commit.json"
TMP_SUFFIX = ".tmp"
CHUNK = 4 * 1024 * 1024
FILE_MODE = 0o600
DIR_MODE = 0o700

Progress = Callable[[int], None]


def write_private(
    path: Path, data: bytes, *, on_bytes: Progress | None = None, durable: bool = True
) -> None:
    """Write `data` to `path` (created 600), in chunks so a watcher sees it grow, then fsync."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an older file keeps its mode through O_TRUNC
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            os.write(fd, view[start : start + CHUNK])
            if on_bytes is not None:
                on_bytes(min(len(view), start + CHUNK))
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


class StateSave:
    """One save: each file goes to `<name>.tmp` first; `commit` renames them all together.

    A save killed before the commit log is written leaves the previous state untouched; one
    killed after it is finished by `roll_forward` at the next start. Readers never see a torn
    file, nor a mix of files from two saves.
    """

    def __init__(self, control_dir: Path) -> None:
        self.control_dir = control_dir
        self.pending: list[tuple[Path, Path]] = []
        self.failed: list[str] = []

    def write(self, target: Path, data: bytes, *, on_bytes: Progress | None = None) -> None:
        tmp = target.with_name(target.name + TMP_SUFFIX)
        target.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        write_private(tmp, data, on_bytes=on_bytes)
        self.pending.append((tmp, target))

    def remove(self, target: Path) -> None:
        """`target` must not exist after the commit (e.g. no driver checkpoints at save time)."""
        self.pending.append((Path(os.devnull), target))

    def commit(self) -> bool:
        """Make the save visible; False (nothing changed) when any write failed."""
        if self.failed:
            self.abandon()
            return False
        log = self.control_dir / COMMIT_FILE
        body = json.dumps([[str(tmp), str(target)] for tmp, target in self.pending]).encode()
        write_private(log.with_name(log.name + TMP_SUFFIX), body)
        os.replace(log.with_name(log.name + TMP_SUFFIX), log)
        _fsync_dir(self.control_dir)
        roll_forward(self.control_dir)
        return True

    def abandon(self) -> None:
        for tmp, _ in self.pending:
            if tmp != Path(os.devnull):
                tmp.unlink(missing_ok=True)
        self.pending.clear()


def roll_forward(control_dir: Path) -> int:
    """Finish a committed save that was interrupted during its renames; how many files moved."""
    log = control_dir / COMMIT_FILE
    try:
        entries = json.loads(log.read_text())
    except FileNotFoundError:
        return 0
    except ValueError:
        log.unlink(missing_ok=True)  # torn log: its save never committed
        return 0
    moved = 0
    folders: set[Path] = set()
    for tmp_name, target_name in entries:
        tmp, target = Path(tmp_name), Path(target_name)
        if tmp == Path(os.devnull):
            target.unlink(missing_ok=True)
        elif tmp.exists():
            os.replace(tmp, target)
            moved += 1
        folders.add(target.parent)
    for folder in folders:
        _fsync_dir(folder)
    log.unlink(missing_ok=True)
    return moved


def discard_partial(folders: Iterable[Path]) -> list[Path]:
    """Temporaries of a save that never committed (the process was killed while writing)."""
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for tmp in folder.glob(f"*{TMP_SUFFIX}"):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def make_private(root: Path) -> None:
    """Directories 700, files 600 (700 if executable) under `root` (older state was 755/644)."""
    if not root.exists():
        return
    with contextlib.suppress(OSError):
        root.chmod(DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            with contextlib.suppress(OSError):
                (Path(folder) / name).chmod(DIR_MODE)
        for name in files:
            path = Path(folder) / name
            with contextlib.suppress(OSError):
                if not path.is_symlink():
                    # keep the owner's execute bit (a bundled asset may hold a program)
                    path.chmod(DIR_MODE if path.stat().st_mode & 0o100 else FILE_MODE)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
