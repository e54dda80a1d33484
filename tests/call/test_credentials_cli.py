"""`sign`, `presign`, `migrate` and `call` take their credentials from the standard chain, with
``--profile``; the keys on the command line come first.  The order of the environment and a
profile is botocore's (a test-only oracle: ``botocore.session.Session``).

Bad input -- a malformed INI, a failing ``credential_process``, a hanging metadata service, an
unknown profile or operation -- is one line on stderr, exit 2, nothing sent, nothing leaked.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest

from .support import (
    AK,
    OTHER_SECRET,
    SECRET,
    TOKEN,
    FakeImds,
    FakeServer,
    Reply,
    Result,
    assert_no_secret,
    aws_file,
    keys_in_environment,
    process_command,
    run,
)

PROFILE_KEY = "AKIDPROFILEEXAMPLE"
SIGN = ["sign", "GET", "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity"]


def access_key_of(result: Result) -> str:
    found = re.search(r"Credential=([^/]+)/", result.text) or re.search(
        r"X-Amz-Credential=([^%&]+)%2F", result.text
    )
    assert found, result.err or result.text
    return found.group(1)


@pytest.fixture
def profiles(clean_environment: Path) -> Path:
    aws_file(
        clean_environment,
        "credentials",
        f"[dev]\naws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = {OTHER_SECRET}\n",
    )
    aws_file(clean_environment, "config", "[profile dev]\nregion = eu-west-3\n")
    return clean_environment


def botocore_access_key(profile: Optional[str]) -> str:
    session = pytest.importorskip("botocore.session").Session(profile=profile)
    return str(session.get_credentials().access_key)


@pytest.mark.parametrize(
    "env_keys, profile_flag, aws_profile",
    [
        (True, None, None),  # environment only
        (False, "dev", None),  # --profile
        (True, "dev", None),  # --profile named: the environment's keys are left out
        (True, None, "dev"),  # AWS_PROFILE does not leave them out
        (False, None, "dev"),
    ],
)
@pytest.mark.parametrize("command", ["sign", "presign"])
def test_chain_order_matches_botocore(
    profiles: Path,
    monkeypatch: Any,
    command: str,
    env_keys: bool,
    profile_flag: Optional[str],
    aws_profile: Optional[str],
) -> None:
    if env_keys:
        keys_in_environment(monkeypatch)
    if aws_profile:
        monkeypatch.setenv("AWS_PROFILE", aws_profile)
    expected = botocore_access_key(profile_flag)
    argv = [command, *SIGN[1:]] + (["--profile", profile_flag] if profile_flag else [])
    result = run(argv)
    assert result.code == 0, result.err
    assert access_key_of(result) == expected


def test_keys_on_the_command_line_come_first(profiles: Path, monkeypatch: Any) -> None:
    keys_in_environment(monkeypatch)
    result = run([*SIGN, "--profile", "dev", "--access-key", "AKIDFLAG", "--secret-key", "s"])
    assert access_key_of(result) == "AKIDFLAG"


def test_profile_gives_the_region_of_a_host_that_names_none(profiles: Path) -> None:
    result = run(
        [
            "sign",
            "GET",
            "https://api.example.com/",
            "--service",
            "execute-api",
            "--profile",
            "dev",
            "--explain",
        ]
    )
    assert result.code == 0, result.err
    assert "# region eu-west-3: profile 'dev' (~/.aws/config line 2)" in result.text
    assert "# credentials AKIDPROFILEEXAMPLE: shared credentials file" in result.text
    assert_no_secret(result)


@pytest.mark.slow  # the credential process is a Python script
def test_credential_process_token_is_signed(clean_environment: Path, tmp_path: Path) -> None:
    command = process_command(
        tmp_path,
        {
            "Version": 1,
            "AccessKeyId": "ASIAPROCESS",
            "SecretAccessKey": SECRET,
            "SessionToken": TOKEN,
            "Expiration": "2099-01-01T00:00:00Z",
        },
    )
    aws_file(clean_environment, "config", f"[profile tool]\ncredential_process = {command}\n")
    result = run([*SIGN, "--profile", "tool", "--explain"])
    assert result.code == 0, result.err
    assert access_key_of(result) == "ASIAPROCESS"
    assert "X-Amz-Security-Token: " in result.text  # sent (the value is the token itself)


def test_migrate_takes_profile(profiles: Path) -> None:
    url = (
        "https://ec2.us-east-1.amazonaws.com/?Action=DescribeRegions&Version=2016-11-15"
        "&AWSAccessKeyId=AKIDPROFILEEXAMPLE&SignatureMethod=HmacSHA256&SignatureVersion=2"
        "&Timestamp=2026-01-15T10%3A00%3A00Z&Signature=abc"
    )
    result = run(["migrate", url, "--profile", "dev", "--at", "2026-01-15T10:00:00Z", "--json"])
    assert result.code == 0, result.err
    assert '"signed": true' in result.text and "AKIDPROFILEEXAMPLE/20260115" in result.text
    assert_no_secret(result)


# -- bad input: one line, exit 2, nothing sent, nothing leaked -------------------------------------


@pytest.fixture
def endpoint() -> Iterator[FakeServer]:
    """Where the requests would go: it must see none."""
    with FakeServer(lambda seen: Reply(200, b"{}")) as server:
        yield server


def refused(argv: List[str], endpoint: FakeServer, *fragments: str) -> Result:
    result = run(["call", *argv, "--endpoint-url", endpoint.url])
    assert result.code == 2, result.err
    # (one line: "sigbridge: error: ..." or, for the shape of the command line, argparse's
    # "sigbridge call: ...")
    assert result.err.count("\n") == 1 and result.err.startswith("sigbridge")
    for fragment in fragments:
        assert fragment in result.err
    assert result.out == b"" and endpoint.seen == []
    assert_no_secret(result)
    assert "Traceback" not in result.err
    return result


STS = ["sts", "GetCallerIdentity", "--region", "us-east-1"]


@pytest.mark.slow
def test_malformed_ini(clean_environment: Path, endpoint: FakeServer) -> None:
    aws_file(clean_environment, "config", f"[default]\nregion = us-east-1\n[broken\nx = {SECRET}\n")
    refused(STS, endpoint, "~/.aws/config line 3")


@pytest.mark.slow
@pytest.mark.parametrize(
    "output, exit_code, fragment",
    [
        (f"leaked {SECRET} {TOKEN}", 1, "credential_process"),
        (f"not json {SECRET}", 0, "credential_process"),
        ({"Version": 2, "AccessKeyId": AK, "SecretAccessKey": SECRET}, 0, "Version"),
    ],
    ids=["fails", "garbage", "wrong-version"],
)
def test_failing_credential_process(
    clean_environment: Path,
    tmp_path: Path,
    endpoint: FakeServer,
    output: Any,
    exit_code: int,
    fragment: str,
) -> None:
    command = process_command(tmp_path, output, exit_code=exit_code, stderr=f"oops {SECRET}")
    aws_file(clean_environment, "config", f"[profile tool]\ncredential_process = {command}\n")
    refused([*STS, "--profile", "tool"], endpoint, fragment, "profile 'tool'")


@pytest.mark.slow
def test_hanging_instance_metadata_is_bounded(monkeypatch: Any, endpoint: FakeServer) -> None:
    with FakeImds(token="hang", hang_gets=True) as imds:
        monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url)
        monkeypatch.setenv("AWS_METADATA_SERVICE_TIMEOUT", "0.5")
        result = refused(STS, endpoint, "EC2 instance metadata")
        assert imds.url.split("//")[1] in result.err  # the endpoint is named


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv, fragments",
    [
        ([*STS, "--profile", "nope"], ["profile 'nope' not found", "dev"]),
        (["ecs", "ListCluster", "--region", "us-east-1"], ["did you mean ListClusters"]),
        (["ec2", "DescribeInstances", "Filter.1.Name"], ["expected Name=Value"]),
        (["ec2", "DescribeInstances", "-d", "x=1", "--region", "us-east-1"], ["-d"]),
        (["s3", "ListBuckets"], ["URL form"]),
        ([*STS, "--session-token", TOKEN], ["--session-token"]),
        ([*STS, "--access-key", AK], ["--secret-key is missing"]),
        (["GET", "https://bücher.example/", "--service", "s3", "--region", "us-east-1"], ["IDNA"]),
        (["GET"], ["not a URL"]),
        (["ec2", "DescribeRegions"], ["ec2 needs one", "--region", "AWS_REGION"]),
        ([*STS, "--profile", "nope", "--access-key", AK, "--secret-key", SECRET], ["'nope'"]),
        ([], ["give [METHOD] URL"]),
    ],
    ids=[
        "unknown-profile",
        "unknown-operation",
        "bad-parameter",
        "data-with-query-api",
        "rest-api",
        "token-alone",
        "half-keys",
        "non-ascii-host",
        "no-url",
        "no-region",
        "unknown-profile-with-keys",
        "nothing",
    ],
)
def test_bad_input(
    profiles: Path, monkeypatch: Any, endpoint: FakeServer, argv: List[str], fragments: List[str]
) -> None:
    keys_in_environment(monkeypatch)
    refused(argv, endpoint, *fragments)


def test_no_region_for_an_aws_endpoint(monkeypatch: Any) -> None:
    keys_in_environment(monkeypatch)
    result = run(["call", "ec2", "DescribeRegions"])
    assert result.code == 2 and result.err.count("\n") == 1
    assert "ec2 needs one" in result.err and "AWS_REGION" in result.err

    # a global API needs none (nothing leaves the machine: the name does not resolve here)
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    result = run(["call", "iam", "ListUsers", "-v"])
    assert result.code == 3 and "cannot resolve iam.amazonaws.com" in result.err
    assert "* region us-east-1: global endpoint iam.amazonaws.com" in result.err


@pytest.mark.slow
def test_unknown_aws_profile_in_the_environment(
    profiles: Path, monkeypatch: Any, endpoint: FakeServer
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "gone")
    refused(STS, endpoint, "profile 'gone' not found")


def test_sign_reports_chain_failures_the_same_way(clean_environment: Path) -> None:
    aws_file(clean_environment, "credentials", "[default]\naws_access_key_id = AKIDHALF\n")
    result = run(SIGN)
    assert result.code == 2 and result.err.count("\n") == 1
    assert "aws_secret_access_key" in result.err and "~/.aws/credentials" in result.err


@pytest.mark.slow
def test_metadata_that_answers_403_on_the_token_falls_back(monkeypatch: Any) -> None:
    # the chain's IMDSv1 fallback reaches the CLI unchanged
    with FakeImds(token=403, access_key="ASIAV1EXAMPLE") as imds:
        monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url)
        result = run(SIGN)
        assert result.code == 0, result.err
        assert access_key_of(result) == "ASIAV1EXAMPLE"
        assert_no_secret(Result(0, result.out, result.err), secrets=(SECRET,))
