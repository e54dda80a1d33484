"""Test helpers: a manual clock, fake metadata/STS servers on 127.0.0.1, moto, shared files.

The fake servers run ``http.server`` in a thread on an ephemeral loopback port; they record
every request and are stopped (threads joined, within a bound) when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, NamedTuple, Optional, Tuple

UTC = dt.timezone.utc
T0 = dt.datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
JOIN_TIMEOUT = 10.0

# Secrets used across the tests: none of them may ever appear in a message, repr or log.
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLESECRET"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKENvalue0123456789abcdef"
OTHER_SECRET = "zZ9secretSECRETsecret/OTHER+value0000000000"
SECRETS = (SECRET, TOKEN, OTHER_SECRET)


class ManualClock:
    """A clock the test moves."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += dt.timedelta(seconds=seconds)

    def set(self, when: dt.datetime) -> None:
        with self._lock:
            self.now = when


def iso(when: dt.datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_no_secret(*texts: object, secrets: Tuple[str, ...] = SECRETS) -> None:
    for text in texts:
        shown = text if isinstance(text, str) else f"{text!s} {text!r}"
        for secret in secrets:
            assert secret not in shown, f"a secret leaked into {shown[:200]!r}"


# -- shared files ----------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def process_command(
    tmp: Path,
    output: object,
    *,
    exit_code: int = 0,
    stderr: str = "",
    sleep: float = 0.0,
    name: str = "creds.py",
) -> str:
    """A credential_process command: a Python script printing ``output`` (JSON unless a str)."""
    printed = output if isinstance(output, str) else json.dumps(output)
    script = write(
        tmp / name,
        "import sys, time\n"
        f"time.sleep({sleep!r})\n"
        f"sys.stdout.write({printed!r})\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({exit_code})\n",
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


# -- fake HTTP servers -------------------------------------------------------------------------


class Seen(NamedTuple):
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes


class Reply(NamedTuple):
    status: int
    body: bytes = b""
    content_type: str = "text/plain"


HANG = Reply(-1)
Handler = Callable[[Seen], Reply]


class FakeServer:
    """An HTTP server on 127.0.0.1 answering with ``handler``; ``HANG`` answers never."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: List[Seen] = []
        self.release = threading.Event()
        outer = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                outer.seen.append(seen)
                reply = outer.handler(seen)
                if reply is HANG:
                    outer.release.wait(JOIN_TIMEOUT)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_PUT = do_POST = _serve

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(JOIN_TIMEOUT)
        assert not self.thread.is_alive()


def credentials_json(
    access_key: str, expiry: dt.datetime, *, token: str = TOKEN, secret: str = SECRET, **extra: str
) -> bytes:
    data = {
        "Code": "Success",
        "AccessKeyId": access_key,
        "SecretAccessKey": secret,
        "Token": token,
        "Expiration": iso(expiry),
        **extra,
    }
    return json.dumps(data).encode()


class FakeImds:
    """A fake EC2 metadata service.

    ``token``: ``"ok"`` (IMDSv2), an HTTP status for the PUT (403/404/405/400), or ``"hang"``.
    ``require_token``: refuse GETs without the token (401), as an IMDSv2-only instance does.
    """

    ROLE = "web-role"

    def __init__(
        self,
        *,
        token: object = "ok",
        require_token: bool = False,
        access_key: str = "ASIAIMDSEXAMPLE",
        expiry: Optional[dt.datetime] = None,
        region: str = "eu-central-1",
        hang_gets: bool = False,
    ) -> None:
        self.token = token
        self.require_token = require_token
        self.access_key = access_key
        self.expiry = expiry or (dt.datetime.now(UTC) + dt.timedelta(hours=6))
        self.region = region
        self.hang_gets = hang_gets
        self.issued = "AQAEAFAKEIMDSTOKEN=="
        self.server = FakeServer(self.answer)

    def answer(self, seen: Seen) -> Reply:
        if seen.method == "PUT" and seen.path == "/latest/api/token":
            if self.token == "hang":
                return HANG
            if self.token != "ok":
                return Reply(int(self.token))  # type: ignore[call-overload]
            if seen.headers.get("x-aws-ec2-metadata-token-ttl-seconds") != "21600":
                return Reply(400)
            return Reply(200, self.issued.encode())
        if seen.method != "GET":
            return Reply(405)
        if self.hang_gets:
            return HANG
        sent = seen.headers.get("x-aws-ec2-metadata-token")
        if sent is not None and sent != self.issued:
            return Reply(401)
        if self.require_token and sent is None:
            return Reply(401)
        base = "/latest/meta-data/iam/security-credentials/"
        if seen.path == base:
            return Reply(200, self.ROLE.encode())
        if seen.path == base + self.ROLE:
            return Reply(200, credentials_json(self.access_key, self.expiry), "application/json")
        if seen.path == "/latest/meta-data/placement/region":
            return Reply(200, self.region.encode())
        return Reply(404)

    def __enter__(self) -> FakeImds:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def seen(self) -> List[Seen]:
        return self.server.seen


# -- moto ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def moto_server(timeout: float = 60.0) -> Iterator[str]:
    """``python -m moto.server`` on a free loopback port, until it answers; stopped after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            try:
                opener.open(url + "/moto-api/", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(JOIN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(JOIN_TIMEOUT)


@contextlib.contextmanager
def environment(values: Mapping[str, Optional[str]]) -> Iterator[None]:
    """Set (or, for ``None``, remove) environment variables for a block; restored after."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
