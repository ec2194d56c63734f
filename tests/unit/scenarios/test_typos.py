"""Typos in a scenario are refused before anything is sent: field names, repeated problems,
figures that disagree with `expect` in a dry run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from devtools.cli.main import main
from devtools.scenarios import ScenarioError, loads, validate
from tests.emulator import free_port

CHECKOUT = Path(__file__).parents[3] / "scenarios" / "checkout_errors.yaml"


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads(text, "x.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_field_the_event_type_does_not_have_is_refused_with_a_suggestion() -> None:
    # GIVEN a generator whose fields hold a typo (errorTpe), and an explicit event with one
    text = (
        "version: 1\n"
        "traffic:\n"
        "  - generate:\n"
        "      type: error\n"
        "      count: 3\n"
        "      fields:\n"
        "        errorTpe: javascript\n"
        "  - events:\n"
        "      - {eventType: click, userId: u, elementId: cta, pageUrll: /home}\n"
    )
    # WHEN it is loaded THEN each typo is a `file:line` problem with a did-you-mean
    found = problems_of(text)
    assert found == [
        "x.yaml:7: step 1 generate fields errorTpe: error events have no field 'errorTpe' "
        "(did you mean 'errorType'?)",
        "x.yaml:9: step 2 events[1] pageUrll: click events have no field 'pageUrll' "
        "(did you mean 'pageUrl'?)",
    ]


def test_a_field_with_no_close_name_gets_no_suggestion() -> None:
    found = problems_of(
        "version: 1\ntraffic:\n  - generate: {type: click, count: 1, fields: {zzz: 1}}\n"
    )
    assert found == ["x.yaml:3: step 1 generate fields zzz: click events have no field 'zzz'"]


def test_one_bad_generator_field_is_one_line_with_a_count(tmp_path: Path) -> None:
    # GIVEN the shipped checkout scenario with a currency typo in a 60-record generator
    path = tmp_path / "typo.yaml"
    path.write_text(
        CHECKOUT.read_text().replace("{choice: {USD: 3, EUR: 1}}", "{choice: {USD: 3, eur: 1}}")
    )
    # WHEN it is validated
    with pytest.raises(ScenarioError) as caught:
        validate(path)
    # THEN the records that carry the typo make one line, counted
    (line,) = [str(p) for p in caught.value.problems]
    assert line.startswith(f"{path}:19: step 2 (buying): ")
    assert "records (first: record " in line
    assert "would be quarantined as invalid_field (currency 'eur' is not an ISO 4217 code" in line
    count = int(line.split(": ")[2].split(" records")[0])
    assert 5 < count < 60  # about a quarter of the 60 purchases draw EUR


def _replay(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    # a closed port and an empty state folder: a dry run must not need either
    result = CliRunner().invoke(
        main,
        ["--endpoint-url", f"http://127.0.0.1:{free_port()}", "--state-dir", str(tmp_path),
         "replay", *args],
        env={"NO_COLOR": "1", "COLUMNS": "100"},
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def test_a_dry_run_compares_the_computed_figures_with_expect(tmp_path: Path) -> None:
    # GIVEN a scenario whose expect says 460 where its traffic makes 463
    path = tmp_path / "wrong.yaml"
    path.write_text(CHECKOUT.read_text().replace("stored_total: 463", "stored_total: 460"))
    # WHEN dry-run
    code, out, err = _replay(tmp_path, "--dry-run", str(path))
    # THEN the mismatch is shown and the exit code is 1
    assert code == 1
    mismatch = next(line for line in out.splitlines() if "MISMATCH" in line)
    assert mismatch.split()[:4] == ["stored", "total", "460", "463"]
    assert "differ from `expect` in: checkout_errors" in err


def test_a_dry_run_of_a_correct_file_exits_0(tmp_path: Path) -> None:
    code, out, _ = _replay(tmp_path, "--dry-run", str(CHECKOUT))
    assert code == 0
    assert "Compared with expect: 13/13 as expected" in out


def test_a_dry_run_with_json_prints_the_figures_and_checks(tmp_path: Path) -> None:
    import json

    code, out, _ = _replay(tmp_path, "--dry-run", "--json", str(CHECKOUT))
    assert code == 0
    data = json.loads(out)
    (only,) = data["dryRuns"]
    assert only["stored"] == {"error": 160, "page_view": 240, "purchase": 63}
    assert all(check["passed"] for check in only["checks"])
