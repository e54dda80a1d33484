"""Secrets never appear in a repr, a str, an error (message, args, source) or a log line."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Callable, List

import pytest

import signers
from signers.credentials import (
    CredentialsError,
    EnvironmentProvider,
    ProcessProvider,
    RefreshingProvider,
    SharedConfig,
    default_chain,
)
from signers.credentials._ini import parse_ini, read_ini

from .support import SECRET, TOKEN, ManualClock, assert_no_secret, process_command, write


@pytest.mark.slow
def test_reprs_after_loading(
    clean_environment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = process_command(
        tmp_path,
        {"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": SECRET, "SessionToken": TOKEN},
    )
    write(
        clean_environment / ".aws" / "credentials",
        f"[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = {SECRET}\n"
        f"aws_session_token = {TOKEN}\n",
    )
    write(
        clean_environment / ".aws" / "config",
        f"[profile p]\ncredential_process = {command}\n",
    )
    for profile in (None, "p"):
        chain = default_chain(profile)
        credentials = chain.credentials()
        assert credentials.secret_key == SECRET  # the secrets are there ...
        shown: List[object] = [chain, chain.provider, credentials, *chain.providers]
        assert_no_secret(*(repr(x) for x in shown), *(str(x) for x in shown))  # ... not shown
    config = SharedConfig.load()
    parsed = read_ini(str(clean_environment / ".aws" / "credentials"))
    assert parsed is not None
    assert_no_secret(repr(config), repr(parsed), *(repr(s) for s in parsed.sections.values()))


BAD_INPUTS: List[Callable[[Path, pytest.MonkeyPatch], object]] = []


def case(function: Callable[[Path, pytest.MonkeyPatch], object]) -> None:
    BAD_INPUTS.append(function)


@case
def _secret_as_an_ini_line(home: Path, mp: pytest.MonkeyPatch) -> object:
    return parse_ini(f"[default]\n{SECRET}\n", "x")


@case
def _secret_before_a_section(home: Path, mp: pytest.MonkeyPatch) -> object:
    return parse_ini(f"{SECRET} = {TOKEN}\n", "x")


@case
def _secret_in_a_sub_section(home: Path, mp: pytest.MonkeyPatch) -> object:
    return parse_ini(f"[default]\ns3 =\n  {SECRET}\n", "x")


@case
def _access_key_with_a_slash(home: Path, mp: pytest.MonkeyPatch) -> object:
    mp.setenv("AWS_ACCESS_KEY_ID", f"AKID/{SECRET}")
    mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    return EnvironmentProvider().credentials()


@case
def _secret_with_a_newline(home: Path, mp: pytest.MonkeyPatch) -> object:
    mp.setenv("AWS_ACCESS_KEY_ID", "AKID")
    mp.setenv("AWS_SECRET_ACCESS_KEY", f"{SECRET}\n{TOKEN}")
    return EnvironmentProvider().credentials()


@case
def _secret_as_an_expiry(home: Path, mp: pytest.MonkeyPatch) -> object:
    mp.setenv("AWS_ACCESS_KEY_ID", "AKID")
    mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    mp.setenv("AWS_CREDENTIAL_EXPIRATION", TOKEN)
    return EnvironmentProvider().credentials()


@case
def _process_printing_secrets_then_failing(home: Path, mp: pytest.MonkeyPatch) -> object:
    command = process_command(home, f"{SECRET} {TOKEN}", exit_code=2, stderr=SECRET)
    write(home / ".aws" / "config", f"[default]\ncredential_process = {command}\n")
    return ProcessProvider().credentials()


@case
def _process_command_carrying_a_secret(home: Path, mp: pytest.MonkeyPatch) -> object:
    write(home / ".aws" / "config", f"[default]\ncredential_process = /nonexistent {SECRET}\n")
    return ProcessProvider().credentials()


@case
def _unknown_profile_next_to_secrets(home: Path, mp: pytest.MonkeyPatch) -> object:
    write(
        home / ".aws" / "credentials",
        f"[default]\naws_access_key_id = AKID\naws_secret_access_key = {SECRET}\n",
    )
    return default_chain("missing")


@case
def _sub_section_where_a_key_belongs(home: Path, mp: pytest.MonkeyPatch) -> object:
    write(
        home / ".aws" / "credentials",
        f"[default]\naws_access_key_id =\n  a = {SECRET}\naws_secret_access_key = {SECRET}\n",
    )
    return default_chain().credentials()


@pytest.mark.parametrize("provoke", BAD_INPUTS, ids=lambda f: f.__name__.strip("_"))
def test_errors_carry_no_secret(
    provoke: Callable[[Path, pytest.MonkeyPatch], object],
    clean_environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(signers.SigningError) as info:
        provoke(clean_environment, monkeypatch)
    error = info.value
    assert "\n" not in str(error)
    assert_no_secret(
        str(error), repr(error), repr(error.args), str(getattr(error, "source", "")), caplog.text
    )


def test_advisory_refresh_failure_logs_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock()
    calls = {"n": 0}

    def fetch() -> object:
        calls["n"] += 1
        if calls["n"] > 1:
            raise CredentialsError(f"source: refused ({len(SECRET)} chars)")
        return signers.Credentials("ASIA1", SECRET, TOKEN), clock.now + dt.timedelta(hours=1)

    provider = RefreshingProvider(fetch, source="source", clock=clock)  # type: ignore[arg-type]
    provider.credentials()
    clock.advance(47 * 60)
    with caplog.at_level(logging.DEBUG):
        assert provider.credentials().access_key == "ASIA1"
    assert caplog.records and all(r.name == "signers.credentials" for r in caplog.records)
    assert_no_secret(caplog.text, repr(provider), repr(provider.last_error))
