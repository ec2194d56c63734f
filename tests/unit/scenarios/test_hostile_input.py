"""Hostile scenario and event input: one line, exit 1, within seconds and bounded memory."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from devtools.cli.main import main
from devtools.json_depth import too_deep
from devtools.partition_key import problem as partition_key_problem
from devtools.scenarios import templates
from devtools.scenarios.limits import MAX_RECORDS_ENV

HEAD = "version: 1\nname: hostile\ntraffic:\n"
LAUGHS = 'version: 1\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)
MEMORY_LIMIT = 1024 * 1024 * 1024  # the CLI needs ~60 MB; a billion laughs needs gigabytes


def dry_run(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    result = CliRunner().invoke(
        main,
        ["--state-dir", str(tmp_path / "state"), "replay", "--dry-run", str(path)],
        env={"NO_COLOR": "1", "COLUMNS": "400", **(env or {})},
    )
    return result.exit_code, result.stderr.strip()


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def test_a_billion_laughs_is_refused_in_one_line_with_bounded_memory(tmp_path: Path) -> None:
    # GIVEN a YAML file whose aliases expand to 9^9 values (gigabytes once built)
    path = tmp_path / "bomb.yaml"
    path.write_text(LAUGHS)
    # WHEN the real CLI validates it in a process capped at 1 GiB of address space
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "devtools.cli.main",
            "--state-dir",
            str(tmp_path / "s"),
            "replay",
            "--dry-run",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
        env={"NO_COLOR": "1", "COLUMNS": "400", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    # THEN one line names the file, the line and the danger; exit 1, not a bug
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().startswith(f"{path}:7: aliases expand to more than 200,000")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nx: &a [1, *a]\n", ":2: alias *a refers to its own anchor"),
        ("version: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n", ":2: nesting deeper than 64 levels"),
        (
            HEAD + "  - events:\n      - " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
            ":5: nesting deeper than 64 levels",
        ),
    ],
    ids=["self-referencing-anchor", "deep-flow-list", "deep-event"],
)
def test_yaml_that_would_recurse_forever_is_refused_in_one_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    code, stderr = dry_run(tmp_path, text)
    assert code == 1, stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert expected in stderr


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (
            '  - generate: {type: click, count: 2, fields: {elementId: "{n:99999999999d}"}}',
            "width 99999999999 in ':99999999999d' exceeds 256",
        ),
        (
            "  - generate: {type: click, count: 2, fields: "
            '{elementId: "{n.__class__.__mro__[1].__subclasses__}"}}',
            "only plain names such as {n} are allowed",
        ),
        (
            '  - generate: {type: click, count: 2, fields: {elementId: "{n!r}"}}',
            "conversion '!r' is not allowed",
        ),
        (
            "  - generate: {type: click, count: 2, fields: "
            '{elementId: {int: [1, 5], format: "{:999999999d}"}}}',
            "exceeds 256",
        ),
        ("  - at: 1000000000000s\n    generate: {type: click, count: 2}", "longer than a week"),
        ("  - pause: 100000000h", "longer than a week"),
        (
            "  - generate: {type: click, count: 2, fields: "
            "{elementId: {int: [1, 100000000000000000000000]}}}",
            "int[2]: expected `int` <= 1000000000000000, got 100000000000000000000000",
        ),
        (
            "  - events:\n      - {eventType: click, userId: !!binary aGk=, elementId: e}",
            "tag !!binary is not allowed",
        ),
        (
            '  - partition_key: ""\n    generate: {type: click, count: 2}',
            "partition key must be 1-256 characters (got 0",
        ),
        (
            f'  - partition_key: "{"k" * 300}"\n    generate: {{type: click, count: 2}}',
            "partition key must be 1-256 characters (got 300",
        ),
        (
            "  - malformed:\n      - {text: x, reason: not_json, partition_key: ''}",
            "partition_key",
        ),
        (
            "  - partition_key: '{userId}{userId}{userId}{userId}{userId}{userId}{userId}"
            "{userId}{userId}{userId}{userId}{userId}{userId}{userId}{userId}{userId}{userId}"
            "{userId}{userId}{userId}{userId}{userId}{userId}{userId}{userId}{userId}{userId}"
            "{userId}{userId}{userId}'\n    generate: {type: click, count: 2}",
            "partition key must be 1-256 characters (got 270",
        ),
        (
            '  - generate: {type: click, count: 2, fields: {elementId: "{run:d}"}}',
            "does not fit the value",
        ),
        (
            "  - generate: {type: click, rate: 1000000, duration: 1h}",
            f"3,600,000,000 records, above the cap of 1,000,000; lower count or rate x "
            f"duration, or raise the cap with {MAX_RECORDS_ENV}=3600000000",
        ),
        (
            "  - name: a\n    generate: {type: click, count: 1000000}\n"
            "  - duplicate: {step: a, times: 100}",
            "101,000,000 records, above the cap",
        ),
    ],
    ids=[
        "huge-width",
        "attribute-traversal",
        "conversion",
        "huge-format-width",
        "huge-at",
        "huge-pause",
        "huge-int-range",
        "binary-tag",
        "empty-partition-key",
        "long-partition-key",
        "empty-malformed-key",
        "long-templated-key",
        "spec-does-not-fit",
        "rate-times-duration",
        "duplicates-times",
    ],
)
def test_hostile_scenario_values_are_one_line_exit_1(
    tmp_path: Path, step: str, expected: str
) -> None:
    # GIVEN a scenario with one hostile value WHEN it is validated by the CLI
    code, stderr = dry_run(tmp_path, HEAD + step + "\n")
    # THEN exit 1 with one line saying what is wrong (never exit 2, never a hang)
    assert code == 1, stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert expected in stderr


def test_the_record_cap_has_an_override(tmp_path: Path) -> None:
    # GIVEN a scenario just above the default cap of records
    text = HEAD + "  - generate: {type: click, rate: 1000, duration: 1001s}\n"
    assert dry_run(tmp_path, text)[0] == 1
    # WHEN the cap is raised through its variable THEN the cap no longer refuses it (the dry
    # run is not executed here: the loader alone is asked)
    from devtools.scenarios import ScenarioError, loads

    with pytest.raises(ScenarioError, match=r"x\.yaml:4: step 1: brings the scenario to 1,001"):
        loads(text, "x.yaml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MAX_RECORDS_ENV, "1001000")
        assert loads(text, "x.yaml").steps[0].generator.records == 1_001_000  # type: ignore[union-attr]


def test_templates_substitute_plain_names_with_a_format_spec() -> None:
    assert templates.render("user_{n:04d}-{step}", {"n": 7, "step": "s"}) == "user_0007-s"
    assert templates.render_positional("session_{:05d}", 42) == "session_00042"
    assert templates.names("{run}-{step}-{n}") == ["run", "step", "n"]
    for bad in ("{n[0]}", "{n.real}", "{}", "{0}", "{n:{w}}", "{n!s}", "{n:300}"):
        with pytest.raises(ValueError, match=r"allowed|exceeds|placeholder|name a field"):
            templates.names(bad)


def test_one_partition_key_check_for_scenarios_and_the_producer() -> None:
    from devtools.errors import EventInputError
    from devtools.producer import encode_event

    assert partition_key_problem("k" * 256) is None
    assert partition_key_problem("") is not None
    assert partition_key_problem("k" * 257) is not None
    event = {"eventType": "click", "userId": "u", "elementId": "e"}
    with pytest.raises(EventInputError, match="1-256 characters"):
        encode_event(event, "k" * 300)
    with pytest.raises(EventInputError, match="got 0"):
        encode_event(event, "")


def test_put_file_with_json_nested_100000_deep_is_one_line_exit_1(tmp_path: Path) -> None:
    # GIVEN a file of JSON nested 100,000 deep
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    # WHEN it is put (no emulator needed: it is refused before any call)
    result = CliRunner().invoke(
        main,
        ["--state-dir", str(tmp_path / "s"), "put", "--file", str(path)],
        env={"NO_COLOR": "1", "COLUMNS": "400"},
    )
    # THEN exit 1, one line with the file and line
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip() == f"error: {path}:1: JSON nested deeper than 256 levels"
    assert too_deep('{"a": "[[[[[[", "b": [1]}', limit=2) is None
