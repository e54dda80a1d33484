"""The explain / diff / serve subcommand functions and the shared request arguments."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import urllib.error
import urllib.request

import pytest

import signers
from signers.cli import diff as diff_command
from signers.cli import explain as explain_command
from signers.cli import serve as serve_command
from signers.cli._common import (
    add_request_arguments,
    credentials_from_args,
    request_from_args,
    time_from_args,
)
from tests._verify_support import AK, SECRET

# aws-c-auth's get-vanilla case: the published signature for these inputs.
VANILLA = [
    "GET",
    "https://example.amazonaws.com/",
    "--service",
    "service",
    "--region",
    "us-east-1",
    "--at",
    "2015-08-30T12:36:00Z",
]
VANILLA_SIGNATURE = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
VANILLA_STS = (
    "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
)

pytestmark = pytest.mark.usefixtures("example_credentials_env")


def _parse(add, argv):
    parser = argparse.ArgumentParser(prog="sigbridge")
    add(parser)
    return parser.parse_args(argv)


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert err.startswith("sigbridge: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and SECRET not in err
    return err


def test_request_arguments():
    args = _parse(
        add_request_arguments,
        [
            "POST",
            "https://h.example/p?q=1",
            "-H",
            "X-A: 1",
            "-H",
            "x-b:two words ",
            "-d",
            "body",
            "--at",
            "0",
        ],
    )
    request = request_from_args(args)
    assert request.headers == (("X-A", "1"), ("x-b", "two words"))
    assert request.body == b"body"
    assert time_from_args(args) == dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    args = _parse(
        add_request_arguments,
        ["GET", "https://h/", "--unsigned-payload", "--access-key", "AK", "--secret-key", "SK"],
    )
    assert request_from_args(args).body is signers.UNSIGNED_PAYLOAD
    assert credentials_from_args(args, {"AWS_SESSION_TOKEN": "env"}) == signers.Credentials(
        "AK", "SK"
    )
    assert credentials_from_args(args, {}).token is None
    env = {"AWS_ACCESS_KEY_ID": "E", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SESSION_TOKEN": "T"}
    args = _parse(add_request_arguments, ["GET", "https://h/"])
    assert credentials_from_args(args, env) == signers.Credentials("E", "S", "T")
    assert time_from_args(args) is None
    with pytest.raises(signers.InvalidCredentials):
        # (no keys anywhere: the chain ends at instance metadata, switched off here)
        credentials_from_args(args, {"AWS_EC2_METADATA_DISABLED": "true"})


def test_explain_prints_every_stage(capsys):
    status = explain_command.run(_parse(explain_command.add_arguments, VANILLA))
    out = capsys.readouterr().out
    assert status == 0
    assert "Credential scope: 20150830/us-east-1/service/aws4_request" in out
    assert "\n  4  host:example.amazonaws.com$\n" in out
    assert f"Signature: {VANILLA_SIGNATURE}" in out
    assert SECRET not in out
    status = explain_command.run(_parse(explain_command.add_arguments, [*VANILLA, "--json"]))
    assert json.loads(capsys.readouterr().out)["signature"] == VANILLA_SIGNATURE


@pytest.mark.parametrize(
    "argv",
    [
        [*VANILLA, "-H", "no colon"],
        [*VANILLA[:-1], "yesterday"],
        [*VANILLA, "--scheme", "nope"],
        [*VANILLA, "-d", "@/nonexistent/file"],
        [*VANILLA, "-o", "normalize_path"],
        [*VANILLA, "-o", "bogus=1"],
        ["GET", "not-a-url", "--service", "s", "--region", "r"],
        ["GET", "https://h/", "--region", "us-east-1"],
    ],
)
def test_explain_bad_input_is_one_line_and_exit_2(capsys, argv):
    assert explain_command.run(_parse(explain_command.add_arguments, argv)) == 2
    _one_line_error(capsys)


def test_explain_without_credentials(capsys, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    assert explain_command.run(_parse(explain_command.add_arguments, VANILLA)) == 2
    assert "AWS_ACCESS_KEY_ID" in _one_line_error(capsys)


def _vanilla_canonical():
    return (
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_diff_from_files_and_from_signing(tmp_path, capsys):
    ours = tmp_path / "ours.txt"
    ours.write_text(_vanilla_canonical() + "\n")  # an editor's final newline is forgiven
    theirs = _vanilla_canonical().replace("\n/\n", "\n/index.html\n")
    answer = tmp_path / "answer.json"
    answer.write_text(
        json.dumps(
            {
                "__type": "InvalidSignatureException",
                "message": "Mismatch.\n\nThe Canonical String for this request should have been\n'"
                + theirs
                + "'\n\nThe String-to-Sign should have been\n'"
                + VANILLA_STS
                + "'\n",
            }
        )
    )
    status = diff_command.run(
        _parse(diff_command.add_arguments, [str(answer), "--canonical-request", str(ours)])
    )
    out = capsys.readouterr().out
    assert status == 1
    assert "canonical request, line 2: canonical URI" in out
    assert "  theirs: /index.html$" in out and "- path:" in out
    # Signing METHOD URL instead gives the same canonical request: no difference
    answer.write_text(answer.read_text().replace("/index.html", "/"))
    status = diff_command.run(_parse(diff_command.add_arguments, [str(answer), *VANILLA]))
    assert status == 0 and "No difference" in capsys.readouterr().out
    status = diff_command.run(_parse(diff_command.add_arguments, [str(answer), *VANILLA, "--json"]))
    assert status == 0 and json.loads(capsys.readouterr().out)["equal"] is True


@pytest.mark.parametrize(
    "argv",
    [
        ["/nonexistent/answer"],
        ["-", "--canonical-request", "-"],
        ["ANSWER"],
        ["ANSWER", *VANILLA, "--canonical-request", "ANSWER"],
    ],
)
def test_diff_bad_input(tmp_path, capsys, argv):
    answer = tmp_path / "a.xml"
    answer.write_text("<Error><Code>SignatureDoesNotMatch</Code></Error>")
    argv = [str(answer) if a == "ANSWER" else a for a in argv]
    assert diff_command.run(_parse(diff_command.add_arguments, argv)) == 2
    _one_line_error(capsys)


@pytest.mark.slow
def test_serve_runs_until_shut_down(capsys, tmp_path):
    creds_file = tmp_path / "creds"
    creds_file.write_text(f"{AK} {SECRET}\n")
    args = _parse(
        serve_command.add_arguments,
        ["--port", "0", "--credentials-file", str(creds_file), "--quiet", "--timeout", "2"],
    )
    servers = []
    ready = threading.Event()

    def on_ready(server):
        servers.append(server)
        ready.set()

    result = []
    thread = threading.Thread(target=lambda: result.append(serve_command.run(args, ready=on_ready)))
    thread.daemon = True
    thread.start()
    try:
        assert ready.wait(5)
        server = servers[0]
        signer = signers.get_signer("sigv4-query", region="us-east-1", service="s3", s3=True)
        url = signer.sign(
            signers.Request("GET", server.url + "/b/k"),
            signers.Credentials(AK, SECRET),
            at=dt.datetime.now(dt.timezone.utc),
        ).url
        with urllib.request.urlopen(url, timeout=5) as response:
            assert json.loads(response.read())["scheme"] == "sigv4-query"
    finally:
        if servers:
            servers[0].shutdown()
        thread.join(5)
    assert result == [0]
    assert f"sigbridge serve: listening on http://127.0.0.1:{servers[0].server_address[1]}" in (
        capsys.readouterr().out
    )


@pytest.mark.slow
def test_serve_legacy_virtual_hosts_and_xml_answers(capsys):
    args = _parse(
        serve_command.add_arguments,
        ["--credential", f"{AK}:{SECRET}", "--quiet", "--virtual-host-suffix", "objects.test"],
    )
    servers = []
    ready = threading.Event()

    def on_ready(server):
        servers.append(server)
        ready.set()

    thread = threading.Thread(target=lambda: serve_command.run(args, ready=on_ready))
    thread.daemon = True
    thread.start()
    try:
        assert ready.wait(5)
        port = servers[0].server_address[1]
        host = f"my-bucket.objects.test:{port}"
        signer = signers.get_signer("s3-v2", virtual_host_suffix="objects.test")
        signed = signer.sign(
            signers.Request("GET", f"http://{host}/k"),
            signers.Credentials(AK, SECRET),
            at=dt.datetime.now(dt.timezone.utc),
        )
        headers = dict(signed.headers)  # the Host header names the bucket
        headers["Host"] = host
        target = servers[0].url + "/k"
        with urllib.request.urlopen(
            urllib.request.Request(target, headers=headers), timeout=5
        ) as r:
            assert json.loads(r.read())["scheme"] == "s3-v2"
        headers["Host"] = f"other.objects.test:{port}"
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(urllib.request.Request(target, headers=headers), timeout=5)
        body = info.value.read().decode()
        assert info.value.code == 403 and "<Code>SignatureDoesNotMatch</Code>" in body
        assert "<StringToSign>GET\n\n\n" in body
        assert "/other/k</StringToSign>" in body
    finally:
        if servers:
            servers[0].shutdown()
        thread.join(5)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--credential", "A:B", "--virtual-host-suffix", "a/b"],
        ["--credential", "nocolon"],
        ["--credentials-file", "/nonexistent"],
        ["--credential", "A:B", "--port", "70000"],
        ["--credential", "A:B", "--timeout", "0"],
        ["--credential", "A:B", "--host", "256.0.0.1"],
    ],
)
def test_serve_bad_input(capsys, argv):
    assert serve_command.run(_parse(serve_command.add_arguments, argv)) == 2
    _one_line_error(capsys)
