"""The sigbridge command: sign, presign, list; bad input is one line on stderr with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, List

import pytest

from signers.cli import main
from tests._support import SECRET, VECTORS, child_env

pytestmark = pytest.mark.usefixtures("example_credentials_env")


def run(capsys: Any, argv: List[str]) -> Any:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_sign_matches_the_published_vector(capsys: Any) -> None:
    # aws-c-auth v4 "get-vanilla": the published signature for this request
    code, out, err = run(
        capsys,
        [
            "sign",
            "GET",
            "https://example.amazonaws.com/",
            "--region",
            "us-east-1",
            "--service",
            "service",
            "--at",
            "2015-08-30T12:36:00Z",
        ],
    )
    assert code == 0, err
    assert out.startswith("GET / HTTP/1.1\nHost: example.amazonaws.com\n")
    expected = (VECTORS / "v4" / "get-vanilla" / "header-signature.txt").read_text().strip()
    assert f"Signature={expected}" in out


def test_presign_json_and_explain(capsys: Any) -> None:
    code, out, _ = run(
        capsys,
        [
            "presign",
            "GET",
            "https://example.amazonaws.com/",
            "--region",
            "us-east-1",
            "--service",
            "service",
            "--at",
            "2015-08-30T12:36:00Z",
            "--json",
        ],
    )
    assert code == 0
    data = json.loads(out)
    expected = (VECTORS / "v4" / "get-vanilla" / "query-signature.txt").read_text().strip()
    assert data["signature"] == expected
    assert "X-Amz-Signature=" + data["signature"] in data["url"]
    code, out, _ = run(
        capsys,
        [
            "sign",
            "POST",
            "https://ecs.us-east-1.amazonaws.com/",
            "-d",
            "{}",
            "-H",
            "X-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters",
            "--explain",
        ],
    )
    assert code == 0
    assert "Canonical request:" in out and "x-amz-target:AmazonEC2" in out
    # --explain says where the region and the signing name came from
    assert "# region us-east-1: host 'ecs.us-east-1.amazonaws.com'" in out
    assert "# service ecs: X-Amz-Target prefix 'AmazonEC2ContainerServiceV20141113'" in out


def test_data_from_file(tmp_path: Any, capsys: Any) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(b'{"a": 1}')
    code, out, _ = run(
        capsys,
        [
            "sign",
            "POST",
            "https://example.amazonaws.com/",
            "--region",
            "us-east-1",
            "--service",
            "service",
            "-d",
            f"@{body}",
            "--json",
        ],
    )
    assert code == 0
    import hashlib

    assert json.loads(out)["canonical_request"].endswith(hashlib.sha256(b'{"a": 1}').hexdigest())


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["sign", "GET", "/relative"], "url"),
        (["sign", "GET", "https://localhost/"], "region"),
        (["sign", "GET", "https://h.amazonaws.com/", "--region", "r-1"], "service"),
        (["presign", "GET", "https://b.s3.amazonaws.com/k", "--expires", "0"], "expires"),
        (["presign", "GET", "https://b.s3.amazonaws.com/k", "--expires", "604801"], "expires"),
        (
            ["sign", "GET", "https://b.s3.amazonaws.com/k", "-H", "Authorization: x"],
            "authorization",
        ),
        (["sign", "GET", "https://b.s3.amazonaws.com/k", "-H", "X-Amz-Date: x"], "x-amz-date"),
        (["sign", "GET", "https://b.s3.amazonaws.com/k", "-H", "no colon"], "-H"),
        (["sign", "GET", "https://b.s3.amazonaws.com/k", "--at", "2015-08-30T12:00:00"], "--at"),
        (["sign", "GET", "https://b.s3.amazonaws.com/k", "--at", "yesterday"], "--at"),
        (["sign", "GET", "https://b.s3.amazonaws.com/k", "--scheme", "nope"], "available"),
        (["sign", "GET", "https://b.s3.amazonaws.com/k", "-o", "colour=blue"], "colour"),
        (["sign", "GET", "https://b.s3.amazonaws.com/k", "-d", "@/nonexistent/file"], "data"),
        (["sign", "GET"], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys: Any, argv: List[str], fragment: str) -> None:
    code, out, err = run(capsys, argv)
    assert code == 2
    assert err.count("\n") == 1 and fragment in err
    assert "Traceback" not in err and SECRET not in err + out


def test_missing_credentials(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, _, err = run(capsys, ["sign", "GET", "https://sts.amazonaws.com/"])
    assert code == 2 and "AWS_SECRET_ACCESS_KEY" in err


def test_list_shows_schemes_and_aliases(capsys: Any) -> None:
    code, out, _ = run(capsys, ["list"])
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "sigv4" in lines and "sigv4-query" in lines
    assert "alias of sigv4" in lines["v4"]
    code, out, _ = run(capsys, ["list", "--json"])
    names = {entry["name"] for entry in json.loads(out)}
    assert {"sigv4", "v4", "s3v4", "sigv4-query", "v4-query", "s3v4-query"} <= names


@pytest.mark.slow
def test_console_script_runs_without_traceback() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "signers.cli",
            "presign",
            "GET",
            "https://b.s3.amazonaws.com/k",
            "--expires",
            "0",
        ],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "expires" in proc.stderr
