"""Does the processor import? One `file:line: problem` line when it does not."""

from __future__ import annotations

import ast
import contextlib
import importlib
import json
import os
import sys
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# What the function runs first: importing it pulls in every module the handler uses.
HANDLER_MODULE = "processor.handler"


@dataclass(frozen=True)
class ImportProblem:
    """Where importing the processor failed (`line` 0 when no line is known)."""

    file: str
    line: int
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.problem}"


def describe(exc: BaseException, project_root: Path) -> ImportProblem:
    """The innermost place inside the project that the exception points at."""
    root = project_root.resolve()
    problem = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError) and exc.filename:
        # the message without CPython's "(file.py, line N)" suffix, which we print in front
        return ImportProblem(_relative(exc.filename, root), exc.lineno or 0, _syntax(exc))
    # the innermost frame in processor/, else anywhere in the checkout (devtools' own code);
    # never a library's frame, even when the virtualenv lives inside the checkout
    processor = root / HANDLER_MODULE.split(".")[0]
    inside = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if _inside(f.filename, root) and "site-packages" not in f.filename
    ]
    frames = [f for f in inside if _inside(f.filename, processor)] or inside
    if frames:
        last = frames[-1]
        return ImportProblem(_relative(last.filename, root), last.lineno or 0, problem)
    return ImportProblem(HANDLER_MODULE.replace(".", "/") + ".py", 0, problem)


class PendingCheck:
    """An import check running in a child; `result()` waits for it."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self._pid = pid
        self._read_fd = read_fd

    def result(self) -> ImportProblem | None:
        with os.fdopen(self._read_fd, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        if os.waitstatus_to_exitcode(status) == 0 and not payload:
            return None
        try:
            raw = json.loads(payload)
            return ImportProblem(str(raw["file"]), int(raw["line"]), str(raw["problem"]))
        except (ValueError, KeyError, TypeError):
            return ImportProblem(
                HANDLER_MODULE.replace(".", "/") + ".py", 0, "the import check crashed"
            )


def start_check(project_root: Path, env: Mapping[str, str]) -> PendingCheck:
    """Import the handler in a forked child with the function's environment.

    A fork starts from this process's already imported modules (boto3, and the processor's
    dependencies after `warm`), so the check costs little more than importing processor/
    itself; the child's fresh module table means an edit is never hidden by a cached import.
    """
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "multi-threaded fork" (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which leaves through os._exit
        os.close(read_fd)
        code = 1
        try:
            code = _child(project_root, env, write_fd)
        finally:
            os._exit(code)
    os.close(write_fd)
    return PendingCheck(pid, read_fd)


def check(project_root: Path, env: Mapping[str, str]) -> ImportProblem | None:
    """`start_check` and wait for it."""
    return start_check(project_root, env).result()


def warm(project_root: Path) -> None:
    """Import the processor's third-party modules here, so forked checks find them loaded."""
    names: set[str] = set()
    for path in (project_root / "processor").rglob("*.py"):
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    for name in sorted(names):
        if name.split(".")[0] in ("processor", "__future__"):
            continue
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _child(project_root: Path, env: Mapping[str, str], write_fd: int) -> int:  # pragma: no cover
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.environ.update(env)
    root = str(project_root.resolve())
    sys.path.insert(0, root)
    for name in [name for name in sys.modules if name.split(".")[0] == "processor"]:
        del sys.modules[name]
    importlib.invalidate_caches()
    with os.fdopen(write_fd, "wb") as pipe:
        try:
            importlib.import_module(HANDLER_MODULE)
        except BaseException as exc:
            found = describe(exc, project_root)
            pipe.write(
                json.dumps(
                    {"file": found.file, "line": found.line, "problem": found.problem}
                ).encode()
            )
            return 1
    return 0


def _syntax(exc: SyntaxError) -> str:
    return f"{type(exc).__name__}: {exc.msg}"


def _inside(filename: str, root: Path) -> bool:
    try:
        Path(filename).resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def _relative(filename: str, root: Path) -> str:
    try:
        return str(Path(filename).resolve().relative_to(root))
    except (ValueError, OSError):
        return filename
