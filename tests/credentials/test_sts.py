"""AssumeRole and AssumeRoleWithWebIdentity: against moto's STS (started here on 127.0.0.1), and
against a fake STS for what moto does not check (parameters, signatures, AWS's error answers).

The temporary credentials must work: a request signed with them by sigbridge is accepted by
``signers.verify`` and by moto, whose GetCallerIdentity names the role and session assumed; and
botocore, given the same files and environment, assumes the same role.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import parse_qsl

import pytest

import signers
from signers.credentials import (
    AssumeRoleProvider,
    CredentialsError,
    CredentialsServiceError,
    WebIdentityProvider,
    default_chain,
)

from .support import (
    SECRET,
    TOKEN,
    UTC,
    FakeServer,
    ManualClock,
    Reply,
    Seen,
    assert_no_secret,
    moto_server,
    write,
)

botocore_session = pytest.importorskip("botocore.session")

ROLE = "arn:aws:iam::123456789012:role/deployer"
WEB_ROLE = "arn:aws:iam::123456789012:role/web"


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    # (moto is imported here, not with the module: the quick tests below do not need it)
    pytest.importorskip("moto")
    with moto_server() as url:
        yield url


def caller_arn(credentials: signers.Credentials, sts_url: str) -> str:
    """GetCallerIdentity, signed by sigbridge with ``credentials``, checked by signers.verify."""
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    request = signers.Request(
        "POST", sts_url + "/", {"Content-Type": "application/x-www-form-urlencoded"}, body
    )
    signed = signers.get_signer("sigv4", region="us-east-1", service="sts").sign(
        request, credentials
    )
    verified = signers.verify(signed.request, {credentials.access_key: credentials})
    assert verified.access_key == credentials.access_key
    sent = urllib.request.Request(sts_url + "/", data=body, method="POST")
    for name, value in signed.headers:
        sent.add_header(name, value)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(sent, timeout=30) as answer:
        text = answer.read().decode()
    found = re.search(r"<Arn>([^<]+)</Arn>", text)
    assert found is not None, text
    return found.group(1)


def botocore_caller_arn(profile: Any, sts_url: str) -> str:
    session = botocore_session.Session(profile=profile)
    client = session.create_client("sts", region_name="us-east-1", endpoint_url=sts_url)
    return str(client.get_caller_identity()["Arn"])


def role_files(home: Path, *, extra: str = "") -> None:
    write(
        home / ".aws" / "credentials",
        f"[base]\naws_access_key_id = AKIDBASEEXAMPLE\naws_secret_access_key = {SECRET}\n",
    )
    write(
        home / ".aws" / "config",
        "[profile base]\nregion = us-east-1\n"
        f"[profile role]\nrole_arn = {ROLE}\nsource_profile = base\nrole_session_name = ci-run\n"
        f"{extra}",
    )


@pytest.mark.slow
def test_assume_role_from_source_profile(
    moto: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    role_files(clean_environment)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto)
    chain = default_chain("role")
    credentials = chain.credentials()
    assert chain.method == "assume-role"
    assert credentials.access_key.startswith("ASIA") and credentials.token
    assert chain.provider is not None and chain.provider.expiry is not None
    arn = caller_arn(credentials, moto)
    assert arn == "arn:aws:sts::123456789012:assumed-role/deployer/ci-run"
    # botocore, from the same files and environment, assumes the same role
    assert botocore_session.Session(profile="role").get_credentials().method == "assume-role"
    assert botocore_caller_arn("role", moto) == arn


@pytest.mark.slow
def test_chained_roles_and_profile_endpoint(moto: str, clean_environment: Path) -> None:
    # The endpoint comes from the top profile's services section, as botocore reads it.
    role_files(
        clean_environment,
        extra=(
            f"[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\n"
            "source_profile = role\nservices = local\n"
            f"[services local]\nsts =\n  endpoint_url = {moto}\n"
            f"[profile role-endpoint]\nrole_arn = {ROLE}\nsource_profile = base\n"
            f"endpoint_url = {moto}\n"
        ),
    )
    credentials = default_chain("top").credentials()
    arn = caller_arn(credentials, moto)
    assert re.fullmatch(r"arn:aws:sts::123456789012:assumed-role/top/sigbridge-session-\d+", arn)
    assert botocore_caller_arn("top", moto).startswith(
        "arn:aws:sts::123456789012:assumed-role/top/"
    )
    credentials = default_chain("role-endpoint").credentials()
    assert "assumed-role/deployer/" in caller_arn(credentials, moto)


@pytest.mark.slow
def test_credential_source_environment(
    moto: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        clean_environment / ".aws" / "config",
        f"[profile env-role]\nrole_arn = {ROLE}\ncredential_source = Environment\n"
        f"role_session_name = from-env\n",
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENVEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    credentials = default_chain("env-role").credentials()
    assert caller_arn(credentials, moto).endswith("assumed-role/deployer/from-env")


@pytest.mark.slow
def test_web_identity_from_environment_and_profile(
    moto: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = write(tmp_path / "token.jwt", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto)
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_ARN", WEB_ROLE)
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "pod-1")
    chain = default_chain()
    credentials = chain.credentials()
    assert chain.method == "assume-role-with-web-identity"
    assert botocore_session.Session().get_credentials().method == chain.method
    arn = caller_arn(credentials, moto)
    assert arn == "arn:aws:sts::123456789012:assumed-role/web/pod-1"
    assert botocore_caller_arn(None, moto) == arn
    # An explicit profile reads only the profile's settings (botocore's rule)
    write(
        clean_environment / ".aws" / "config",
        f"[profile web]\nweb_identity_token_file = {token_file}\nrole_arn = {ROLE}\n"
        "role_session_name = from-profile\n",
    )
    credentials = default_chain("web").credentials()
    assert caller_arn(credentials, moto).endswith("assumed-role/deployer/from-profile")


@pytest.mark.slow
def test_refresh_calls_sts_again(
    moto: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    role_files(clean_environment)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto)
    # moto's credentials last an hour from the real time; the clock starts there.
    clock = ManualClock(dt.datetime.now(UTC))
    provider = AssumeRoleProvider("role", clock=clock)
    first = provider.credentials()
    clock.advance(30 * 60)
    assert provider.credentials() == first
    clock.advance(22 * 60)  # 8 minutes left: mandatory refresh
    second = provider.credentials()
    assert second.access_key != first.access_key
    assert caller_arn(second, moto).endswith("assumed-role/deployer/ci-run")


# -- a fake STS: what is sent, and AWS's error answers ---------------------------------------------

OK = (
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
    "<Credentials><AccessKeyId>ASIAFAKESTS</AccessKeyId>"
    f"<SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken>"
    "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult>"
    "</AssumeRoleResponse>"
)


def sts_error(code: str, message: str) -> bytes:
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        f"<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
    ).encode()


def fake_role_files(home: Path, url: str, extra: str = "") -> None:
    write(
        home / ".aws" / "credentials",
        f"[base]\naws_access_key_id = AKIDBASEEXAMPLE\naws_secret_access_key = {OTHER}\n"
        f"aws_session_token = {TOKEN}\n",
    )
    write(
        home / ".aws" / "config",
        f"[profile role]\nrole_arn = {ROLE}\nsource_profile = base\nregion = eu-west-3\n"
        f"endpoint_url = {url}\n{extra}",
    )


OTHER = "sourceSecretKeyEXAMPLE/abcdefghijklmnopqrstuv"


@pytest.mark.slow
def test_assume_role_request_is_signed_and_complete(clean_environment: Path) -> None:
    with FakeServer(lambda seen: Reply(200, OK.encode(), "text/xml")) as server:
        fake_role_files(
            clean_environment, server.url, "external_id = ext-123\nduration_seconds = 1800\n"
        )
        clock = ManualClock(dt.datetime(2030, 1, 1, 12, tzinfo=UTC))
        credentials = AssumeRoleProvider("role", clock=clock).credentials()
        assert (credentials.access_key, credentials.secret_key, credentials.token) == (
            "ASIAFAKESTS",
            SECRET,
            TOKEN,
        )
        (seen,) = server.seen
    form = dict(parse_qsl(seen.body.decode()))
    assert form == {
        "Action": "AssumeRole",
        "Version": "2011-06-15",
        "RoleArn": ROLE,
        "RoleSessionName": f"sigbridge-session-{int(clock.now.timestamp())}",
        "ExternalId": "ext-123",
        "DurationSeconds": "1800",
    }
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert seen.headers["x-amz-security-token"] == TOKEN
    assert "/eu-west-3/sts/aws4_request" in seen.headers["authorization"]
    request = signers.Request("POST", server.url + seen.path, list(seen.headers.items()), seen.body)
    source = signers.Credentials("AKIDBASEEXAMPLE", OTHER, TOKEN)
    verified = signers.verify(request, {"AKIDBASEEXAMPLE": source}, now=clock.now)
    assert (verified.region, verified.service) == ("eu-west-3", "sts")


@pytest.mark.slow
def test_web_identity_request_is_unsigned(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answer = OK.replace("AssumeRole", "AssumeRoleWithWebIdentity").encode()
    with FakeServer(lambda seen: Reply(200, answer)) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(write(tmp_path / "t", "jwt\n")))
        monkeypatch.setenv("AWS_ROLE_ARN", WEB_ROLE)
        assert WebIdentityProvider().credentials().access_key == "ASIAFAKESTS"
        (seen,) = server.seen
    assert "authorization" not in seen.headers
    form = dict(parse_qsl(seen.body.decode()))
    assert form["Action"] == "AssumeRoleWithWebIdentity" and form["WebIdentityToken"] == "jwt"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            403,
            sts_error("AccessDenied", f"User is not authorized; key {OTHER} token {TOKEN}"),
            "AccessDenied: User is not authorized; key <redacted> token <redacted> (HTTP 403)",
        ),
        (
            400,
            sts_error("ExpiredToken", "The security token included in the\n request is expired"),
            "ExpiredToken: The security token included in the request is expired (HTTP 400)",
        ),
        (502, b"<html>bad gateway</html>", "HTTP 502 without an STS error in the answer"),
        (500, b"not xml at all", "HTTP 500 without an STS error in the answer"),
        (200, b"<AssumeRoleResponse/>", "the answer has no AssumeRoleResult/Credentials"),
        (200, b"{}", "the answer is not XML"),
        (
            200,
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><AssumeRoleResponse/>',
            "the answer (HTTP 200) declares a DTD; refused",
        ),
        (
            200,
            OK.replace("<SessionToken>", "<Other>").replace("</SessionToken>", "</Other>").encode(),
            "the answer has no SessionToken",
        ),
    ],
)
def test_sts_errors_are_one_line_with_aws_code(
    clean_environment: Path, status: int, body: bytes, expected: str
) -> None:
    with FakeServer(lambda seen: Reply(status, body, "text/xml")) as server:
        fake_role_files(clean_environment, server.url)
        with pytest.raises(CredentialsServiceError) as info:
            default_chain("role").credentials()
    error = info.value
    assert str(error) == f"STS AssumeRole at {server.url}/: {expected}"
    assert error.status == status
    if status in (403, 400):
        assert error.code == expected.split(":")[0]
    assert_no_secret(error, secrets=(SECRET, TOKEN, OTHER))


@pytest.mark.slow
def test_unreachable_sts_names_the_endpoint(clean_environment: Path) -> None:
    server = FakeServer(lambda seen: Reply(200))
    url = server.url  # bound, never started: connections are refused
    server.server.server_close()
    fake_role_files(clean_environment, url)
    with pytest.raises(CredentialsServiceError, match=f"^STS AssumeRole at {url}/: "):
        default_chain("role").credentials()


# -- role profiles refused before any request ------------------------------------------------------


@pytest.mark.parametrize(
    ("profiles", "fragment"),
    [
        (
            f"[profile role]\nrole_arn = {ROLE}\nsource_profile = base\nmfa_serial = arn:mfa\n",
            "~/.aws/config line 6: profile 'role' sets mfa_serial; sigbridge does not prompt",
        ),
        (
            f"[profile role]\nrole_arn = {ROLE}\nsource_profile = role\n",
            "source_profile loop: role -> role",
        ),
        (
            f"[profile role]\nrole_arn = {ROLE}\nsource_profile = a\n"
            f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
            f"[profile b]\nrole_arn = {ROLE}\nsource_profile = a\n",
            "source_profile loop: role -> a -> b -> a",
        ),
        (
            f"[profile role]\nrole_arn = {ROLE}\nsource_profile = missing\n",
            "source_profile 'missing' of profile 'role' does not exist",
        ),
        (
            f"[profile role]\nrole_arn = {ROLE}\nsource_profile = base\n"
            "credential_source = Environment\n",
            "sets both source_profile and credential_source",
        ),
        (
            f"[profile role]\nrole_arn = {ROLE}\n",
            "sets role_arn but neither source_profile nor credential_source",
        ),
        (
            f"[profile role]\nrole_arn = {ROLE}\ncredential_source = Laptop\n",
            "credential_source 'Laptop' of profile 'role' is not one of Environment, "
            "Ec2InstanceMetadata, EcsContainer",
        ),
        (
            f"[profile role]\nrole_arn = {ROLE}\nsource_profile = base\nduration_seconds = 1h\n",
            "duration_seconds '1h' is not a whole number of seconds",
        ),
        (
            f"[profile role]\nrole_arn = {ROLE}\nsource_profile = empty\n[profile empty]\n"
            "region = x\n",
            "source_profile 'empty' holds no credentials",
        ),
    ],
)
def test_bad_role_profiles(clean_environment: Path, profiles: str, fragment: str) -> None:
    write(
        clean_environment / ".aws" / "credentials",
        f"[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = {SECRET}\n",
    )
    write(clean_environment / ".aws" / "config", "[default]\nregion = us-east-1\n" + profiles)
    with pytest.raises(CredentialsError) as info:
        default_chain("role").credentials()
    assert fragment in str(info.value)
    assert_no_secret(info.value)


@pytest.mark.slow
def test_self_reference_with_static_keys_is_allowed(clean_environment: Path) -> None:
    seen: List[Dict[str, str]] = []

    def answer(request: Seen) -> Reply:
        seen.append(dict(parse_qsl(request.body.decode())))
        return Reply(200, OK.encode())

    with FakeServer(answer) as server:
        write(
            clean_environment / ".aws" / "credentials",
            f"[role]\naws_access_key_id = AKIDSELF\naws_secret_access_key = {SECRET}\n",
        )
        write(
            clean_environment / ".aws" / "config",
            f"[profile role]\nrole_arn = {ROLE}\nsource_profile = role\n"
            f"endpoint_url = {server.url}\n",
        )
        assert default_chain("role").credentials().access_key == "ASIAFAKESTS"
    assert [s["RoleArn"] for s in seen] == [ROLE]
