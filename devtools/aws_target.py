"""Guard for the real-AWS make targets: refuse the local emulator, missing credentials or region."""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.configloader import load_config, raw_config_parse
from botocore.credentials import DeferredRefreshableCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    ProfileNotFound,
    SSOTokenLoadError,
)
from botocore.utils import JSONFileCache, SSOTokenLoader

from devtools.aws_concurrency import (
    deploy_context,
    read_account,
    requested_reservation,
    reservation_problem,
)
from devtools.cli.terminal import Terminal
from devtools.errors import UserError
from stack.errors import ConfigError

ENDPOINT_VAR = "AWS_ENDPOINT_URL"
# The emulator's well-known dummy access key (LocalStack, MiniStack, moto).
DUMMY_ACCESS_KEYS = frozenset({"test", "testing", "dummy"})
LOCAL_HOSTNAMES = frozenset({"localhost", "localhost.localdomain", "host.docker.internal"})
# The CDK CLI's order (aws-cdk 2.1148 README "Region resolution", and
# toolkit-lib AwsCliCompatible.region()): the `region` setting (--region or cdk.json), these
# variables, the profile's then the default profile's `region` (credentials file before config
# file), EC2 instance metadata, us-east-1. CDK_DEFAULT_REGION is not read: the CLI sets it for
# the app to the region it resolved, overwriting whatever the shell had.
REGION_VARS = ("AWS_REGION", "AMAZON_REGION", "AWS_DEFAULT_REGION", "AMAZON_DEFAULT_REGION")
CDK_FALLBACK_REGION = "us-east-1"
PROJECT_SETTINGS = Path("cdk.json")
USER_SETTINGS = Path("~/.cdk.json")
# What the CDK CLI checks before it asks the instance metadata service for the region.
EC2_MARKERS = (
    (Path("/sys/devices/virtual/dmi/id/board_asset_tag"), "i-"),
    (Path("/sys/hypervisor/uuid"), "ec2"),
)


class AwsTargetError(UserError):
    """When `make aws-deploy` / `bootstrap` / `diff` / `destroy` would not reach real AWS:
    an endpoint points at a local emulator, or no credentials or region are configured."""


@dataclass(frozen=True)
class AwsTarget:
    """Where the CDK CLI will deploy: the credentials' source, the profile and region."""

    credential_method: str
    profile: str | None
    region: str
    region_source: str


@dataclass(frozen=True)
class RegionChoice:
    """The region the CDK CLI will deploy to, and where it found it."""

    region: str
    source: str


def cdk_settings(project_dir: Path | None = None, home: Path | None = None) -> dict[str, Any]:
    """The CDK CLI's settings: ~/.cdk.json, overridden by the project's cdk.json."""
    user = (home / ".cdk.json") if home else USER_SETTINGS.expanduser()
    merged: dict[str, Any] = {}
    for path in (user, (project_dir or Path.cwd()) / PROJECT_SETTINGS):
        try:
            loaded = json.loads(path.read_text())
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise AwsTargetError(f"{path}: cannot read the CDK settings ({exc})") from exc
        if isinstance(loaded, dict):
            merged.update(loaded)
    return merged


def cdk_profile(environ: Mapping[str, str], settings: Mapping[str, Any]) -> str | None:
    """The profile the CDK CLI uses: the `profile` setting, AWS_PROFILE, AWS_DEFAULT_PROFILE."""
    chosen = (
        settings.get("profile") or environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE")
    )
    return str(chosen) if chosen else None


