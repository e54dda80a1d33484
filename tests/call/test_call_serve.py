"""`sigbridge call` against `sigbridge serve` and small fakes on 127.0.0.1: a refusal is
explained, exit statuses, -i / -v / --output / --fail, TLS, proxies and transport errors.

`serve` verifies every signature, so a 200 here means the request went out as it was signed.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import socket
import ssl
import threading
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest

from signers import Credentials

from .support import (
    AK,
    HANG,
    JOIN_TIMEOUT,
    OTHER_SECRET,
    SECRET,
    TOKEN,
    FakeServer,
    Reply,
    Seen,
    assert_no_secret,
    aws_file,
    keys_in_environment,
    run,
    serving,
)

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _keys(monkeypatch: Any) -> None:
    keys_in_environment(monkeypatch)


# -- answers and exit statuses ---------------------------------------------------------------------


def test_wrong_secret_is_explained_from_the_server_answer(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", OTHER_SECRET)
    with serving(service="sts", region="us-east-1") as url:
        result = run(
            ["call", "sts", "GetCallerIdentity", "--region", "us-east-1", "--endpoint-url", url]
        )
    assert result.code == 1
    first = result.err.splitlines()[0]
    assert first.startswith("sigbridge: HTTP 403") and "SignatureDoesNotMatch" in first
    assert "Likely causes:" in result.err and "secret" in result.err
    assert b"<Code>SignatureDoesNotMatch</Code>" in result.out
    assert_no_secret(result)


def test_error_body_echoing_the_token_is_masked(monkeypatch: Any) -> None:
    # S3 returns the canonical request it computed, session token included.
    keys_in_environment(monkeypatch, token=TOKEN)
    with serving([Credentials(AK, OTHER_SECRET, TOKEN)], service="s3") as url:
        result = run(
            ["call", "GET", url + "/bucket/key", "--service", "s3", "--region", "us-east-1"]
        )
    assert result.code == 1
    assert b"<CanonicalRequest>" in result.out
    assert b"x-amz-security-token:&lt;masked&gt;" in result.out  # (XML-escaped)
    assert "secret" in result.err
    assert_no_secret(result)


def test_refusal_diff_names_the_differing_line(monkeypatch: Any) -> None:
    # Signed without normalizing the path, sent to a service that normalizes it: the server's
    # canonical request (returned in its answer) differs in the canonical URI.
    with serving(region="us-east-1") as url:
        result = run(
            [
                "call",
                "GET",
                url + "/a/./b",
                "--service",
                "execute-api",
                "--region",
                "us-east-1",
                "-o",
                "normalize_path=false",
            ]
        )
    assert result.code == 1
    assert "SignatureDoesNotMatch" in result.err or "InvalidSignatureException" in result.err
    assert "canonical request, line 2" in result.err
    assert "ours:   /a/./b$" in result.err and "theirs: /a/b$" in result.err
    assert_no_secret(result)


def test_json_refusal_is_read_from_json(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", OTHER_SECRET)
    with serving(service="ecs", region="us-east-1") as url:
        result = run(
            [
                "call",
                "ecs",
                "ListClusters",
                "--region",
                "us-east-1",
                "--endpoint-url",
                url,
                "--fail",
            ]
        )
    assert result.code == 1 and result.out == b""
    assert "InvalidSignatureException" in result.err.splitlines()[0]
    assert "secret" in result.err
    assert_no_secret(result)


def test_wrong_scope_is_refused_and_reported(monkeypatch: Any) -> None:
    with serving(service="autoscaling-plans", region="us-east-1") as url:
        result = run(
            [
                "call",
                "autoscaling",
                "DescribeAutoScalingGroups",
                "--region",
                "us-east-1",
                "--endpoint-url",
                url,
            ]
        )
    assert result.code == 1
    assert result.err.startswith("sigbridge: HTTP 403")


def same(account: Any, other: Any) -> bool:
    """Two of serve's accounts of a verified request, the signing time apart."""
    return {**account, "time": None} == {**other, "time": None}


def test_success_include_verbose_and_output(tmp_path: Path, monkeypatch: Any) -> None:
    keys_in_environment(monkeypatch, token=TOKEN)
    with serving([Credentials(AK, SECRET, TOKEN)], service="ecs") as url:
        argv = ["call", "ecs", "ListClusters", "{}", "--region", "eu-west-1", "--endpoint-url", url]
        plain = run(argv)
        assert plain.code == 0, plain.err
        account = json.loads(plain.out)
        assert (account["service"], account["region"], account["access_key"]) == (
            "ecs",
            "eu-west-1",
            AK,
        )
        assert "x-amz-security-token" in account["signed_headers"]
        included = run([*argv, "-i"])
        head, _, body = included.out.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and same(json.loads(body), account)
        verbose = run([*argv, "-v"])
        assert verbose.code == 0
        err = verbose.err
        assert "* region eu-west-1: --region" in err and "* service ecs: service table" in err
        assert f"* credentials {AK}: environment" in err
        assert "> POST / HTTP/1.1" in err and "X-Amz-Target: AmazonEC2ContainerService" in err
        assert f"Credential={AK}/" in err and "Signature=<masked>" in err
        assert "X-Amz-Security-Token: <masked>" in err and "< HTTP/1.1 200 OK" in err
        assert_no_secret(verbose)
        target = tmp_path / "answer.json"
        written = run([*argv, "--output", str(target)])
        assert written.code == 0 and written.out == b""
        assert same(json.loads(target.read_bytes()), account)


