"""The serve and proxy subcommands: their flags reach the server, bad input is one line and exit
status 2, and the proxy says at start-up what it checks."""

from __future__ import annotations

import threading

import pytest

from signers.cli import main
from signers.cli import proxy as proxy_command
from signers.cli import serve as serve_command
from signers.cli._common import Parser
from tests._support import AK, SECRET
from tests.serve.support import chain_environment

pytestmark = pytest.mark.slow  # servers on sockets


def _parse(add_arguments, argv):
    parser = Parser(prog="sigbridge")
    add_arguments(parser)
    return parser.parse_args(argv)


def _started(module, argv):
    """Run the subcommand in a thread until it listens; ``(server, thread)``."""
    args = _parse(module.add_arguments, argv)
    servers = []
    ready = threading.Event()

    def on_ready(server):
        servers.append(server)
        ready.set()

    result = []
    thread = threading.Thread(target=lambda: result.append(module.run(args, ready=on_ready)))
    thread.daemon = True
    thread.start()
    assert ready.wait(10), "the command did not start"
    return servers[0], thread, result


def test_serve_flags_reach_the_server(capsys):
    server, thread, result = _started(
        serve_command,
        [
            *("--credential", f"{AK}:{SECRET}", "--quiet", "--schemes", "sigv4, sigv4-query"),
            *("--max-connections", "3", "--request-timeout", "7", "--backlog", "50"),
            *("--max-upload", "9999999", "--upstream", "http://127.0.0.1:9/base/"),
        ],
    )
    try:
        config = server.config
        assert config.schemes == ("sigv4", "sigv4-query")
        limits = config.limits
        assert (limits.max_connections, limits.request_timeout, limits.backlog) == (3, 7.0, 50)
        assert limits.max_upload == 9999999
        assert config.upstream.url == "http://127.0.0.1:9/base" and config.upstream.signing is None
    finally:
        server.shutdown()
        thread.join(5)
    assert result == [0]
    assert "-> http://127.0.0.1:9/base" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--schemes", "sigv5"],
        ["--upstream-sign"],
        ["--upstream", "ftp://example"],
        ["--max-connections", "0"],
        ["--request-timeout", "0"],
        ["--backlog", "0"],
        ["--upstream", "http://127.0.0.1:9", "--upstream-sign"],  # no credentials in the chain
    ],
)
def test_serve_bad_input(capsys, argv):
    args = _parse(serve_command.add_arguments, ["--credential", f"{AK}:{SECRET}", *argv])
    assert serve_command.run(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("sigbridge: error: ") and err.count("\n") == 1
    assert SECRET not in err


def test_proxy_says_what_it_checks(capsys, tmp_path, monkeypatch):
    chain_environment(monkeypatch)
    keys = tmp_path / "keys"
    keys.write_text(f"{AK} {SECRET}\n")
    argv = ["--upstream", "http://127.0.0.1:9", "--keys", str(keys), "--quiet"]
    server, thread, _ = _started(proxy_command, argv)
    server.shutdown()
    thread.join(5)
    out = capsys.readouterr().out
    assert f"listening on {server.url} -> http://127.0.0.1:9" in out
    assert "checks legacy signatures against 1 key(s)" in out
    assert "accepts sigv2, s3-v2, s3-v2-query" in out
    assert "need --service (e.g. ec2): the upstream's host names no signing name" in out
    argv = ["--upstream", "http://127.0.0.1:9", "--trust-legacy", "--service", "ec2", "--quiet"]
    server, thread, _ = _started(proxy_command, [*argv, "--accept", "sigv2"])
    server.shutdown()
    thread.join(5)
    out = capsys.readouterr().out
    assert "WARNING: --trust-legacy: legacy signatures are NOT checked" in out
    assert "accepts sigv2;" in out and "service ec2" in out
    assert "AWS_SECRET" not in out and "chain/secret" not in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--upstream", "http://127.0.0.1:9", "--keys", "K", "--trust-legacy"],
        ["--upstream", "http://127.0.0.1:9"],
        ["--upstream", "http://127.0.0.1:9", "--trust-legacy", "--listen", "nonsense"],
        ["--upstream", "http://127.0.0.1:9", "--trust-legacy", "--accept", "sigv4"],
        ["--upstream", "http://127.0.0.1:9", "--keys", "/nonexistent"],
    ],
)
def test_proxy_bad_input(capsys, monkeypatch, argv):
    chain_environment(monkeypatch)
    assert main(["proxy", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_proxy_is_listed():
    with pytest.raises(SystemExit):
        main(["--help"])
    from signers.cli import COMMANDS

    assert COMMANDS["proxy"].module == "signers.cli.proxy"
