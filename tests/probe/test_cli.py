"""``sigbridge probe`` on the command line: bad usage is one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import threading
from typing import Iterator, List, Mapping, Tuple

import pytest

from conformance.probe.cli import add_arguments, run

ENV = {"AWS_ACCESS_KEY_ID": "AKIDCLI", "AWS_SECRET_ACCESS_KEY": "cli/secret/key"}


def _run(
    argv: List[str], env: Mapping[str, str], capsys: pytest.CaptureFixture[str]
) -> Tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    status = run(parser.parse_args(argv), env)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _one_line_error(status: int, out: str, err: str, words: str) -> None:
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("probe: error: "), err
    assert words in err


def test_no_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    _one_line_error(*_run(["http://127.0.0.1:9"], {}, capsys), "AWS_ACCESS_KEY_ID")


def test_no_url(capsys: pytest.CaptureFixture[str]) -> None:
    _one_line_error(*_run([], ENV, capsys), "endpoint URL")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://127.0.0.1/", "is not http:// or https://"),
        ("127.0.0.1:9000", "is not http:// or https://"),
        ("http://127.0.0.1:9000/bucket", "--bucket"),
        ("http://127.0.0.1:99999", "invalid port"),
    ],
)
def test_a_url_that_is_not_an_http_endpoint(
    url: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _one_line_error(*_run([url], ENV, capsys), words)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--scheme", "nope"], "--scheme 'nope' is unknown"),
        (["--case", "no-such-probe"], "matches no probe"),
        (["--concurrency", "0"], "--concurrency"),
        (["--timeout", "0"], "--timeout"),
        (["--prefix", "/abs/"], "--prefix"),
        (["--service", "ec2"], "knows a harmless call of"),
    ],
)
def test_bad_options(argv: List[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    _one_line_error(*_run(["http://127.0.0.1:9", *argv], ENV, capsys), words)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_unreachable(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    _one_line_error(*_run([url, "--timeout", "3"], ENV, capsys), "cannot reach")


def _garbage_server() -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(10)

    def serve() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(4096)
            connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\nnot http at all\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.close()


@pytest.mark.slow
def test_not_http(capsys: pytest.CaptureFixture[str]) -> None:
    for port in _garbage_server():
        url = f"http://127.0.0.1:{port}"
        _one_line_error(*_run([url, "--timeout", "5"], ENV, capsys), "not HTTP")


def test_list_needs_no_credentials_and_no_network(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(["--list"], {}, capsys)
    assert status == 0 and err == ""
    listed = {row[0]: row for row in (line.split("\t") for line in out.splitlines())}
    assert listed["sigv4/tamper-path"][1:3] == ["refuse", "403 SignatureDoesNotMatch"]
    status, out, _ = _run(["--list", "--service", "sts"], {}, capsys)
    assert "sigv2/get\taccept" in out and "s3-v2/" not in out


@pytest.mark.slow
def test_the_sigbridge_command_has_probe() -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "signers.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "probe" in helped.stdout and "conformance" in helped.stdout
    done = subprocess.run(
        [sys.executable, "-m", "signers.cli", "probe", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "SYSTEMROOT": ""},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("probe: error: credentials") and done.stderr.count("\n") == 1
