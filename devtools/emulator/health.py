"""Ask an endpoint whether a LocalStack-compatible emulator answers, and which one."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

# MiniStack answers both; LocalStack only the second
HEALTH_PATHS = ("/_ministack/health", "/_localstack/health")


@dataclass(frozen=True)
class EmulatorHealth:
    """What the health endpoint said; `reachable` is False when nothing answered."""

    endpoint_url: str
    reachable: bool
    version: str | None = None
    edition: str | None = None
    auth: str | None = None  # MiniStack: "enabled" when AUTH=true (IAM enforced)
    services: dict[str, str] = field(default_factory=dict)

    @property
    def iam_enforced(self) -> bool | None:
        if self.auth is None:
            return None
        return self.auth == "enabled"

    @property
    def available_services(self) -> int:
        return sum(1 for state in self.services.values() if state in ("available", "running"))


def probe(endpoint_url: str, *, timeout: float = 0.5) -> EmulatorHealth:
    """GET the health endpoint; never raises for an unreachable or non-emulator endpoint."""
    base = endpoint_url.rstrip("/")
    for path in HEALTH_PATHS:
        try:
            with urllib.request.urlopen(base + path, timeout=timeout) as response:
                if response.status != 200:
                    continue
                body = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError):
            continue
        if not isinstance(body, dict):
            continue
        services = body.get("services")
        return EmulatorHealth(
            endpoint_url=base,
            reachable=True,
            version=_str_or_none(body.get("version")),
            edition=_str_or_none(body.get("edition")),
            auth=_str_or_none(body.get("auth")),
            services={str(k): str(v) for k, v in services.items()}
            if isinstance(services, dict)
            else {},
        )
    return EmulatorHealth(endpoint_url=base, reachable=False)


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
