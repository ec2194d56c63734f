"""Does the processor import? One `file:line: problem` line when it does not."""

from __future__ import annotations

import json
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

# What the function runs first: importing it pulls in every module the handler uses.
HANDLER_MODULE = "processor.handler"
# The check runs in a child: the caller's own module cache must not hide an edit.
_CHECK_TIMEOUT_SECONDS = 60.0


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
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if _inside(frame.filename, root) and "/devtools/" not in frame.filename
    ]
    if frames:
        last = frames[-1]
        return ImportProblem(_relative(last.filename, root), last.lineno or 0, problem)
    return ImportProblem(HANDLER_MODULE.replace(".", "/") + ".py", 0, problem)


def check(project_root: Path, *, python: str = sys.executable) -> ImportProblem | None:
    """Import the handler in a fresh interpreter rooted at `project_root`; None when it works."""
    result = subprocess.run(
        [python, "-c", _CHILD, str(project_root), HANDLER_MODULE],
        capture_output=True,
        text=True,
        timeout=_CHECK_TIMEOUT_SECONDS,
        cwd=project_root,
        check=False,
    )
    if result.returncode == 0:
        return None
    try:
        raw = json.loads(result.stdout.strip().splitlines()[-1])
        return ImportProblem(str(raw["file"]), int(raw["line"]), str(raw["problem"]))
    except (IndexError, ValueError, KeyError, TypeError):
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return ImportProblem(HANDLER_MODULE.replace(".", "/") + ".py", 0, last)


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


# Runs in the child: the project root first on sys.path, so its processor/ is the one imported.
_CHILD = """
import importlib, json, sys
from pathlib import Path
root = sys.argv[1]
sys.path.insert(0, root)
try:
    importlib.import_module(sys.argv[2])
except BaseException as exc:
    from devtools.sync.imports import describe
    found = describe(exc, Path(root))
    print(json.dumps({"file": found.file, "line": found.line, "problem": found.problem}))
    sys.exit(1)
"""
