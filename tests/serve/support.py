"""Helpers of the serve and proxy tests: servers on 127.0.0.1 in threads, raw sockets, clients."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from signers import Credentials
from signers.serve import VerifyingServer, make_server
from tests._support import AK, SECRET, TOKEN

TIMEOUT = 5.0
AK2 = "ASIATEMPORARY"
#: What every server of these tests accepts (AK2 with a session token).
KEYS = [Credentials(AK, SECRET), Credentials(AK2, SECRET, TOKEN)]


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@contextlib.contextmanager
def running(**config: Any) -> Iterator[Tuple[VerifyingServer, List[str]]]:
    """A server on a free loopback port, in a thread, stopped (and joined) on exit; its log lines
    are checked for secrets at the end."""
    logs: List[str] = []
    config.setdefault("log", logs.append)
    credentials = config.pop("credentials", KEYS)
    server = make_server("127.0.0.1", 0, credentials=credentials, **config)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server, logs
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)
        assert not thread.is_alive()
        text = "\n".join(logs)
        assert SECRET not in text and TOKEN not in text and "Signature=" not in text


def connect(server: VerifyingServer, timeout: float = TIMEOUT) -> socket.socket:
    host, port = server.server_address[:2]
    return socket.create_connection((str(host), port), timeout=timeout)


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (bounded by the socket's timeout)."""
    chunks = []
    with contextlib.suppress(socket.timeout, ConnectionResetError):
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def read_answer(sock: socket.socket) -> bytes:
    """One answer: the head and a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def account_of(headers: Any) -> Dict[str, Any]:
    """The verification account of an answer's x-sigbridge-verified header."""
    value = headers["x-sigbridge-verified"]
    assert isinstance(value, str)
    found = json.loads(value)
    assert isinstance(found, dict)
    return found


def botocore_client(
    service: str,
    endpoint: str,
    *,
    region: str = "us-east-1",
    key: str = AK,
    secret: str = SECRET,
    token: Optional[str] = None,
    **config: Any,
) -> Any:
    """A botocore client with no retries and short timeouts (an error shows at once)."""
    import botocore.session
    from botocore.config import Config

    options: Dict[str, Any] = {
        "retries": {"max_attempts": 1},
        "connect_timeout": TIMEOUT,
        "read_timeout": TIMEOUT * 3,
    }
    options.update(config)
    return botocore.session.get_session().create_client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(**options),
    )


def wait_until(condition: Callable[[], bool], limit: float = TIMEOUT) -> bool:
    """Poll ``condition`` until it holds or ``limit`` seconds pass; whether it held."""
    until = time.monotonic() + limit
    while time.monotonic() < until:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def worker_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "sigbridge-worker")


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's server (every service) on a free loopback port; its URL."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


#: The credentials the tests' standard chain finds (environment variables).
CHAIN_KEY = "AKIDCHAINEXAMPLE"
CHAIN_SECRET = "chain/secret/for+tests"


def chain_environment(monkeypatch: Any) -> Credentials:
    """Point the standard credential chain at fixed environment credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CHAIN_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CHAIN_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return Credentials(CHAIN_KEY, CHAIN_SECRET)
