"""The real-AWS guard: refuses the local emulator and missing credentials, never calls AWS."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import botocore.session
import pytest

from devtools.aws_target import (
    AwsTarget,
    AwsTargetError,
    cdk_region,
    cdk_settings,
    check_target,
    is_local_url,
    local_endpoints,
    main,
)

# Shaped like real keys; never valid, and nothing here sends them anywhere.
FAKE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
# AWS documentation example secret (not a credential).
FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An environment with no AWS settings at all: empty HOME, no files, no instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name == "CDK_DEFAULT_REGION":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    # Keeps botocore's chain from probing 169.254.169.254 on a cloud CI runner.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


def _check() -> AwsTarget:
    return check_target(os.environ, botocore.session.Session())


def _real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4566",
        "http://localhost:4566",
        "http://LOCALHOST",
        "http://[::1]:4566",
        "http://0.0.0.0:4566",
        "http://127.0.0.5:1234",
        "http://s3.localhost:4566",
        "localhost:4566",
    ],
)
def test_local_urls_are_recognised(url: str) -> None:
    assert is_local_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://cloudformation.us-east-1.amazonaws.com",
        "https://vpce-123.s3.eu-west-1.vpce.amazonaws.com",
        "http://10.0.0.5:4566",
        "https://localhost.example.com",
    ],
)
def test_remote_urls_are_not_local(url: str) -> None:
    assert not is_local_url(url)


def test_refuses_the_global_emulator_endpoint(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN real-looking credentials but AWS_ENDPOINT_URL on the local emulator
    _real_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    # WHEN checked THEN one line names the variable, its value and the way out
    with pytest.raises(AwsTargetError) as raised:
        _check()
    assert str(raised.value) == (
        "AWS_ENDPOINT_URL=http://127.0.0.1:4566 points at a local emulator, but this target "
        "deploys to real AWS: unset AWS_ENDPOINT_URL (or use `make local-deploy` for the emulator)"
    )


def test_refuses_a_service_specific_emulator_endpoint(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _real_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://localhost:4566")
    with pytest.raises(AwsTargetError, match=r"^AWS_ENDPOINT_URL_CLOUDFORMATION=http://localhost"):
        _check()


def test_refuses_an_emulator_endpoint_in_the_profile(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a profile whose config sends every client to the emulator
    (aws_home / "config").write_text(
        "[profile local]\nregion = us-east-1\nendpoint_url = http://localhost:4566\n"
    )
    _real_credentials(monkeypatch)
    monkeypatch.setenv("AWS_PROFILE", "local")
    with pytest.raises(AwsTargetError, match=r"^endpoint_url in the AWS profile=http://localhost"):
        _check()


def test_refuses_when_no_credentials_are_found(aws_home: Path) -> None:
    # GIVEN nothing in the environment, no ~/.aws files, no instance metadata
    # WHEN checked THEN one line says so and what to run
    with pytest.raises(AwsTargetError) as raised:
        _check()
    message = str(raised.value)
    assert message.startswith("no AWS credentials found")
    assert "`aws configure`" in message
    assert "\n" not in message


def test_refuses_the_emulator_dummy_credentials(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the emulator's test/test keys left in the shell, no endpoint override
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with pytest.raises(AwsTargetError, match=r"dummy 'test' \(from env\)"):
        _check()


def test_refuses_an_unknown_profile(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nope")
    with pytest.raises(AwsTargetError, match=r"^profile nope: no such profile"):
        _check()


def test_without_a_region_the_cdk_cli_default_is_reported(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN credentials but no region anywhere (and CDK_DEFAULT_REGION, which the CLI ignores)
    _real_credentials(monkeypatch)
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("CDK_DEFAULT_REGION", "eu-west-1")
    # THEN the guard says what the CLI will use: us-east-1
    target = _check()
    assert (target.region, target.region_source) == (
        "us-east-1",
        "the CDK CLI's default (no region configured)",
    )


def test_accepts_real_credentials_from_the_environment(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN credentials and a region, and a non-local endpoint override (e.g. a VPC endpoint)
    _real_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://bucket.vpce-1.s3.eu-west-1.amazonaws.com")
    # THEN the target is described, nothing refused
    assert _check() == AwsTarget(
        credential_method="env", profile=None, region="eu-west-1", region_source="AWS_REGION"
    )


def test_accepts_a_profile_from_the_shared_files(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (aws_home / "config").write_text("[profile work]\nregion = ap-southeast-2\n")
    (aws_home / "credentials").write_text(
        f"[work]\naws_access_key_id = {FAKE_KEY_ID}\naws_secret_access_key = {FAKE_SECRET}\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "work")
    assert _check() == AwsTarget(
        credential_method="shared-credentials-file",
        profile="work",
        region="ap-southeast-2",
        region_source="profile work in the config file",
    )


def test_local_endpoints_lists_every_local_override() -> None:
    environ = {
        "AWS_ENDPOINT_URL": "https://example.com",
        "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:4566",
        "AWS_ENDPOINT_URL_S3": "http://localhost:4566",
        "OTHER": "http://127.0.0.1",
    }
    assert local_endpoints(environ) == [
        ("AWS_ENDPOINT_URL_S3", "http://localhost:4566"),
        ("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:4566"),
    ]


def test_cli_exit_codes_and_one_line(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the emulator endpoint WHEN `check` runs THEN exit 1 with one line on stderr
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().startswith("error: AWS_ENDPOINT_URL=http://127.0.0.1:4566 points")
    assert len(captured.err.strip().splitlines()) == 1
    # GIVEN real-looking credentials and no override THEN exit 0
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    _real_credentials(monkeypatch)
    assert main(["check"]) == 0
    assert (
        "AWS target: region eu-west-1 (from AWS_REGION), credentials from env"
        in capsys.readouterr().err
    )
    assert main(["deploy"]) == 2


# --- The region, resolved as the CDK CLI resolves it ------------------------------------------


def _static_keys(aws_home: Path, profile: str = "default") -> None:
    (aws_home / "credentials").write_text(
        f"[{profile}]\naws_access_key_id = {FAKE_KEY_ID}\naws_secret_access_key = {FAKE_SECRET}\n"
    )


def _region(environ: dict[str, str] | None = None, **settings: str) -> tuple[str, str]:
    choice = cdk_region({**os.environ, **(environ or {})}, settings, on_ec2=False)
    return choice.region, choice.source


def test_cdk_default_region_is_ignored_and_the_profile_region_used(aws_home: Path) -> None:
    # GIVEN the shell says CDK_DEFAULT_REGION=eu-west-1, the default profile says us-west-2
    (aws_home / "config").write_text("[default]\nregion = us-west-2\n")
    # THEN the CLI (which overwrites CDK_DEFAULT_REGION for the app) deploys to us-west-2
    assert _region({"CDK_DEFAULT_REGION": "eu-west-1"}) == (
        "us-west-2",
        "profile default in the config file",
    )


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"AWS_REGION": "a-1", "AMAZON_REGION": "b-1", "AWS_DEFAULT_REGION": "c-1"}, "AWS_REGION"),
        ({"AMAZON_REGION": "b-1", "AWS_DEFAULT_REGION": "c-1"}, "AMAZON_REGION"),
        ({"AWS_DEFAULT_REGION": "c-1", "AMAZON_DEFAULT_REGION": "d-1"}, "AWS_DEFAULT_REGION"),
        ({"AMAZON_DEFAULT_REGION": "d-1"}, "AMAZON_DEFAULT_REGION"),
    ],
)
def test_region_variables_in_the_cli_order(
    aws_home: Path, variables: dict[str, str], expected: str
) -> None:
    (aws_home / "config").write_text("[default]\nregion = us-west-2\n")
    assert _region(variables)[1] == expected


def test_profile_region_credentials_file_first_then_config_then_default(aws_home: Path) -> None:
    (aws_home / "config").write_text(
        "[default]\nregion = us-west-2\n[profile work]\nregion = ap-south-1\n"
    )
    (aws_home / "credentials").write_text("[work]\nregion = ca-central-1\n")
    work = {"AWS_PROFILE": "work"}
    assert _region(work) == ("ca-central-1", "profile work in the credentials file")
    (aws_home / "credentials").write_text("")
    assert _region(work) == ("ap-south-1", "profile work in the config file")
    (aws_home / "config").write_text("[default]\nregion = us-west-2\n[profile work]\n")
    assert _region(work) == ("us-west-2", "profile default in the config file")
    # AWS_DEFAULT_PROFILE names the profile too
    (aws_home / "config").write_text("[profile other]\nregion = sa-east-1\n")
    assert _region({"AWS_DEFAULT_PROFILE": "other"})[0] == "sa-east-1"


def test_region_setting_in_cdk_json_wins_over_everything(aws_home: Path) -> None:
    assert _region({"AWS_REGION": "a-1"}, region="eu-north-1") == (
        "eu-north-1",
        "the `region` setting in cdk.json",
    )


def test_profile_setting_in_cdk_json_picks_the_profile(aws_home: Path) -> None:
    (aws_home / "config").write_text("[profile fromjson]\nregion = eu-south-1\n")
    assert _region(profile="fromjson")[0] == "eu-south-1"


def test_on_ec2_without_a_region_the_guard_asks_instead_of_calling_imds(aws_home: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "AWS_EC2_METADATA_DISABLED"}
    with pytest.raises(AwsTargetError, match="export AWS_REGION"):
        cdk_region(environ, {}, on_ec2=True)
    # AND with the metadata service disabled, the CLI's own default applies
    assert cdk_region({**environ, "AWS_EC2_METADATA_DISABLED": "true"}, {}, on_ec2=True).region == (
        "us-east-1"
    )


def test_cdk_settings_project_over_user(tmp_path: Path) -> None:
    (tmp_path / ".cdk.json").write_text('{"region": "u-1", "profile": "p"}')
    project = tmp_path / "project"
    project.mkdir()
    (project / "cdk.json").write_text('{"region": "p-1"}')
    assert cdk_settings(project, home=tmp_path) == {"region": "p-1", "profile": "p"}


# --- Credentials that live elsewhere: SSO and assume-role, never resolved by the guard -----------

SSO_PROFILE = (
    "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\n"
    "sso_role_name = Deployer\nregion = eu-west-1\n"
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
    "sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n"
)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any HTTP(S) call goes to a dead proxy; any MFA prompt is recorded and refused."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    prompts: list[str] = []

    def refuse(prompt: str = "", stream: object = None) -> str:
        prompts.append(prompt)
        raise AssertionError(f"the guard prompted: {prompt}")

    monkeypatch.setattr("getpass.getpass", refuse)
    return prompts


def test_sso_profile_not_logged_in_gives_one_line(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    (aws_home / "config").write_text(SSO_PROFILE)
    monkeypatch.setenv("AWS_PROFILE", "sso")
    with pytest.raises(AwsTargetError) as raised:
        _check()
    assert str(raised.value) == (
        "AWS SSO profile sso is not logged in: run `aws sso login --profile sso`"
    )


def _sso_token(aws_home: Path, expires: str, **extra: str) -> None:
    cache = aws_home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    name = hashlib.sha1(b"corp").hexdigest()  # botocore's cache key for an sso-session
    token = {"accessToken": "opaque", "expiresAt": expires, **extra}
    (cache / f"{name}.json").write_text(json.dumps(token))


def test_sso_profile_logged_in_is_accepted_without_any_call(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    (aws_home / "config").write_text(SSO_PROFILE)
    monkeypatch.setenv("AWS_PROFILE", "sso")
    _sso_token(aws_home, "2999-01-01T00:00:00Z")
    target = _check()
    assert (target.credential_method, target.region) == ("sso", "eu-west-1")


def test_sso_login_expired_gives_one_line(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    (aws_home / "config").write_text(SSO_PROFILE)
    monkeypatch.setenv("AWS_PROFILE", "sso")
    _sso_token(aws_home, "2001-01-01T00:00:00Z")
    with pytest.raises(AwsTargetError, match=r"expired: run `aws sso login --profile sso`$"):
        _check()


def test_assume_role_with_mfa_neither_prompts_nor_calls_sts(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    # GIVEN a profile that assumes a role with MFA from static source keys
    _static_keys(aws_home, "base")
    (aws_home / "config").write_text(
        "[profile deploy]\nrole_arn = arn:aws:iam::111122223333:role/Deployer\n"
        "source_profile = base\nmfa_serial = arn:aws:iam::111122223333:mfa/me\n"
        "region = eu-central-1\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "deploy")
    # WHEN the guard checks THEN it names the target; the CDK CLI will ask for the code, once
    target = _check()
    assert (target.credential_method, target.region) == ("assume-role", "eu-central-1")
    assert no_network == []


def test_deploy_check_without_a_reservation_makes_no_call(
    aws_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_network: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN no reservation asked for THEN GetAccountSettings is not needed (no network here)
    _real_credentials(monkeypatch)
    assert main(["check", "--deploy", "lambdaReservedConcurrency=0"]) == 0
    assert main(["check", "--deploy", "lambdaReservedConcurrency=oops"]) == 1
    assert "lambdaReservedConcurrency='oops'" in capsys.readouterr().err
