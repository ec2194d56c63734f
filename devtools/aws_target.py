"""Guard for the real-AWS make targets: refuse the local emulator, missing credentials or region."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import botocore.session
from botocore.exceptions import BotoCoreError, ProfileNotFound

from devtools.cli.terminal import Terminal
from devtools.errors import UserError

ENDPOINT_VAR = "AWS_ENDPOINT_URL"
# The emulator's well-known dummy access key (LocalStack, MiniStack, moto).
DUMMY_ACCESS_KEYS = frozenset({"test", "testing", "dummy"})
LOCAL_HOSTNAMES = frozenset({"localhost", "localhost.localdomain", "host.docker.internal"})
REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION", "CDK_DEFAULT_REGION")


class AwsTargetError(UserError):
    """When `make aws-deploy` / `bootstrap` / `diff` / `destroy` would not reach real AWS:
    an endpoint points at a local emulator, or no credentials or region are configured."""


@dataclass(frozen=True)
class AwsTarget:
    """Where the CDK CLI will deploy: the credentials' source, the profile and region."""

    credential_method: str
    profile: str | None
    region: str


def is_local_url(url: str) -> bool:
    """True for loopback, unspecified or *.localhost hosts (an emulator on this machine)."""
    host = (urlsplit(url if "://" in url else f"//{url}").hostname or "").lower()
    if host in LOCAL_HOSTNAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def local_endpoints(
    environ: Mapping[str, str], profile_endpoint: str | None = None
) -> list[tuple[str, str]]:
    """(setting, url) for every endpoint override that points at this machine."""
    found = [
        (name, value)
        for name, value in sorted(environ.items())
        if (name == ENDPOINT_VAR or name.startswith(f"{ENDPOINT_VAR}_")) and is_local_url(value)
    ]
    if profile_endpoint and is_local_url(profile_endpoint):
        found.append(("endpoint_url in the AWS profile", profile_endpoint))
    return found


def check_target(environ: Mapping[str, str], session: botocore.session.Session) -> AwsTarget:
    """Resolve where a deploy would go without calling AWS; raise AwsTargetError to refuse."""
    profile = environ.get("AWS_PROFILE") or None
    try:
        scoped = session.get_scoped_config()
    except ProfileNotFound as exc:
        raise AwsTargetError(
            f"AWS_PROFILE={profile}: no such profile in ~/.aws/config or ~/.aws/credentials "
            "(`aws configure list-profiles` lists them)"
        ) from exc
    endpoint = scoped.get("endpoint_url")
    local = local_endpoints(environ, endpoint if isinstance(endpoint, str) else None)
    if local:
        setting, url = local[0]
        unset = f"unset {setting}" if setting.startswith(ENDPOINT_VAR) else f"remove {setting}"
        raise AwsTargetError(
            f"{setting}={url} points at a local emulator, but this target deploys to real AWS: "
            f"{unset} (or use `make local-deploy` for the emulator)"
        )
    try:
        # botocore's own chain (env, shared files, SSO, process, container, instance
        # metadata): it only reads local sources or the metadata endpoints, never an AWS API.
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise AwsTargetError(f"cannot load AWS credentials: {exc}") from exc
    if credentials is None:
        raise AwsTargetError(
            "no AWS credentials found (environment, ~/.aws/credentials, ~/.aws/config, SSO, "
            "instance metadata): run `aws configure` or `aws sso login`, or export AWS_PROFILE"
        )
    if credentials.access_key in DUMMY_ACCESS_KEYS:
        raise AwsTargetError(
            f"the AWS access key is the emulator's dummy '{credentials.access_key}' "
            f"(from {credentials.method}): unset AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY to use "
            "your real credentials"
        )
    region = next((environ[v] for v in REGION_VARS if environ.get(v)), None)
    region = region or session.get_config_variable("region")
    if not region:
        raise AwsTargetError(
            "no AWS region configured: export AWS_REGION (e.g. AWS_REGION=us-east-1) or set "
            "`region` in your AWS profile"
        )
    return AwsTarget(credential_method=credentials.method, profile=profile, region=str(region))


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m devtools.aws_target check`: exit 0 when real AWS is the target, else 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    terminal = Terminal()
    if args != ["check"]:
        terminal.error("usage: python -m devtools.aws_target check")
        return 2
    try:
        target = check_target(os.environ, botocore.session.Session())
    except AwsTargetError as exc:
        terminal.error(str(exc))
        return 1
    profile = f", profile {target.profile}" if target.profile else ""
    terminal.info(
        f"AWS target: region {target.region}, credentials from {target.credential_method}{profile}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