def test_output_file_is_untouched_by_a_failed_fetch(tmp_path: Path, monkeypatch: Any) -> None:
    target = tmp_path / "kept.txt"
    target.write_bytes(b"previous")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", OTHER_SECRET)
    with serving(service="s3", region="us-east-1") as url:
        result = run(
            [
                "call",
                "GET",
                url + "/b/k",
                "--service",
                "s3",
                "--region",
                "us-east-1",
                "--output",
                str(target),
                "--fail",
            ]
        )
    assert result.code == 1
    assert target.read_bytes() == b"previous"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".sigbridge-")]


def test_output_into_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    with FakeServer(lambda seen: Reply(200, b"ok")) as endpoint:
        result = run(
            [
                "call",
                "GET",
                endpoint.url + "/",
                "--service",
                "s3",
                "--region",
                "us-east-1",
                "--output",
                str(tmp_path / "missing" / "file"),
            ]
        )
        assert result.code == 2 and endpoint.seen == []


def test_profile_endpoint_url_and_region(clean_environment: Path) -> None:
    with serving(service="sts", region="eu-north-1") as url:
        aws_file(
            clean_environment,
            "config",
            f"[profile local]\nregion = eu-north-1\nendpoint_url = {url}\n",
        )
        aws_file(
            clean_environment,
            "credentials",
            f"[local]\naws_access_key_id = {AK}\naws_secret_access_key = {SECRET}\n",
        )
        result = run(["call", "sts", "GetCallerIdentity", "--profile", "local", "-v"])
    assert result.code == 0, result.err
    assert f"endpoint {url} from profile 'local'" in result.err
    assert "* region eu-north-1: profile 'local' (~/.aws/config line 2)" in result.err


def test_presigned_request_is_sent_as_a_url() -> None:
    with serving(service="s3", region="us-east-1") as url:
        argv = ["call", "GET", url + "/bucket/a b", "--scheme", "sigv4-query"]
        result = run([*argv, "--service", "s3", "--region", "us-east-1", "-o", "expires=60"])
    assert result.code == 0, result.err
    assert json.loads(result.out)["scheme"] == "sigv4-query"


def test_sigv2_query_request_verifies() -> None:
    with serving() as url:
        result = run(
            [
                "call",
                "ec2",
                "DescribeInstances",
                "Filter.1.Name=vpc-id",
                "Filter.1.Value.1=vpc-1",
                "--scheme",
                "sigv2",
                "--endpoint-url",
                url,
            ]
        )
    assert result.code == 0, result.err
    assert json.loads(result.out)["scheme"] == "sigv2"


def test_sigv2_is_refused_for_a_json_api() -> None:
    result = run(["call", "ecs", "ListClusters", "--scheme", "sigv2", "--region", "us-east-1"])
    assert result.code == 2 and "SigV4 only" in result.err


# -- transport -------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _transport(argv: Any) -> str:
    result = run(["call", *argv, "--service", "s3", "--region", "us-east-1"])
    assert result.code == 3, result.err
    assert result.err.count("\n") == 1 and result.out == b""
    assert_no_secret(result)
    return result.err


def test_connection_refused_is_exit_3() -> None:
    port = _closed_port()
    assert "refused" in _transport(["GET", f"http://127.0.0.1:{port}/"])


def test_timeout_is_exit_3_and_bounded() -> None:
    with FakeServer(lambda seen: HANG) as hanging:
        err = _transport(["GET", hanging.url + "/", "--timeout", "0.5"])
    assert "within 0.5 s" in err


def test_dns_failure_is_exit_3(monkeypatch: Any) -> None:
    def no_such_name(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    assert "cannot resolve" in _transport(["GET", "http://bucket.example.invalid/"])


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: Any) -> Iterator[Tuple[str, str]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate: ``(url, cert file)``."""
    x509 = pytest.importorskip("cryptography.x509")
    import ipaddress

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sigbridge test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"secure")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_file), str(key_file))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/", str(cert_file)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(JOIN_TIMEOUT)


def test_https_is_verified_by_default(tls_server: Tuple[str, str]) -> None:
    url, cert = tls_server
    err = _transport(["GET", url])
    assert "did not verify" in err and "--insecure" in err
    for extra in (["--insecure"], ["--ca-bundle", cert]):
        result = run(["call", "GET", url, "--service", "s3", "--region", "us-east-1", *extra])
        assert (result.code, result.out) == (0, b"secure"), result.err


def test_aws_ca_bundle_is_honoured(tls_server: Tuple[str, str], monkeypatch: Any) -> None:
    url, cert = tls_server
    monkeypatch.setenv("AWS_CA_BUNDLE", cert)
    result = run(["call", "GET", url, "--service", "s3", "--region", "us-east-1"])
    assert (result.code, result.out) == (0, b"secure"), result.err


def test_proxy_from_the_environment(monkeypatch: Any) -> None:
    def answer(seen: Seen) -> Reply:
        return Reply(200, json.dumps([seen.path, seen.headers.get("host")]).encode())

    with FakeServer(answer) as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        target = "http://bucket.s3.us-east-1.amazonaws.com/a%20b?x=1"
        result = run(["call", "GET", target])
        assert result.code == 0, result.err
        # absolute form to the proxy; the Host header is the one that was signed
        assert json.loads(result.out) == [target, "bucket.s3.us-east-1.amazonaws.com"]
        authorization = proxy.seen[0].headers["authorization"]
        assert "/us-east-1/s3/aws4_request" in authorization
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        with serving() as url:
            direct = run(["call", "GET", url + "/", "--service", "s3", "--region", "us-east-1"])
        assert direct.code == 0 and len(proxy.seen) == 1
