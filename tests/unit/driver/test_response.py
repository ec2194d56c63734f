"""Reading an Invoke answer under AWS's partial batch response rules."""

from __future__ import annotations

import json

import pytest

from devtools.driver.records import StreamRecord
from devtools.driver.response import InvokeResult, Verdict, interpret

BATCH = [StreamRecord("s", str(n), "k", "", 0.0) for n in (7, 8, 9)]


def _answer(body: object, error: str | None = None) -> InvokeResult:
    return InvokeResult(200, json.dumps(body).encode(), error)


@pytest.mark.parametrize(
    ("body", "verdict", "index"),
    [
        (None, Verdict.SUCCESS, 0),
        ({}, Verdict.SUCCESS, 0),
        ({"batchItemFailures": []}, Verdict.SUCCESS, 0),
        ({"batchItemFailures": None}, Verdict.SUCCESS, 0),
        (
            {"batchItemFailures": [{"itemIdentifier": "9"}, {"itemIdentifier": "8"}]},
            Verdict.PARTIAL,
            1,
        ),
        ({"batchItemFailures": [{"itemIdentifier": "7"}]}, Verdict.PARTIAL, 0),
        ({"batchItemFailures": [{"itemIdentifier": "6"}]}, Verdict.FAILED, 0),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, Verdict.FAILED, 0),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, Verdict.FAILED, 0),
        ({"batchItemFailures": [{"wrongKey": "8"}]}, Verdict.FAILED, 0),
        ({"batchItemFailures": "8"}, Verdict.FAILED, 0),
    ],
)
def test_partial_batch_response_rules(body: object, verdict: Verdict, index: int) -> None:
    outcome = interpret(_answer(body), BATCH, report_batch_item_failures=True)
    assert outcome.verdict is verdict
    assert outcome.first_failed_index == index


def test_function_error_fails_the_batch_whatever_the_payload() -> None:
    outcome = interpret(_answer({}, "Unhandled"), BATCH, report_batch_item_failures=False)
    assert outcome.verdict is Verdict.FAILED


def test_unparsable_answer_fails_only_with_partial_responses() -> None:
    garbage = InvokeResult(200, b"<html>")
    assert interpret(garbage, BATCH, report_batch_item_failures=True).verdict is Verdict.FAILED
    assert interpret(garbage, BATCH, report_batch_item_failures=False).verdict is Verdict.SUCCESS
