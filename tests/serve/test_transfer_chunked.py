"""``Transfer-Encoding: chunked`` request bodies, and botocore's default PutObject through serve.

botocore sends an upload with its default checksum as aws-chunked with an unsigned trailer
(``STREAMING-UNSIGNED-PAYLOAD-TRAILER``) inside HTTP chunked transfer -- over https only.  So
here serve's listening socket is wrapped in TLS (a certificate made for 127.0.0.1 by the test,
with ``cryptography``), the upload goes through serve to moto, and the object read back from
moto must be the bytes sent.  The raw-socket tests check the framing itself: a plain signed body
sent chunked is verified as a whole; broken framing and a body over ``max_body`` are refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import ssl
from pathlib import Path
from typing import Tuple

import pytest

import signers
from signers import Credentials, Request
from signers.credentials import StaticProvider
from signers.serve import UpstreamSigning
from tests._support import AK, SECRET
from tests.serve.support import (
    CHAIN_KEY,
    CHAIN_SECRET,
    botocore_client,
    connect,
    read_answer,
    running,
    status_of,
)

pytestmark = pytest.mark.slow


def _signed_head(server_url: str, path: str, body: bytes) -> str:
    signer = signers.get_signer("sigv4", region="us-east-1", service="s3", s3=True)
    signed = signer.sign(
        Request("PUT", server_url + path, [], body),
        Credentials(AK, SECRET),
        at=dt.datetime.now(dt.timezone.utc),
    )
    head = f"PUT {path} HTTP/1.1\r\nHost: {signed.request.host_header}\r\n"
    head += "".join(f"{n}: {v}\r\n" for n, v in signed.headers)
    return head + "Transfer-Encoding: chunked\r\n\r\n"


def _chunked(body: bytes, size: int = 1000) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    framed = b"".join(b"%X;ext=1\r\n%s\r\n" % (len(p), p) for p in pieces)
    return framed + b"0\r\nx-trailer: ignored\r\n\r\n"


def _exchange(server: object, head: str, wire: bytes) -> bytes:
    sock = connect(server)  # type: ignore[arg-type]
    sock.sendall(head.encode() + wire)
    answer = read_answer(sock)
    sock.close()
    return answer


def test_a_chunked_body_is_verified_whole() -> None:
    body = os.urandom(5000)
    with running(max_body=8000) as (server, logs):
        head = _signed_head(server.url, "/b/k", body)
        answer = _exchange(server, head, _chunked(body))
        assert status_of(answer) == 200
        assert b'ETag: "%s"' % hashlib.md5(body).hexdigest().encode() in answer
        tampered = _exchange(server, head, _chunked(body[:-1] + bytes([body[-1] ^ 1])))
        assert status_of(tampered) == 400 and b"<Code>XAmzContentSHA256Mismatch</Code>" in tampered
        broken = _exchange(server, head, b"zz\r\n" + body[:10])
        assert status_of(broken) == 400 and b"<Code>IncompleteBody</Code>" in broken
        unended = _exchange(server, head, b"5\r\nabcdeXY0\r\n\r\n")
        assert status_of(unended) == 400 and b"<Code>IncompleteBody</Code>" in unended
        big = os.urandom(9000)
        too_big = _exchange(server, _signed_head(server.url, "/b/big", big), _chunked(big))
        assert status_of(too_big) == 400 and b"<Code>EntityTooLarge</Code>" in too_big
        both = head.replace(
            "Transfer-Encoding: chunked", "Content-Length: 5\r\nTransfer-Encoding: chunked"
        )
        assert status_of(_exchange(server, both, b"")) == 400
        gzip = head.replace("Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked")
        assert status_of(_exchange(server, gzip, b"")) == 501
    assert [line.split(" ", 2)[2] for line in logs][:2] == [
        "200 OK sigv4",
        "400 XAmzContentSHA256Mismatch",
    ]


def _certificate(folder: Path) -> Tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (PEM files: certificate, key)."""
    x509 = pytest.importorskip("cryptography.x509")
    import ipaddress

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_botocore_default_put_object_through_serve_to_moto(tmp_path: Path) -> None:
    pytest.importorskip("moto.server")
    import botocore.session
    from botocore.config import Config

    from tests.serve.support import moto_server

    try:
        Config(request_checksum_calculation="when_supported")
    except TypeError:
        pytest.skip("this botocore predates flexible checksums by default (1.36)")
    cert, key = _certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    signing = UpstreamSigning(StaticProvider(Credentials(CHAIN_KEY, CHAIN_SECRET)))
    data = os.urandom(3 * 1024 * 1024 + 17)
    with moto_server() as moto, running(upstream=moto, upstream_signing=signing) as (server, logs):
        server.socket = context.wrap_socket(server.socket, server_side=True)
        direct = botocore_client("s3", moto, key=CHAIN_KEY, secret=CHAIN_SECRET)
        direct.create_bucket(Bucket="defaults")
        endpoint = "https://127.0.0.1:%d" % server.server_address[1]
        s3 = botocore.session.get_session().create_client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=AK,
            aws_secret_access_key=SECRET,
            verify=str(cert),
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
        sent = {}

        def capture(request: object, **kwargs: object) -> None:
            sent.update(request.headers)  # type: ignore[attr-defined]

        s3.meta.events.register("before-send.s3.PutObject", capture)
        for name, body in (("big.bin", data), ("empty.bin", b""), ("small.txt", b"hello")):
            s3.put_object(Bucket="defaults", Key=name, Body=body)
            got = direct.get_object(Bucket="defaults", Key=name)["Body"].read()
            assert got == body, name
    headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in sent.items()}
    assert headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert headers["transfer-encoding"] == "chunked" and "content-length" not in headers
    assert logs.count("PUT '/defaults/big.bin' 200 upstream sigv4") == 1
