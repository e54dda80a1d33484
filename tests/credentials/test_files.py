"""Environment, shared credentials file, config file and credential_process providers."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

import signers
from signers.credentials import (
    ConfigFileError,
    ConfigProvider,
    CredentialsError,
    EnvironmentProvider,
    ProcessProvider,
    SharedCredentialsProvider,
    default_chain,
)

from .support import SECRET, TOKEN, UTC, ManualClock, assert_no_secret, process_command, write


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    provider = EnvironmentProvider()
    assert provider.credentials() == signers.Credentials("AKIDENV", SECRET, TOKEN)
    assert provider.expiry is None
    assert_no_secret(repr(provider))


def test_environment_legacy_token_is_read_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore looks at AWS_SECURITY_TOKEN before AWS_SESSION_TOKEN.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "legacy-token")
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    assert EnvironmentProvider().credentials().token == "legacy-token"


def test_environment_missing_and_partial(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = EnvironmentProvider()
    assert provider.load() is None
    with pytest.raises(CredentialsError, match=r"^environment: AWS_ACCESS_KEY_ID is not set$"):
        provider.credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    with pytest.raises(CredentialsError, match="AWS_SECRET_ACCESS_KEY is not"):
        EnvironmentProvider().credentials()


def test_environment_expiration_is_reread_near_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock()
    expiry = clock.now + dt.timedelta(hours=1)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFIRST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", expiry.isoformat())
    provider = EnvironmentProvider(clock=clock)
    assert provider.credentials().access_key == "AKIDFIRST"
    assert provider.expiry == expiry
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSECOND")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", (expiry + dt.timedelta(hours=1)).isoformat())
    assert provider.credentials().access_key == "AKIDFIRST"  # 60 minutes left: kept
    clock.advance(50 * 60)  # 10 minutes left: fetched again
    assert provider.credentials().access_key == "AKIDSECOND"


def test_bad_expiration_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", "tomorrow")
    with pytest.raises(CredentialsError, match=r"^AWS_CREDENTIAL_EXPIRATION: .*ISO 8601"):
        EnvironmentProvider().credentials()


def test_shared_credentials_file(clean_environment: Path) -> None:
    write(
        clean_environment / ".aws" / "credentials",
        f"[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = {SECRET}\n"
        f"[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key={SECRET}\n"
        f"aws_session_token = {TOKEN}\n",
    )
    assert SharedCredentialsProvider().credentials().access_key == "AKIDDEFAULT"
    dev = SharedCredentialsProvider("dev").credentials()
    assert (dev.access_key, dev.token) == ("AKIDDEV", TOKEN)
    assert SharedCredentialsProvider("absent").load() is None


def test_shared_credentials_file_from_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "elsewhere" / "creds.ini",
        f"[default]\naws_access_key_id = AKIDELSEWHERE\naws_secret_access_key = {SECRET}\n",
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(path))
    assert SharedCredentialsProvider().credentials().access_key == "AKIDELSEWHERE"


def test_partial_keys_name_the_section(clean_environment: Path) -> None:
    write(clean_environment / ".aws" / "credentials", "\n[default]\naws_access_key_id = AKID\n")
    with pytest.raises(CredentialsError) as info:
        SharedCredentialsProvider().credentials()
    assert str(info.value) == (
        "~/.aws/credentials line 2: aws_access_key_id is set but aws_secret_access_key is not"
    )


def test_malformed_key_value_not_shown(clean_environment: Path) -> None:
    write(
        clean_environment / ".aws" / "credentials",
        f"[default]\naws_access_key_id = AKID/{SECRET}\naws_secret_access_key = {SECRET}\n",
    )
    with pytest.raises(CredentialsError) as info:
        SharedCredentialsProvider().credentials()
    assert "~/.aws/credentials line 1" in str(info.value) and "access_key" in str(info.value)
    assert_no_secret(info.value)


def test_config_file_profiles(clean_environment: Path) -> None:
    write(
        clean_environment / ".aws" / "config",
        f"[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = {SECRET}\n"
        f"[profile dev]\naws_access_key_id = AKIDCONFIGDEV\naws_secret_access_key = {SECRET}\n"
        f"[other]\naws_access_key_id = AKIDNOTAPROFILE\naws_secret_access_key = {SECRET}\n",
    )
    assert ConfigProvider().credentials().access_key == "AKIDCONFIG"
    assert ConfigProvider("dev").credentials().access_key == "AKIDCONFIGDEV"
    # "[other]" without "profile" is not a profile in the config file (botocore's rule)
    assert ConfigProvider("other").load() is None


def test_malformed_config_fails_with_file_and_line(clean_environment: Path) -> None:
    write(
        clean_environment / ".aws" / "config",
        f"[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n{SECRET}\n",
    )
    with pytest.raises(ConfigFileError) as info:
        default_chain()
    assert str(info.value).startswith("~/.aws/config line 6: ")
    assert info.value.source == "~/.aws/config line 6"
    assert_no_secret(info.value)


def test_unknown_profile_lists_profiles_but_no_secret(clean_environment: Path) -> None:
    write(
        clean_environment / ".aws" / "credentials",
        f"[default]\naws_access_key_id = AKID\naws_secret_access_key = {SECRET}\n"
        f"[dev]\naws_access_key_id = AKID\naws_secret_access_key = {SECRET}\n",
    )
    with pytest.raises(signers.InvalidCredentials) as info:
        default_chain("prod")
    assert str(info.value) == (
        "profile 'prod' not found in ~/.aws/config or ~/.aws/credentials "
        "(profiles there: default, dev)"
    )
    assert_no_secret(info.value)


# -- credential_process ------------------------------------------------------------------------


def _process_profile(home: Path, command: str, profile: str = "default") -> None:
    header = "[default]" if profile == "default" else f"[profile {profile}]"
    write(home / ".aws" / "config", f"{header}\ncredential_process = {command}\n")


@pytest.mark.slow
def test_process_static(clean_environment: Path, tmp_path: Path) -> None:
    command = process_command(
        tmp_path, {"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": SECRET}
    )
    _process_profile(clean_environment, command)
    provider = ProcessProvider()
    credentials = provider.credentials()
    assert (credentials.access_key, credentials.secret_key, credentials.token) == (
        "AKIDPROC",
        SECRET,
        None,
    )
    assert provider.expiry is None


@pytest.mark.slow
def test_process_temporary(clean_environment: Path, tmp_path: Path) -> None:
    command = process_command(
        tmp_path,
        {
            "Version": 1,
            "AccessKeyId": "ASIAPROC",
            "SecretAccessKey": SECRET,
            "SessionToken": TOKEN,
            "Expiration": "2030-01-01T13:00:00Z",
        },
    )
    _process_profile(clean_environment, command, "dev")
    provider = ProcessProvider("dev", clock=ManualClock())
    assert provider.credentials().token == TOKEN
    assert provider.expiry == dt.datetime(2030, 1, 1, 13, tzinfo=UTC)


@pytest.mark.slow
def test_process_args_are_split_like_a_shell(clean_environment: Path, tmp_path: Path) -> None:
    script = write(
        tmp_path / "dir with space" / "echo args.py",
        "import json, sys\n"
        "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKID' + str(len(sys.argv)),"
        f" 'SecretAccessKey': {SECRET!r}}}))\n",
    )
    _process_profile(clean_environment, f"{sys.executable} '{script}' \"two words\" three")
    assert ProcessProvider().credentials().access_key == "AKID3"  # script, "two words", three


@pytest.mark.slow
@pytest.mark.parametrize(
    ("output", "exit_code", "fragment"),
    [
        (
            {"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": SECRET},
            3,
            "exited with status 3",
        ),
        (f"not json {SECRET} {TOKEN}", 0, "is not JSON"),
        ([SECRET], 0, "JSON list, not an object"),
        ({"Version": 2, "AccessKeyId": "AKID", "SecretAccessKey": SECRET}, 0, "Version is 2"),
        ({"Version": SECRET, "AccessKeyId": "AKID"}, 0, "Version is str"),
        ({"Version": 1, "AccessKeyId": "AKID", "Token": SECRET}, 0, "has no SecretAccessKey"),
        (
            {"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": SECRET, "Expiration": TOKEN},
            0,
            "expiry is not an ISO 8601 time",
        ),
    ],
)
def test_process_failures_do_not_echo_output(
    clean_environment: Path, tmp_path: Path, output: object, exit_code: int, fragment: str
) -> None:
    command = process_command(tmp_path, output, exit_code=exit_code, stderr=f"oops {SECRET}")
    _process_profile(clean_environment, command)
    with pytest.raises(CredentialsError) as info:
        ProcessProvider().credentials()
    message = str(info.value)
    assert fragment in message
    assert message.startswith("credential_process of profile 'default' (~/.aws/config line 2): ")
    assert "\n" not in message
    assert_no_secret(info.value)


@pytest.mark.slow
def test_process_missing_program(clean_environment: Path, tmp_path: Path) -> None:
    _process_profile(clean_environment, str(tmp_path / "no-such-program") + f" --key {SECRET}")
    with pytest.raises(CredentialsError, match="program 'no-such-program' not found"):
        ProcessProvider().credentials()


@pytest.mark.slow
def test_process_is_bounded_in_time(clean_environment: Path, tmp_path: Path) -> None:
    command = process_command(tmp_path, {"Version": 1}, sleep=30)
    _process_profile(clean_environment, command)
    with pytest.raises(CredentialsError, match=r"did not finish within 0\.5 s"):
        ProcessProvider(timeout=0.5).credentials()


@pytest.mark.slow
def test_process_in_the_credentials_file_counts(clean_environment: Path, tmp_path: Path) -> None:
    # botocore reads credential_process from the merged profile, the credentials file included.
    command = process_command(
        tmp_path, {"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": SECRET}
    )
    write(clean_environment / ".aws" / "credentials", f"[dev]\ncredential_process = {command}\n")
    assert ProcessProvider("dev").credentials().access_key == "AKIDPROC"


def test_no_credentials_anywhere_lists_every_source() -> None:
    with pytest.raises(signers.InvalidCredentials) as info:
        default_chain().credentials()
    assert isinstance(info.value, signers.errors.CredentialsNotFound)
    assert str(info.value) == (
        "no credentials found: tried environment, assume role (profile 'default'), "
        "web identity (profile 'default'), shared credentials file ~/.aws/credentials "
        "[default], credential_process (profile 'default'), config file ~/.aws/config "
        "(profile 'default'), container credentials, EC2 instance metadata "
        "(set AWS_ACCESS_KEY_ID or configure a profile)"
    )
