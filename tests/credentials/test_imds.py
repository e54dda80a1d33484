"""EC2 instance metadata against a fake IMDS on 127.0.0.1, with botocore's fetcher as the oracle.

For each behaviour of the service (IMDSv2, token refused, token hanging, v1 disabled ...) both
botocore's ``InstanceMetadataFetcher`` and our provider run against the same fake; they must get
the same credentials and send the same requests (method, path, whether a token was sent).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, List, Optional, Tuple

import pytest

from signers.credentials import (
    CredentialsError,
    InstanceMetadataProvider,
    MetadataClient,
    default_chain,
    resolve_region,
)

from .support import (
    SECRET,
    TOKEN,
    UTC,
    FakeImds,
    FakeServer,
    ManualClock,
    Reply,
    Seen,
    assert_no_secret,
    credentials_json,
)

pytestmark = pytest.mark.slow

botocore_utils = pytest.importorskip("botocore.utils")
botocore_exceptions = pytest.importorskip("botocore.exceptions")


def use(monkeypatch: pytest.MonkeyPatch, url: str, **settings: str) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


def trace(seen: List[Seen]) -> List[Tuple[str, str, bool]]:
    return [(s.method, s.path, "x-aws-ec2-metadata-token" in s.headers) for s in seen]


def botocore_fetch(url: str, *, v1_disabled: bool = False) -> Any:
    fetcher = botocore_utils.InstanceMetadataFetcher(
        timeout=1,
        num_attempts=1,
        config={"ec2_metadata_service_endpoint": url, "ec2_metadata_v1_disabled": v1_disabled},
        env={},
    )
    return fetcher.retrieve_iam_role_credentials()


def ours(url: str, monkeypatch: pytest.MonkeyPatch, **settings: str) -> Optional[str]:
    use(monkeypatch, url, **settings)
    credentials = InstanceMetadataProvider().load()
    return None if credentials is None else credentials.access_key


def compare(imds: FakeImds, monkeypatch: pytest.MonkeyPatch, **settings: str) -> Optional[str]:
    expected = botocore_fetch(imds.url).get("access_key")
    expected_trace = trace(imds.seen)
    imds.seen.clear()
    got = ours(imds.url, monkeypatch, **settings)
    assert got == expected
    assert trace(imds.seen) == expected_trace
    return got


def test_imdsv2_token_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeImds(require_token=True) as imds:
        assert compare(imds, monkeypatch) == "ASIAIMDSEXAMPLE"
        assert trace(imds.seen) == [
            ("PUT", "/latest/api/token", False),
            ("GET", "/latest/meta-data/iam/security-credentials/", True),
            ("GET", "/latest/meta-data/iam/security-credentials/web-role", True),
        ]
        assert imds.seen[0].headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"


@pytest.mark.parametrize("status", [403, 404, 405])
def test_v1_fallback_when_the_token_is_refused(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    with FakeImds(token=status) as imds:
        assert compare(imds, monkeypatch) == "ASIAIMDSEXAMPLE"
        assert [sent for _, _, sent in trace(imds.seen)] == [False, False, False]


def test_token_400_ends_the_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeImds(token=400) as imds:
        assert compare(imds, monkeypatch) is None
        assert len(imds.seen) == 1


def test_hanging_token_put_falls_back_to_v1_within_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeImds(token="hang") as imds:
        assert compare(imds, monkeypatch) == "ASIAIMDSEXAMPLE"


def test_hanging_imds_gives_up_after_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeImds(token="hang", hang_gets=True) as imds:
        use(monkeypatch, imds.url, AWS_METADATA_SERVICE_TIMEOUT="0.3")
        provider = InstanceMetadataProvider()
        assert provider.load() is None
        with pytest.raises(CredentialsError) as info:
            provider.credentials()
        message = str(info.value)
        assert message.startswith(f"EC2 instance metadata at {imds.url}/: ")
        assert "no answer within 0.3 s" in message


def test_v1_disabled_refuses_to_go_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeImds(token=403) as imds:
        with pytest.raises(botocore_exceptions.MetadataRetrievalError):
            botocore_fetch(imds.url, v1_disabled=True)
        use(monkeypatch, imds.url, AWS_EC2_METADATA_V1_DISABLED="true")
        with pytest.raises(CredentialsError, match="IMDSv1 is disabled"):
            InstanceMetadataProvider().load()


def test_v1_disabled_from_the_profile(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Any
) -> None:
    (clean_environment / ".aws" / "config").write_text(
        "[default]\nec2_metadata_v1_disabled = true\n"
    )
    with FakeImds(token=405) as imds:
        use(monkeypatch, imds.url)
        with pytest.raises(CredentialsError, match="IMDSv1 is disabled"):
            InstanceMetadataProvider().load()


def test_disabled_imds_is_never_called(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeImds() as imds:
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url)
        provider = InstanceMetadataProvider()
        assert provider.load() is None
        with pytest.raises(CredentialsError, match="disabled by AWS_EC2_METADATA_DISABLED"):
            provider.credentials()
        assert resolve_region() is None
        assert imds.seen == []


def test_default_chain_ends_with_imds(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeImds() as imds:
        use(monkeypatch, imds.url)
        chain = default_chain()
        assert chain.credentials().access_key == "ASIAIMDSEXAMPLE"
        assert chain.method == "iam-role"
        assert_no_secret(repr(chain), repr(chain.provider))


def test_attempts_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    imds = FakeImds()
    failures = {"left": 2}

    def flaky(seen: Seen) -> Reply:
        if seen.method == "GET" and failures["left"]:
            failures["left"] -= 1
            return Reply(500)
        return imds.answer(seen)

    with FakeServer(flaky) as server:
        use(monkeypatch, server.url)
        assert InstanceMetadataProvider().load() is None  # one attempt: the 500 ends it
        failures["left"] = 2
        monkeypatch.setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3")
        credentials = InstanceMetadataProvider().load()
        assert credentials is not None and credentials.access_key == "ASIAIMDSEXAMPLE"


def test_an_unusable_role_is_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    imds = FakeImds()

    def refusing(seen: Seen) -> Reply:
        if seen.path.endswith("/web-role"):
            return Reply(200, b'{"Code": "AssumeRoleUnauthorizedAccess", "Message": "no"}')
        return imds.answer(seen)

    with FakeServer(refusing) as server:
        use(monkeypatch, server.url)
        provider = InstanceMetadataProvider()
        assert provider.load() is None
        with pytest.raises(CredentialsError, match="AssumeRoleUnauthorizedAccess"):
            provider.credentials()


def test_refresh_and_static_stability(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock()
    with FakeImds(expiry=clock.now + dt.timedelta(hours=1)) as imds:
        use(monkeypatch, imds.url)
        provider = InstanceMetadataProvider(clock=clock, jitter=lambda: 300)
        assert provider.credentials().access_key == "ASIAIMDSEXAMPLE"
        assert provider.expiry == clock.now + dt.timedelta(hours=1)
        # IMDS keeps handing out the old (now nearly expired) credentials: they are used for
        # 15 minutes + jitter more instead of failing.
        imds.access_key = "ASIAIMDSRENEWED"
        clock.advance(55 * 60)
        assert provider.credentials().access_key == "ASIAIMDSRENEWED"
        assert provider.expiry == clock.now + dt.timedelta(seconds=15 * 60 + 300)


def test_region_from_imds(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeImds(region="ap-southeast-2") as imds:
        use(monkeypatch, imds.url)
        assert resolve_region() == "ap-southeast-2"
        assert resolve_region(imds=False) is None
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-1")
        assert resolve_region() == "us-west-1"
        assert [path for _, path, _ in trace(imds.seen)] == [
            "/latest/api/token",
            "/latest/meta-data/placement/region",
        ]


def test_endpoint_and_mode_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # No network: only where the client would go.
    env = {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"}
    client = MetadataClient.from_settings(environ=env, config=None, profile="default")
    assert client is not None and client.endpoint == "http://[fd00:ec2::254]/"
    client = MetadataClient.from_settings(environ={}, config=None, profile="default")
    assert client is not None and client.endpoint == "http://169.254.169.254/"
    assert (client.timeout, client.attempts) == (1.0, 1)
    env = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://[::1]:1234", "AWS_IMDS_USE_IPV6": "true"}
    client = MetadataClient.from_settings(environ=env, config=None, profile="default")
    assert client is not None and client.endpoint == "http://[::1]:1234/"
    with pytest.raises(CredentialsError, match="'IPv5' is not IPv4 or IPv6"):
        MetadataClient.from_settings(
            environ={"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv5"}, config=None, profile="p"
        )
    with pytest.raises(CredentialsError, match="metadata_service_timeout"):
        MetadataClient.from_settings(
            environ={"AWS_METADATA_SERVICE_TIMEOUT": "soon"}, config=None, profile="p"
        )


def test_secrets_stay_out_of_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    def leaky(seen: Seen) -> Reply:
        if seen.path.endswith("/"):
            return Reply(200, b"web-role")
        body = credentials_json("ASIA/BAD", dt.datetime.now(UTC), secret=SECRET, token=TOKEN)
        return Reply(200, body)

    with FakeServer(leaky) as server:
        use(monkeypatch, server.url)
        with pytest.raises(CredentialsError) as info:
            InstanceMetadataProvider().credentials()
        assert_no_secret(info.value)
