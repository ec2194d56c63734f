"""Resolve CloudFormation intrinsics in template values to what the emulator deployed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Unresolved:
    """Marker for a template value that cannot be resolved locally (skip its comparison)."""

    def __repr__(self) -> str:
        return "<unresolved>"


UNRESOLVED = Unresolved()
_SUB_PATTERN = re.compile(r"\$\{([^}!]+)\}")

ArnLookup = Callable[[str, str], str | None]


@dataclass
class Resolver:
    """Turns Ref / Fn::GetAtt / Fn::Join / Fn::Sub into concrete values where possible."""

    resource_types: Mapping[str, str]
    physical_ids: Mapping[str, str]
    region: str
    account_id: str
    # (resource type, physical id) -> ARN, asked of the emulator for Fn::GetAtt X.Arn
    arn_lookup: ArnLookup
    _arn_cache: dict[str, str | None] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return UNRESOLVED if any(item is UNRESOLVED for item in items) else items
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self._ref(str(argument))
            if name == "Fn::GetAtt":
                parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
                return self._get_att(str(parts[0]), str(parts[1]))
            if name == "Fn::Join":
                separator, items = argument
                resolved = self.resolve(items)
                if resolved is UNRESOLVED:
                    return UNRESOLVED
                return str(separator).join(str(item) for item in resolved)
            if name == "Fn::Sub":
                return self._sub(argument)
            if name.startswith("Fn::"):
                return UNRESOLVED
        resolved_dict = {key: self.resolve(item) for key, item in value.items()}
        if any(item is UNRESOLVED for item in resolved_dict.values()):
            return UNRESOLVED
        return resolved_dict

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        return self.physical_ids.get(name, UNRESOLVED)

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        physical = self.physical_ids.get(logical_id)
        rtype = self.resource_types.get(logical_id)
        if physical is None or rtype is None or attribute != "Arn":
            return UNRESOLVED
        if physical.startswith("arn:"):
            return physical
        if logical_id not in self._arn_cache:
            self._arn_cache[logical_id] = self.arn_lookup(rtype, physical)
        arn = self._arn_cache[logical_id]
        return UNRESOLVED if arn is None else arn

    def _sub(self, argument: Any) -> Any:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        failed = False

        def replace(match: re.Match[str]) -> str:
            nonlocal failed
            name = match.group(1)
            if name in variables:
                value = self.resolve(variables[name])
            elif "." in name:
                logical_id, attribute = name.split(".", 1)
                value = self._get_att(logical_id, attribute)
            else:
                value = self._ref(name)
            if value is UNRESOLVED or value is None:
                failed = True
                return ""
            return str(value)

        result = _SUB_PATTERN.sub(replace, str(text))
        return UNRESOLVED if failed else result
