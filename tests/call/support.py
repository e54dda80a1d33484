"""Helpers for the ``sigbridge call`` tests: running the command as a user types it, a verifying
``sigbridge serve`` and moto on 127.0.0.1, shared files in the test's HOME.

Servers run on ephemeral loopback ports, bounded in time, and are stopped when the ``with``
block ends.  The fake metadata service and moto come from the credentials tests.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence

from signers import Credentials
from signers.serve import make_server
from tests.credentials.support import (  # noqa: F401 - re-exported for the test modules
    HANG,
    JOIN_TIMEOUT,
    SECRET,
    TOKEN,
    FakeImds,
    FakeServer,
    Reply,
    Seen,
    moto_server,
    process_command,
    write,
)

AK = "AKIDCALLEXAMPLE"
OTHER_SECRET = "wrongSECRETwrongSECRETwrongSECRET00000000"
SECRETS = (SECRET, TOKEN, OTHER_SECRET)
#: Bound on one command run in a subprocess.
COMMAND_TIMEOUT = 120.0


class Result(NamedTuple):
    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return self.out.decode("utf-8", "replace")


def assert_no_secret(result: Result, secrets: Sequence[str] = SECRETS) -> None:
    for secret in secrets:
        assert secret not in result.text, "a secret leaked to stdout"
        assert secret not in result.err, "a secret leaked to stderr"


def run(argv: Sequence[str], stdin: bytes = b"") -> Result:
    """``sigbridge ARGV`` in this process (stdout and stderr captured as bytes and text)."""
    from signers.cli import main

    out, err = io.BytesIO(), io.BytesIO()
    text_out = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    text_err = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    text_in = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    saved = sys.stdin
    sys.stdin = text_in
    try:
        with contextlib.redirect_stdout(text_out), contextlib.redirect_stderr(text_err):
            code = main(list(argv))
    finally:
        sys.stdin = saved
    text_out.flush()
    text_err.flush()
    return Result(code, out.getvalue(), err.getvalue().decode("utf-8", "replace"))


def typed(command: str, env: Optional[Dict[str, str]] = None, stdin: bytes = b"") -> Result:
    """The command as a user types it (``sigbridge call ...``), run as a separate process with
    this process's environment (plus ``env``)."""
    words = shlex.split(command)
    assert words[0] == "sigbridge"
    environment = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "signers.cli", *words[1:]],
        input=stdin,
        capture_output=True,
        env=environment,
        timeout=COMMAND_TIMEOUT,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))


@contextlib.contextmanager
def serving(credentials: Sequence[Credentials] = (), **config: Any) -> Iterator[str]:
    """``sigbridge serve`` (the library server) on 127.0.0.1, verifying against
    ``credentials`` (default: AK / SECRET) with ``config`` (region=, service= ...)."""
    logged: List[str] = []
    # These tests read the verification account from the body call prints: serve's
    # json_account answers give it (the SDK-shaped answers carry it in a header).
    config.setdefault("json_account", True)
    server = make_server(
        credentials=list(credentials) or [Credentials(AK, SECRET)],
        log=logged.append,
        **config,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(JOIN_TIMEOUT)
        assert not thread.is_alive()


def keys_in_environment(monkeypatch: Any, token: Optional[str] = None) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    if token is not None:
        monkeypatch.setenv("AWS_SESSION_TOKEN", token)


def aws_file(home: Path, name: str, text: str) -> Path:
    """Write ``~/.aws/<name>`` in the test's HOME."""
    return write(home / ".aws" / name, text)


@contextlib.contextmanager
def serve_process(credentials_file: Path, *options: str) -> Iterator[str]:
    """``sigbridge serve --credentials-file FILE OPTIONS`` as its own process, as a user runs
    it; yields the URL it prints, and stops it after."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "signers.cli",
            "serve",
            "--credentials-file",
            str(credentials_file),
            "--quiet",
            "--json-account",  # the account in the body call prints (see serving)
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
    )
    try:
        assert process.stdout is not None
        ready: List[str] = []
        reader = threading.Thread(
            target=lambda: ready.append(process.stdout.readline().decode()),  # type: ignore
            daemon=True,
        )
        reader.start()
        reader.join(COMMAND_TIMEOUT)
        line = ready[0] if ready else ""
        assert "listening on " in line, f"serve did not start: {line!r}"
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        try:
            process.wait(JOIN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(JOIN_TIMEOUT)
        if process.stdout is not None:
            process.stdout.close()
