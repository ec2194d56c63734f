"""Run the CDK CLI (`npx --no-install cdk`) against the emulator with a project-local home."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devtools.child_env import minimal_env
from devtools.errors import DeployError
from devtools.paths import StatePaths

STACK_NAME = "RealTimeAnalyticsPipeline"
TOOLKIT_STACK_NAME = "CDKToolkit"
ACCOUNT_ID = "000000000000"

LineHandler = Callable[[str], None]
# Node's and npm's own settings (proxy CA, cache folder, memory) pass through to the CDK CLI
_NODE_PREFIXES = ("NODE_", "npm_config_", "NPM_CONFIG_", "NVM_")


@dataclass(frozen=True)
class CdkTarget:
    """Where and how the CDK CLI runs: project root, emulator endpoint, region, state paths."""

    project_root: Path
    endpoint_url: str
    region: str
    paths: StatePaths
    context: Mapping[str, str] | None = None

    def env(self) -> dict[str, str]:
        # a developer's keys, profile, session token or SSO config must never reach an emulator
        # deploy (nor the CLI pick real credentials by accident): a minimal environment with
        # dummy credentials, plus what Node and npm read from the user's environment
        node = {k: v for k, v in os.environ.items() if k.startswith(_NODE_PREFIXES)}
        return minimal_env(
            self.region,
            {
                **node,
                "AWS_ENDPOINT_URL": self.endpoint_url,
                # the CLI caches account ids per access key in ~/.cdk; a shared cache makes it
                # refuse a second emulator's account, so keep it per project
                "CDK_HOME": str(self.paths.cdk_home),
                "CDK_DISABLE_VERSION_CHECK": "1",
                # jsii reads a comma-separated list of Node *major versions* to keep quiet about
                # (the banner on Node 20 is printed otherwise; "1" silences nothing)
                "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
                "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "18,20",
                "FORCE_COLOR": "0",
                "NODE_NO_WARNINGS": "1",  # the SDK's Node-version notices on every run
                "CI": "true",  # plain line-per-event progress instead of a redrawn bar
            },
        )

    def app_command(self) -> str:
        """The app as a command for `--app`: this interpreter, so the venv's CDK libraries."""
        return f"{sys.executable} -m stack.app"

    def common_args(self) -> list[str]:
        args = [
            "--app",
            self.app_command(),
            "--output",
            str(self.paths.cdk_out),
            "--no-notices",
            "--no-version-reporting",
        ]
        for key, value in sorted((self.context or {}).items()):
            args += ["--context", f"{key}={value}"]
        return args


@dataclass(frozen=True)
class CdkRun:
    """One finished CLI run: its arguments, exit code, elapsed time and combined output."""

    args: tuple[str, ...]
    returncode: int
    seconds: float
    output: str


def run_cdk(
    target: CdkTarget,
    args: Sequence[str],
    *,
    on_line: LineHandler | None = None,
    without_app: bool = False,
) -> CdkRun:
    """Run `npx --no-install cdk <args>` in the project, streaming output lines to `on_line`.

    `without_app` runs the project's CLI binary from CDK_HOME instead, where no cdk.json is:
    `cdk bootstrap aws://account/region` then skips synthesizing the app (measured: ~12 s
    of a 17 s bootstrap).
    """
    target.paths.cdk_home.mkdir(parents=True, exist_ok=True)
    cwd = target.project_root
    command = ["npx", "--no-install", "cdk", *args]
    binary = target.project_root / "node_modules" / ".bin" / "cdk"
    if without_app and binary.exists():
        command = [str(binary), *args]
        cwd = target.paths.cdk_home
    began = time.monotonic()
    lines: list[str] = []
    try:
        child = subprocess.Popen(
            command,
            cwd=cwd,
            env=target.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
        )
    except FileNotFoundError as exc:
        raise DeployError(
            "npx not found: install Node.js 20+ and run `make install` (it runs `npm ci`)"
        ) from exc
    assert child.stdout is not None
    for raw in child.stdout:
        line = raw.rstrip()
        lines.append(line)
        if on_line is not None and line.strip():
            on_line(line)
    returncode = child.wait()
    return CdkRun(tuple(command), returncode, time.monotonic() - began, "\n".join(lines))


def deploy_args(target: CdkTarget, *, hotswap: bool = False) -> list[str]:
    args = [
        "deploy",
        STACK_NAME,
        *target.common_args(),
        "--outputs-file",
        str(target.paths.outputs),
        "--require-approval",
        "never",
        "--progress",
        "events",
    ]
    if hotswap:
        args.append("--hotswap-fallback")
    return args


def bootstrap_args(target: CdkTarget) -> list[str]:
    """For `run_cdk(..., without_app=True)`: the environment is explicit, no app needed."""
    return [
        "bootstrap",
        f"aws://{ACCOUNT_ID}/{target.region}",
        "--no-notices",
        "--no-version-reporting",
    ]


def destroy_args(target: CdkTarget) -> list[str]:
    """Destroy from the cloud assembly the last deploy wrote when there is one: no new synth."""
    args = ["destroy", STACK_NAME, *target.common_args(), "--force"]
    if (target.paths.cdk_out / "manifest.json").is_file():
        args[args.index("--app") + 1] = str(target.paths.cdk_out)
        # the assembly is read, not written: --output must not point at the same folder
        index = args.index("--output")
        del args[index : index + 2]
    return args


def failure_message(run: CdkRun, what: str, log_path: Path) -> str:
    """One line for the user: the most telling error line, and where the full output is.

    The app's own refusal (`error: invalid context ...`, printed by the synth) comes before the
    CLI's generic "Subprocess exited with error 1", which says nothing: prefer the former.
    """
    errors = [
        line.strip()
        for line in run.output.splitlines()
        if "error" in line.lower() or "failed" in line.lower() or line.strip().startswith("❌")
    ]
    own = [line for line in errors if line.lower().startswith("error:")]
    specific = [line for line in errors if "Subprocess exited with error" not in line]
    chosen = own or specific or errors
    detail = chosen[0] if own else (chosen[-1] if chosen else _last_line(run.output))
    if detail.lower().startswith("error:"):
        detail = detail[len("error:") :].strip()
    return f"cdk {what} failed (exit {run.returncode}): {detail} - full output in {log_path}"


def _last_line(output: str) -> str:
    return (output.strip().splitlines() or ["no output"])[-1]
