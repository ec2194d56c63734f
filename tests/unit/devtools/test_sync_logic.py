"""sync's pure parts: the import check's one line, change classification, fingerprints."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.sync import fingerprint, imports, watching
from devtools.sync.fingerprint import SourceRecord
from devtools.sync.flow import changed_infrastructure
from devtools.testing.checkout import copy_sources
from stack.bundling import EXCLUDED_NAMES


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the processor and the stack's sources, to break on purpose."""
    return copy_sources(tmp_path)


ENV = {
    "RESULTS_TABLE_NAME": "results",
    "AGGREGATES_TABLE_NAME": "aggregates",
    "QUARANTINE_BUCKET_NAME": "quarantine",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def test_the_processor_as_shipped_imports(project: Path) -> None:
    assert imports.check(project, ENV) is None


def test_a_syntax_error_is_one_file_line_problem(project: Path) -> None:
    target = project / "processor" / "pipeline.py"
    lines = target.read_text().splitlines()
    target.write_text("\n".join([*lines, "broken = (", ""]))
    problem = imports.check(project, ENV)
    assert problem is not None
    assert (
        str(problem) == f"processor/pipeline.py:{len(lines) + 1}: SyntaxError: '(' was never closed"
    )


def test_an_import_error_points_at_the_importing_line(project: Path) -> None:
    target = project / "processor" / "store.py"
    lines = target.read_text().splitlines()
    target.write_text("\n".join([*lines, "import no_such_module_anywhere", ""]))
    problem = imports.check(project, ENV)
    assert problem is not None
    assert (problem.file, problem.line) == ("processor/store.py", len(lines) + 1)
    assert "No module named 'no_such_module_anywhere'" in problem.problem


def test_an_error_raised_at_import_time_names_its_line(project: Path) -> None:
    problem = imports.check(project, {key: ENV[key] for key in ("AWS_REGION",)})
    assert problem is not None
    assert problem.file.startswith("processor/")
    assert problem.line > 0
    assert "RESULTS_TABLE_NAME" in problem.problem


def test_asset_exclusions_match_the_stack_bundling() -> None:
    expected = {name for name in EXCLUDED_NAMES if not name.startswith("*")}
    assert expected == set(fingerprint.EXCLUDED_DIRS)
    assert {name[1:] for name in EXCLUDED_NAMES if name.startswith("*")} == set(
        fingerprint.EXCLUDED_SUFFIXES
    )


def test_only_stack_and_pins_need_a_deploy(project: Path) -> None:
    record = SourceRecord(deployed=fingerprint.take(project), deployed_at=0.0)
    (project / "processor" / "pipeline.py").write_text("# edited\n")
    assert changed_infrastructure(record, fingerprint.take(project)) == []
    (project / "processor" / "requirements.txt").write_text("aws-lambda-powertools==9.9\n")
    (project / "stack" / "app.py").write_text("# edited\n")
    assert changed_infrastructure(record, fingerprint.take(project)) == [
        "stack/ (or cdk.json)",
        "processor/requirements.txt",
    ]


def test_saves_are_classified(project: Path) -> None:
    def classify(*names: str) -> watching.Change | None:
        return watching.classify(project, [str(project / name) for name in names])

    assert classify("processor/pipeline.py") == watching.Change(
        ("processor/pipeline.py",), needs_deploy=False
    )
    assert classify("processor/__pycache__/x.pyc", "processor/tests/t.py") is None
    assert classify("processor/requirements.txt") == watching.Change(
        ("processor/requirements.txt",), needs_deploy=True
    )
    change = classify("stack/storage.py", "processor/store.py")
    assert change is not None
    assert change.needs_deploy
    assert classify("stack/README.md") is None


def _import_error_in(project: Path, relative: str) -> ImportError:
    code = compile("from os import nothing_here", str(project / relative), "exec")
    try:
        exec(code, {})
    except ImportError as exc:
        return exc
    raise AssertionError("the import did not fail")


def test_an_import_error_in_devtools_itself_is_not_blamed_on_the_processor(
    project: Path,
) -> None:
    # the CLI reports only processor/ problems as user errors; devtools' own are bugs
    assert imports.describe(_import_error_in(project, "devtools/cli/x.py"), project).file == (
        "devtools/cli/x.py"
    )
    assert imports.describe(_import_error_in(project, "processor/x.py"), project).file == (
        "processor/x.py"
    )
