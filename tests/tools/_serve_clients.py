"""Clients for the ``sigbridge serve`` tests: the server on a loopback port in a thread, botocore
clients pointed at it, urllib and raw-socket exchanges.  Nothing leaves the machine."""

from __future__ import annotations

import contextlib
import socket
import urllib.error
import urllib.request

import pytest

from tests._support import AK, SECRET

# the server in a thread, its keys and the account it reports are serve's own test support
from tests.serve.support import AK2, TIMEOUT, running  # noqa: F401
from tests.serve.support import account_of as verified_account  # noqa: F401

pytest.importorskip("botocore")
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError


def botocore_client(
    service, endpoint, *, region="us-east-1", secret=SECRET, key=AK, token=None, **config
):
    session = botocore.session.get_session()
    options = {"retries": {"max_attempts": 1}, "connect_timeout": TIMEOUT, "read_timeout": TIMEOUT}
    options.update(config)
    return session.create_client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(**options),
    )


def client_error(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response


def http_fetch(url, headers=None, method="GET", data=None):
    """``(status, headers, body)`` of a request sent with urllib (errors included)."""
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def http_get(url, headers=None, method="GET", data=None):
    status, _, body = http_fetch(url, headers, method, data)
    return status, body


def raw_exchange(server, data, *, read=True):
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        if not read:
            return b""
        chunks = []
        with contextlib.suppress(socket.timeout, ConnectionResetError):
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                    break
        return b"".join(chunks)


def _complete(data):
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def status_of(response):
    return int(response.split(b" ", 2)[1])


def still_serving(server):
    status, body = http_get(server.url + "/")
    assert status == 403 and b"MissingAuthenticationToken" in body
