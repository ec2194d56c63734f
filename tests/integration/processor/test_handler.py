"""The Lambda entry point on the emulator: cold-start settings, partial response, logs, EMF."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import pytest

from processor.types import SettingsError
from tests.integration.processor.tables import FakeContext, Resources
from tests.integration.processor.truth import actual_aggregates, expected
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

pytestmark = pytest.mark.emulator


def handler_env(resources: Resources) -> dict[str, str]:
    return {
        **resources.emulator.env(),
        **resources.function_env(environment="test", log_level="INFO"),
        "AWS_LAMBDA_FUNCTION_NAME": "processor",
    }


def cold_start(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Any:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    # A fresh import is a cold start; monkeypatch removes the module again afterwards.
    monkeypatch.delitem(sys.modules, "processor.handler", raising=False)
    return importlib.import_module("processor.handler")


def test_handler_processes_a_batch(
    resources: Resources, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the function's environment as the stack sets it, pointing at the emulator
    handler = cold_start(monkeypatch, handler_env(resources))
    events = mixed_events(25)
    records = [kinesis_record(e, i) for i, e in enumerate(events)]
    records.append(kinesis_record(b"\x00\xff", 99))
    # WHEN Lambda invokes it with a Kinesis batch
    response = handler.lambda_handler(kinesis_event(records), FakeContext())
    # THEN the response is a partial batch response with no failures
    assert response == {"batchItemFailures": []}
    client = resources.dynamodb
    assert actual_aggregates(client, resources.aggregates_table) == expected(events).aggregates
    # AND stdout holds one structured log line and EMF documents, all JSON
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    logs = [line for line in lines if line.get("message") == "batch processed"]
    assert len(logs) == 1
    assert logs[0]["stored"] == 25
    assert logs[0]["quarantined"] == {"not_utf8": 1}
    assert logs[0]["service"] == "realtime-analytics"
    emf = [line for line in lines if "_aws" in line]
    names = {m["Name"] for doc in emf for m in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"EventsProcessed", "PurchaseAmount", "PageLoadTime", "Quarantined"} <= names
    assert {"Batch/Records", "Batch/Stored", "Batch/Failed"} <= names


def test_handler_rejects_a_non_kinesis_payload(
    resources: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = cold_start(monkeypatch, handler_env(resources))
    with pytest.raises(Exception, match="no Records list"):
        handler.lambda_handler({"hello": "world"}, FakeContext())


@pytest.mark.parametrize("variable", ["RESULTS_TABLE_NAME", "QUARANTINE_BUCKET_NAME"])
def test_cold_start_names_the_missing_variable(
    resources: Resources, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    env = handler_env(resources)
    del env[variable]
    monkeypatch.delenv(variable, raising=False)
    with pytest.raises(SettingsError, match=f"environment variable {variable}: is not set"):
        cold_start(monkeypatch, env)
