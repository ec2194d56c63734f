"""FilterCriteria on JSON record data, as AWS recorded it.

Source: LocalStack's AWS-validated snapshot
TestKinesisEventFiltering::test_kinesis_event_filtering_json_pattern
(recordings/kinesis_esm_on_failure.json, `filtering`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devtools.driver.filtering import parse_filters
from tests.conformance.recorded import load
from tests.unit.driver.fakes import decode, harness

FILTERING: dict[str, Any] = load("kinesis_esm_on_failure.json")["filtering"]


@pytest.mark.parametrize("function", sorted(FILTERING["patterns"]))
def test_each_mapping_delivers_only_the_records_its_pattern_matches(function: str) -> None:
    # GIVEN the recorded pattern and the two recorded records
    pattern = FILTERING["patterns"][function]
    h = harness(filters=parse_filters({"Filters": [{"Pattern": json.dumps(pattern)}]}))
    for data in FILTERING["records"]:
        h.stream.put(data)
    # WHEN the driver runs
    h.run(seconds=1)
    # THEN the function received what AWS's did
    received = [decode(r) for event in h.function.events for r in event["Records"]]
    assert received == FILTERING["received"][function]
