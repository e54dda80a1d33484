"""The default chain against botocore's own resolution, given the same files and environment.

botocore is the oracle for the order of the sources and for when a configured source is an
error: for each setup both must pick the same kind of source (botocore's ``method`` names) and,
for static credentials, the same access key and token, or both fail, or both find nothing.
Roles are assumed against a fake STS (botocore defers its STS call, so only the source kind is
compared for them).  Setups come from a table of named cases and from hypothesis.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from signers.credentials import CredentialsError, CredentialsNotFound, default_chain

from .support import SECRET, TOKEN, FakeServer, Reply, Seen, environment, write

botocore_session = pytest.importorskip("botocore.session")
botocore_exceptions = pytest.importorskip("botocore.exceptions")

# Every setup runs processes and a fake STS on a socket.
pytestmark = pytest.mark.slow

Outcome = Tuple[Any, ...]
LAZY = ("assume-role", "assume-role-with-web-identity")


def sts_answer(seen: Seen) -> Reply:
    action = "AssumeRoleWithWebIdentity" if b"WebIdentity" in seen.body else "AssumeRole"
    return Reply(
        200,
        (
            f"<{action}Response><{action}Result><Credentials><AccessKeyId>ASIASTS</AccessKeyId>"
            f"<SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken>"
            f"<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></{action}Result>"
            f"</{action}Response>"
        ).encode(),
    )


@pytest.fixture(scope="module")
def sts() -> Iterator[str]:
    with FakeServer(sts_answer) as server:
        yield server.url


def botocore_outcome(profile: Optional[str]) -> Outcome:
    try:
        credentials = botocore_session.Session(profile=profile).get_credentials()
    except botocore_exceptions.BotoCoreError:
        return ("error",)
    if credentials is None:
        return ("none",)
    if credentials.method in LAZY:
        return (credentials.method,)
    frozen = credentials.get_frozen_credentials()
    return (credentials.method, frozen.access_key, frozen.token)


def our_outcome(profile: Optional[str]) -> Outcome:
    try:
        chain = default_chain(profile)
        credentials = chain.credentials()
    except CredentialsNotFound:
        return ("none",)
    except CredentialsError:
        return ("error",)
    if chain.method in LAZY:
        return (chain.method,)
    return (chain.method, credentials.access_key, credentials.token)


def process(home: Path, access_key: str, ok: bool = True) -> str:
    script = write(
        home / f"{access_key}.py",
        "import json, sys\n"
        + (
            f"print(json.dumps({{'Version': 1, 'AccessKeyId': {access_key!r}, "
            f"'SecretAccessKey': {SECRET!r}}}))\n"
            if ok
            else "sys.exit(1)\n"
        ),
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def static(access_key: str, token: bool = False) -> str:
    text = f"aws_access_key_id = {access_key}\naws_secret_access_key = {SECRET}\n"
    return text + (f"aws_session_token = {TOKEN}\n" if token else "")


def run(
    home: Path,
    sts_url: str,
    *,
    env: Dict[str, Optional[str]],
    credentials: str = "",
    config: str = "",
    profile: Optional[str] = None,
) -> Tuple[Outcome, Outcome]:
    """Both outcomes for one setup (``{home}`` and ``{proc:KEY}`` are filled in the files)."""
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    token_file = write(home / "web-token", "jwt-token")

    def fill(text: str) -> str:
        for key in ("AKIDPROCDEFAULT", "AKIDPROCDEV", "AKIDPROCBAD"):
            text = text.replace(f"{{proc:{key}}}", process(home, key, ok=key != "AKIDPROCBAD"))
        return text.replace("{token_file}", str(token_file))

    if credentials:
        write(home / ".aws" / "credentials", fill(credentials))
    if config:
        write(home / ".aws" / "config", fill(config))
    values: Dict[str, Optional[str]] = {
        "HOME": str(home),
        "AWS_ENDPOINT_URL_STS": sts_url,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    values.update({k: (fill(v) if v else v) for k, v in env.items()})
    with environment(values):
        return our_outcome(profile), botocore_outcome(profile)


ENV_KEYS = {"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": SECRET}
WEB_ENV = {"AWS_WEB_IDENTITY_TOKEN_FILE": "{token_file}", "AWS_ROLE_ARN": "arn:aws:iam::1:role/w"}
ROLE = "role_arn = arn:aws:iam::123456789012:role/r\n"

CASES: Dict[str, Dict[str, Any]] = {
    "environment only": {"env": ENV_KEYS},
    "environment wins over the files": {
        "env": ENV_KEYS,
        "credentials": "[default]\n" + static("AKIDCREDDEFAULT"),
    },
    "an explicit profile skips the environment": {
        "env": ENV_KEYS,
        "credentials": "[dev]\n" + static("AKIDCREDDEV"),
        "profile": "dev",
    },
    "AWS_PROFILE does not skip the environment": {
        "env": {**ENV_KEYS, "AWS_PROFILE": "dev"},
        "credentials": "[dev]\n" + static("AKIDCREDDEV"),
    },
    "AWS_PROFILE picks the profile": {
        "env": {"AWS_PROFILE": "dev"},
        "credentials": "[default]\n" + static("AKIDCREDDEFAULT") + "[dev]\n" + static("AKIDDEV"),
    },
    "legacy token variable first": {
        "env": {**ENV_KEYS, "AWS_SECURITY_TOKEN": "legacy", "AWS_SESSION_TOKEN": TOKEN},
    },
    "partial environment is an error": {"env": {"AWS_ACCESS_KEY_ID": "AKIDENV"}},
    "credentials file before config file": {
        "env": {},
        "credentials": "[default]\n" + static("AKIDCREDDEFAULT", token=True),
        "config": "[default]\n" + static("AKIDCFGDEFAULT"),
    },
    "config file alone": {
        "env": {},
        "config": "[profile dev]\n" + static("AKIDCFGDEV"),
        "profile": "dev",
    },
    "process before config file": {
        "env": {},
        "config": "[default]\ncredential_process = {proc:AKIDPROCDEFAULT}\n"
        + static("AKIDCFGDEFAULT"),
    },
    "credentials file before process": {
        "env": {},
        "credentials": "[default]\n" + static("AKIDCREDDEFAULT"),
        "config": "[default]\ncredential_process = {proc:AKIDPROCDEFAULT}\n",
    },
    "failing process is an error": {
        "env": {},
        "config": "[default]\ncredential_process = {proc:AKIDPROCBAD}\n" + static("AKIDCFG"),
    },
    "process in the credentials file": {
        "env": {},
        "credentials": "[dev]\ncredential_process = {proc:AKIDPROCDEV}\n",
        "profile": "dev",
    },
    "[dev] in the config file is not a profile": {
        "env": {},
        "config": "[dev]\n" + static("AKIDCFGDEV"),
        "profile": "dev",
    },
    "[profile dev] in the credentials file is not dev": {
        "env": {},
        "credentials": "[profile dev]\n" + static("AKIDCREDDEV"),
        "profile": "dev",
    },
    "unknown profile from AWS_PROFILE": {"env": {**ENV_KEYS, "AWS_PROFILE": "nope"}},
    "explicit default that does not exist": {"env": ENV_KEYS, "profile": "default"},
    "nothing anywhere": {"env": {}},
    "explicit profile without credentials": {
        "env": ENV_KEYS,
        "config": "[profile dev]\nregion = eu-west-1\n",
        "profile": "dev",
    },
    "assume role before the credentials file": {
        "env": {},
        "credentials": "[base]\n" + static("AKIDBASE") + "[role]\n" + static("AKIDROLESTATIC"),
        "config": "[profile role]\n" + ROLE + "source_profile = base\n",
        "profile": "role",
    },
    "web identity from the environment": {"env": WEB_ENV},
    "web identity after the environment keys": {"env": {**ENV_KEYS, **WEB_ENV}},
    "explicit profile ignores web identity variables": {
        "env": WEB_ENV,
        "credentials": "[dev]\n" + static("AKIDCREDDEV"),
        "profile": "dev",
    },
    "web identity profile is not an assume-role profile": {
        "env": {},
        "config": "[profile w]\n" + ROLE + "web_identity_token_file = {token_file}\n",
        "profile": "w",
    },
    "role with a loop": {
        "env": {},
        "config": "[profile a]\n" + ROLE + "source_profile = b\n"
        "[profile b]\n" + ROLE + "source_profile = a\n",
        "profile": "a",
    },
    "role whose source has nothing": {
        "env": {},
        "config": "[profile a]\n" + ROLE + "source_profile = b\n[profile b]\nregion = x\n",
        "profile": "a",
    },
    "role from the environment": {
        "env": ENV_KEYS,
        "config": "[profile a]\n" + ROLE + "credential_source = environment\n",
        "profile": "a",
    },
    "role from an empty environment": {
        "env": {},
        "config": "[profile a]\n" + ROLE + "credential_source = Environment\n",
        "profile": "a",
    },
    "role with an unknown credential source": {
        "env": ENV_KEYS,
        "config": "[profile a]\n" + ROLE + "credential_source = Somewhere\n",
        "profile": "a",
    },
    "custom file locations": {
        "env": {"AWS_SHARED_CREDENTIALS_FILE": "{token_file}.creds"},
        "credentials": "[default]\n" + static("AKIDNOTREAD"),
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_source_as_botocore(name: str, sts: str, tmp_path: Path) -> None:
    ours, theirs = run(tmp_path / "home", sts, **CASES[name])
    assert ours == theirs


def test_the_table_covers_every_kind_of_outcome(sts: str, tmp_path: Path) -> None:
    # Guard against a table that only ever compares "none" with "none".
    kinds = {
        run(tmp_path / name.replace(" ", "-"), sts, **CASES[name])[1][0]
        for name in (
            "environment only",
            "an explicit profile skips the environment",
            "config file alone",
            "partial environment is an error",
            "nothing anywhere",
            "web identity from the environment",
        )
    }
    assert kinds == {
        "env",
        "shared-credentials-file",
        "config-file",
        "error",
        "none",
        "assume-role-with-web-identity",
    }


# -- generated setups ----------------------------------------------------------------------------

_env_keys = st.sampled_from(
    [
        {},
        {},
        ENV_KEYS,
        {**ENV_KEYS, "AWS_SESSION_TOKEN": TOKEN},
        {"AWS_ACCESS_KEY_ID": "AKIDENV"},
    ]
)
_aws_profile = st.sampled_from([None, None, None, "dev", "role"])
_profile = st.sampled_from([None, None, "default", "dev", "role", "role"])
_credentials_sections = st.fixed_dictionaries(
    {},
    optional={
        "[default]": st.just(static("AKIDCREDDEFAULT")),
        "[dev]": st.sampled_from([static("AKIDCREDDEV", token=True), "region = x\n"]),
        "[role]": st.just(static("AKIDCREDROLE")),
    },
)
_config_sections = st.fixed_dictionaries(
    {},
    optional={
        "[default]": st.sampled_from(
            [static("AKIDCFGDEFAULT"), "credential_process = {proc:AKIDPROCDEFAULT}\n"]
        ),
        "[profile dev]": st.sampled_from(
            [
                static("AKIDCFGDEV"),
                "credential_process = {proc:AKIDPROCDEV}\n",
                "credential_process = {proc:AKIDPROCBAD}\n",
                "region = eu-west-1\n",
            ]
        ),
        "[profile role]": st.sampled_from(
            [
                ROLE + "source_profile = dev\n",
                ROLE + "credential_source = Environment\n",
                ROLE + "web_identity_token_file = {token_file}\n",
            ]
        ),
    },
)


def _file(sections: Dict[str, str]) -> str:
    return "".join(f"{header}\n{body}" for header, body in sections.items())


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    env_keys=_env_keys,
    web=st.booleans(),
    aws_profile=_aws_profile,
    profile=_profile,
    credentials=_credentials_sections,
    config=_config_sections,
)
def test_generated_setups_agree_with_botocore(
    sts: str,
    env_keys: Dict[str, str],
    web: bool,
    aws_profile: Optional[str],
    profile: Optional[str],
    credentials: Dict[str, str],
    config: Dict[str, str],
) -> None:
    env: Dict[str, Optional[str]] = {name: None for name in (*ENV_KEYS, "AWS_SESSION_TOKEN")}
    env.update(env_keys)
    env.update(WEB_ENV if web else {name: None for name in WEB_ENV})
    env["AWS_PROFILE"] = aws_profile
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        ours, theirs = run(
            home,
            sts,
            env=env,
            credentials=_file(credentials),
            config=_file(config),
            profile=profile,
        )
    event(str(theirs[0]))
    assert ours == theirs, (ours, theirs)
    assert os.environ.get("HOME") != str(home)