def _ini_sections(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(credentials file sections, config file profiles) as the SDKs name them."""
    home = Path(environ.get("HOME", "~")).expanduser()
    credentials_path = environ.get("AWS_SHARED_CREDENTIALS_FILE") or str(
        home / ".aws" / "credentials"
    )
    config_path = environ.get("AWS_CONFIG_FILE") or str(home / ".aws" / "config")
    try:
        credentials = raw_config_parse(credentials_path) if Path(credentials_path).exists() else {}
        config = load_config(config_path)["profiles"] if Path(config_path).exists() else {}
    except ConfigParseError as exc:
        raise AwsTargetError(f"cannot parse the AWS configuration: {exc}") from exc
    return credentials, config


def _on_ec2() -> bool:
    for path, prefix in EC2_MARKERS:
        try:
            if path.read_text().strip().lower().startswith(prefix):
                return True
        except OSError:
            continue
    return False


def cdk_region(
    environ: Mapping[str, str], settings: Mapping[str, Any], *, on_ec2: bool | None = None
) -> RegionChoice:
    """Resolve the region exactly as the CDK CLI will, without any network call."""
    if settings.get("region"):
        return RegionChoice(str(settings["region"]), "the `region` setting in cdk.json")
    for name in REGION_VARS:
        if environ.get(name):
            return RegionChoice(environ[name], name)
    profile = cdk_profile(environ, settings) or "default"
    credentials, config = _ini_sections(environ)
    for name in dict.fromkeys((profile, "default")):
        for label, sections in (("credentials", credentials), ("config", config)):
            region = sections.get(name, {}).get("region")
            if region:
                return RegionChoice(str(region), f"profile {name} in the {label} file")
    disabled = environ.get("AWS_EC2_METADATA_DISABLED", "")
    if not (disabled and disabled != "false") and (_on_ec2() if on_ec2 is None else on_ec2):
        # The CLI would ask the instance metadata service; a guard that calls nothing cannot.
        raise AwsTargetError(
            "no AWS region configured, and on EC2 the CDK CLI would take the instance's region "
            "from the metadata service: export AWS_REGION to say which region you mean"
        )
    return RegionChoice(CDK_FALLBACK_REGION, "the CDK CLI's default (no region configured)")


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


def check_target(
    environ: Mapping[str, str],
    session: botocore.session.Session,
    settings: Mapping[str, Any] | None = None,
) -> AwsTarget:
    """Resolve where a deploy would go without calling AWS; raise AwsTargetError to refuse."""
    settings = settings or {}
    profile = cdk_profile(environ, settings)
    try:
        scoped = session.get_scoped_config()
    except ProfileNotFound as exc:
        raise AwsTargetError(
            f"profile {profile}: no such profile in ~/.aws/config or ~/.aws/credentials "
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
        # botocore's own chain (env, shared files, SSO, assume-role, process, container,
        # instance metadata). SSO and assume-role come back deferred: reading their keys would
        # call AWS (and prompt for an MFA code the CDK CLI asks for again), so they stay unread.
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise AwsTargetError(f"cannot load AWS credentials: {exc}") from exc
    if credentials is None:
        raise AwsTargetError(
            "no AWS credentials found (environment, ~/.aws/credentials, ~/.aws/config, SSO, "
            "instance metadata): run `aws configure` or `aws sso login`, or export AWS_PROFILE"
        )
    if credentials.method == "sso":
        _check_sso_login(session, profile or "default", environ)
    if not isinstance(credentials, DeferredRefreshableCredentials):
        _refuse_dummy_keys(credentials.access_key, credentials.method)
    choice = cdk_region(environ, settings)
    return AwsTarget(
        credential_method=credentials.method,
        profile=profile,
        region=choice.region,
        region_source=choice.source,
    )


def _refuse_dummy_keys(access_key: str, method: str) -> None:
    if access_key in DUMMY_ACCESS_KEYS:
        raise AwsTargetError(
            f"the AWS access key is the emulator's dummy '{access_key}' (from {method}): unset "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY to use your real credentials"
        )


def _check_sso_login(
    session: botocore.session.Session, profile: str, environ: Mapping[str, str]
) -> None:
    """Read the cached SSO token (what `aws sso login` writes); refuse when absent or expired."""
    scoped = session.get_scoped_config()
    session_name = scoped.get("sso_session")
    start_url = scoped.get("sso_start_url")
    if session_name:
        sso_session = session.full_config.get("sso_sessions", {}).get(session_name, {})
        start_url = sso_session.get("sso_start_url", start_url)
    home = Path(environ.get("HOME", "~")).expanduser()
    loader = SSOTokenLoader(cache=JSONFileCache(str(home / ".aws" / "sso" / "cache")))
    login = f"run `aws sso login --profile {profile}`"
    try:
        token = loader(str(start_url), session_name=session_name)
    except SSOTokenLoadError:
        raise AwsTargetError(f"AWS SSO profile {profile} is not logged in: {login}") from None
    expires = _parse_time(str(token.get("expiresAt", "")))
    # An sso-session token with a refresh token is renewed by the SDK without a new login.
    if (expires is None or expires <= datetime.now(UTC)) and not token.get("refreshToken"):
        raise AwsTargetError(f"the AWS SSO login of profile {profile} has expired: {login}")


def _parse_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m devtools.aws_target check [--deploy [key=value ...]]`: exit 0 when real AWS is
    the target (and, with --deploy, the reserved concurrency fits the account), else 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    terminal = Terminal()
    if args[:1] != ["check"] or (len(args) > 1 and args[1] != "--deploy"):
        terminal.error("usage: python -m devtools.aws_target check [--deploy [key=value ...]]")
        return 2
    try:
        settings = cdk_settings()
        profile = cdk_profile(os.environ, settings)
        session = botocore.session.Session(profile=profile)
        target = check_target(os.environ, session, settings)
        if args[1:2] == ["--deploy"]:
            _check_concurrency(session, target, args[2:])
    except (AwsTargetError, ConfigError) as exc:
        terminal.error(str(exc))
        return 1
    shown = f", profile {target.profile}" if target.profile else ""
    terminal.info(
        f"AWS target: region {target.region} (from {target.region_source}), credentials from "
        f"{target.credential_method}{shown}"
    )
    return 0


def _check_concurrency(
    session: botocore.session.Session, target: AwsTarget, overrides: Sequence[str]
) -> None:
    """The one live preflight: GetAccountSettings (and the deployed function's reservation)."""
    requested = requested_reservation(deploy_context(Path.cwd(), overrides))
    if requested == 0:
        return
    try:
        account = read_account(
            session.create_client("lambda", region_name=target.region),
            session.create_client("cloudformation", region_name=target.region),
        )
    except (BotoCoreError, ClientError) as exc:
        raise AwsTargetError(
            f"cannot read the Lambda account settings in {target.region} ({exc}): check the "
            "credentials, or deploy anyway with `npx cdk deploy`"
        ) from exc
    problem = reservation_problem(requested, account)
    if problem:
        raise AwsTargetError(problem)


if __name__ == "__main__":
    sys.exit(main())
