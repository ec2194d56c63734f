"""The environment of every process devtools starts: dummy credentials, nothing of the user's."""

from __future__ import annotations

import os
from collections.abc import Mapping

# The emulator accepts any credentials; these are a well-known dummy pair, not a secret.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# What a child needs to run at all (find programs, decode text, its home and temp folder);
# everything else (keys, tokens, profiles, SSO caches, other tools' secrets) stays behind.
_KEPT = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "TERM",
    "NO_COLOR",
    "VIRTUAL_ENV",
    "SYSTEMROOT",
)


def minimal_env(region: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A child environment: the basics above, dummy credentials, the region, then `extra`.

    The AWS config and credentials files are pointed at /dev/null so no SDK in the child can
    pick a profile (or its endpoint) from the user's ~/.aws either.
    """
    env = {name: os.environ[name] for name in _KEPT if name in os.environ}
    env.update(DUMMY_CREDENTIALS)
    env.update(
        {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    env.update(extra or {})
    return env
