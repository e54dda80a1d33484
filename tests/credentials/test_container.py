"""The container credentials endpoint against a fake on 127.0.0.1; botocore as the oracle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, List

import pytest

from signers.credentials import ContainerProvider, CredentialsError, default_chain

from .support import (
    SECRET,
    TOKEN,
    UTC,
    FakeServer,
    Reply,
    Seen,
    assert_no_secret,
    credentials_json,
    write,
)

botocore_credentials = pytest.importorskip("botocore.credentials")
botocore_utils = pytest.importorskip("botocore.utils")

AUTH = "Bearer-container-auth-token"


def endpoint(expected_auth: str = AUTH) -> FakeServer:
    expiry = dt.datetime.now(UTC) + dt.timedelta(hours=6)

    def answer(seen: Seen) -> Reply:
        if seen.headers.get("authorization") != expected_auth:
            return Reply(401, b'{"message": "bad token"}')
        if seen.path != "/v2/credentials/task":
            return Reply(404)
        return Reply(200, credentials_json("ASIACONTAINER", expiry), "application/json")

    return FakeServer(answer)


@pytest.mark.slow
def test_full_uri_with_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with endpoint() as server:
        env = {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/v2/credentials/task",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": AUTH,
        }
        expected = botocore_credentials.ContainerProvider(environ=env).load()
        assert expected is not None
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        chain = default_chain()
        credentials = chain.credentials()
        assert credentials.access_key == expected.access_key == "ASIACONTAINER"
        assert (credentials.secret_key, credentials.token) == (SECRET, TOKEN)
        assert chain.method == "container-role"
        assert [s.headers.get("authorization") for s in server.seen] == [AUTH, AUTH]
        assert server.seen[-1].headers["accept"] == "application/json"


@pytest.mark.slow
def test_token_file_wins_and_is_read_on_every_fetch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = write(tmp_path / "token", AUTH)
    with endpoint() as server:
        monkeypatch.setenv(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url + "/v2/credentials/task"
        )
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-this-one")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_file))
        assert ContainerProvider().credentials().access_key == "ASIACONTAINER"
        write(token_file, "rotated")
        with pytest.raises(CredentialsError, match="HTTP 401"):
            ContainerProvider(sleep=lambda _: None).credentials()
        assert server.seen[-1].headers["authorization"] == "rotated"


def test_relative_uri_goes_to_the_ecs_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/ignored")
    provider = ContainerProvider()
    assert provider.url() == "http://169.254.170.2/v2/credentials/abc"
    assert (
        botocore_utils.ContainerMetadataFetcher().full_url("/v2/credentials/abc") == provider.url()
    )


URLS = [
    "http://127.0.0.1:8080/creds",
    "http://127.0.0.2/creds",
    "http://[::1]/creds",
    "http://localhost/creds",
    "http://169.254.170.2/creds",
    "http://169.254.170.23/v1/credentials",
    "http://[fd00:ec2::23]/v1/credentials",
    "https://creds.example.com/anything",
    "http://creds.example.com/creds",
    "http://10.0.0.1/creds",
    "http://169.254.169.254/latest",
    "ftp://127.0.0.1/creds",
]


@pytest.mark.parametrize("url", URLS)
def test_allowed_hosts_as_botocore(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    try:
        botocore_utils.ContainerMetadataFetcher()._validate_allowed_url(url)
        allowed = True
    except ValueError:
        allowed = False
    if url.startswith("ftp:"):
        allowed = False  # botocore would fail later, on the request; we refuse it up front
    if url.startswith("https:"):
        allowed = True  # any host over https: recent botocore (1.44); 1.37 still refused it
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url)
    if allowed:
        assert ContainerProvider().url() == url
    else:
        with pytest.raises(CredentialsError, match=r"_FULL_URI: .* is not"):
            ContainerProvider().url()


def test_disallowed_host_is_refused_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://user:pw@evil.example/x?k=v")
    with pytest.raises(CredentialsError) as info:
        default_chain().credentials()
    message = str(info.value)
    assert "'http://evil.example/x' is not allowed" in message
    assert "pw" not in message and "k=v" not in message


def test_token_with_a_newline_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/x")
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Evil: 1")
    with pytest.raises(CredentialsError, match="contains CR or LF"):
        ContainerProvider().credentials()


def test_unreadable_token_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/x")
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(CredentialsError, match=r"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE .* cannot"):
        ContainerProvider().credentials()


@pytest.mark.slow
def test_retries_then_names_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: List[float] = []

    def broken(seen: Seen) -> Reply:
        return Reply(500, f"internal error {SECRET}".encode())

    with FakeServer(broken) as server:
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url + "/creds?id=123")
        with pytest.raises(CredentialsError) as info:
            ContainerProvider(sleep=pauses.append).credentials()
        assert str(info.value) == (
            f"container credentials at {server.url}/creds: HTTP 500 (after 3 attempts)"
        )
        assert len(server.seen) == 3 and pauses == [1.0, 1.0]
        assert_no_secret(info.value)


@pytest.mark.slow
def test_garbage_answer_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    def garbage(seen: Seen) -> Reply:
        return Reply(200, f"AccessKeyId={SECRET}".encode())

    def incomplete(seen: Seen) -> Reply:
        return Reply(200, f'{{"AccessKeyId": "A", "SecretAccessKey": "{SECRET}"}}'.encode())

    for handler, fragment in ((garbage, "not JSON"), (incomplete, "has no Token, Expiration")):
        with FakeServer(handler) as server:
            monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url + "/c")
            with pytest.raises(CredentialsError) as info:
                ContainerProvider(sleep=lambda _: None).credentials()
            assert fragment in str(info.value)
            assert_no_secret(info.value)


def test_nothing_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    provider: Any = ContainerProvider()
    assert provider.url() is None and provider.load() is None
