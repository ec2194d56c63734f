"""The real-AWS guard: refuses the local emulator and missing credentials, never calls AWS."""

from __future__ import annotations

import os
from pathlib import Path

import botocore.session
import pytest

from devtools.aws_target import (
    AwsTarget,
    AwsTargetError,
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
    with pytest.raises(AwsTargetError, match=r"^AWS_PROFILE=nope: no such profile"):
        _check()


def test_refuses_without_a_region(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _real_credentials(monkeypatch)
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(AwsTargetError, match=r"^no AWS region configured"):
        _check()


def test_accepts_real_credentials_from_the_environment(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN credentials and a region, and a non-local endpoint override (e.g. a VPC endpoint)
    _real_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://bucket.vpce-1.s3.eu-west-1.amazonaws.com")
    # THEN the target is described, nothing refused
    assert _check() == AwsTarget(credential_method="env", profile=None, region="eu-west-1")


def test_accepts_a_profile_from_the_shared_files(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (aws_home / "config").write_text("[profile work]\nregion = ap-southeast-2\n")
    (aws_home / "credentials").write_text(
        f"[work]\naws_access_key_id = {FAKE_KEY_ID}\naws_secret_access_key = {FAKE_SECRET}\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "work")
    assert _check() == AwsTarget(
        credential_method="shared-credentials-file", profile="work", region="ap-southeast-2"
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
    assert "AWS target: region eu-west-1, credentials from env" in capsys.readouterr().err
    assert main(["deploy"]) == 2
