"""Re-keying the byEventType index of an existing stack takes two deploys (eventTypeIndex=off).

CloudFormation cannot change a GSI's key schema, and an update that deletes one GSI and adds
another fails ("You can delete or add one global secondary index without interruption. If you
do both in the same update ..., the update fails": AWS::DynamoDB::Table, GlobalSecondaryIndexes).
These tests check the documented path in the synthesized templates: each step changes one index.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stack.config import config_from_mapping
from stack.errors import ConfigError
from tests.stack.conftest import Synthesized, synthesize


@pytest.fixture(scope="module")
def without_index(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk-out-no-index"), {"eventTypeIndex": "off"})


def _results(stack: Synthesized) -> dict[str, Any]:
    logical = stack.logical_id("AWS::DynamoDB::Table", "StorageResults")
    return dict(stack.template.to_json()["Resources"][logical]["Properties"])


def _indexes(properties: dict[str, Any]) -> dict[str, Any]:
    return {i["IndexName"]: i["KeySchema"] for i in properties.get("GlobalSecondaryIndexes", [])}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, set[str]]:
    """What CloudFormation would have to do to the table's GSIs: add, delete, re-key."""
    old, new = _indexes(before), _indexes(after)
    return {
        "add": set(new) - set(old),
        "delete": set(old) - set(new),
        "rekey": {n for n in set(old) & set(new) if old[n] != new[n]},
    }


def _allowed_in_one_update(changes: dict[str, set[str]]) -> bool:
    return not changes["rekey"] and len(changes["add"]) + len(changes["delete"]) <= 1


def _before_write_sharding(current: dict[str, Any]) -> dict[str, Any]:
    """The results table as stacks deployed before the index was keyed on eventTypeShard."""
    old = copy.deepcopy(current)
    for index in old["GlobalSecondaryIndexes"]:
        index["KeySchema"][0]["AttributeName"] = "eventType"
    return old


def test_a_direct_upgrade_would_rekey_the_index(default_stack: Synthesized) -> None:
    current = _results(default_stack)
    assert _indexes(current) == {
        "byEventType": [
            {"AttributeName": "eventTypeShard", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ]
    }
    changes = _changes(_before_write_sharding(current), current)
    assert changes["rekey"] == {"byEventType"}
    assert not _allowed_in_one_update(changes)


def test_two_deploys_change_one_index_each(
    default_stack: Synthesized, without_index: Synthesized
) -> None:
    current = _results(default_stack)
    old = _before_write_sharding(current)
    middle = _results(without_index)
    # deploy 1 (eventTypeIndex=off) only deletes the old index, deploy 2 only adds the new one
    assert _changes(old, middle) == {"add": set(), "delete": {"byEventType"}, "rekey": set()}
    assert _changes(middle, current) == {"add": {"byEventType"}, "delete": set(), "rekey": set()}
    # and nothing else of the table changes on the way: keys, TTL, PITR, billing
    for key in ("KeySchema", "TimeToLiveSpecification", "BillingMode"):
        assert middle[key] == current[key], key
    names = {a["AttributeName"] for a in middle["AttributeDefinitions"]}
    assert "eventTypeShard" not in names


@pytest.mark.parametrize("value", ["no", "", 0, "on,off"])
def test_a_bad_index_switch_is_one_line(value: object) -> None:
    with pytest.raises(ConfigError, match=r"^invalid context eventTypeIndex=.*expected on or off"):
        config_from_mapping({"eventTypeIndex": value})
    assert config_from_mapping({"eventTypeIndex": " OFF "}).event_type_index is False
