"""``sigbridge migrate --scan``: SigV2 in Python source, reported file:line with its replacement.

The sample scripts live in ``tests/data/migrate_samples`` (valid Python 3) or are written to
``tmp_path`` here (Python 2 and broken files, which linters would reject in the tree).  The
expected findings are listed by hand from the samples' text.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any, List, Tuple

import pytest

from signers._tools.scan import Finding, python_files, scan_file, scan_path, scan_source
from signers.cli import main as sigbridge
from signers.cli.migrate import add_arguments, run
from tests._support import SAMPLES

PY2_BOTO = """\
# A Python 2 script from boto 2's day: it does not parse as Python 3.
import boto
from boto.s3.connection import S3Connection, OrdinaryCallingFormat

conn = S3Connection("AKIDEXAMPLE", "SECRET", calling_format=OrdinaryCallingFormat())
print "buckets:", conn.get_all_buckets()
ec2 = boto.connect_ec2()
params = {'SignatureVersion': '2'}  # a Python 2 dict literal still counts
# params = {'SignatureMethod': 'HmacSHA1'} is a comment and does not
"""

BROKEN = """\
def broken(:
    return 1
"""


def found(findings: List[Finding]) -> List[Tuple[int, str]]:
    return [(f.line, f.code) for f in findings]


# -- the sample scripts ------------------------------------------------------------------------


def test_boto2_style_ec2_query_signer() -> None:
    findings = scan_file(str(SAMPLES / "ec2_query_v2.py"))
    # the docstring (lines 1-4) and the comment (line 16) mention the same words: not reported
    assert found(findings) == [
        (20, "sigv2-parameter"),  # "AWSAccessKeyId": access_key
        (21, "sigv2-parameter"),  # "SignatureVersion": "2"
        (22, "sigv2-parameter"),  # "SignatureMethod": "HmacSHA256"
        (30, "hand-rolled-hmac"),  # hmac.new(..., sha256).digest() then base64, sorted query
    ]
    assert "sorted query" in findings[3].message
    for finding in findings:
        # a query-API file: the replacement is the SigV4 header signer
        assert finding.replacement.startswith('signers.get_signer("sigv4", region=')


def test_hand_rolled_s3_authorization_script() -> None:
    findings = scan_file(str(SAMPLES / "s3_header_v2.py"))
    assert found(findings) == [
        (14, "hand-rolled-hmac"),  # hmac.new(..., sha1) inside base64.b64encode
        (19, "s3-v2-header"),  # "AWS " + access_key + ":" + signature
        (27, "s3-v2-header"),  # f"AWS {access_key}:{signature}"
        (31, "s3-v2-header"),  # "AWS %s:%s" % (...)
        (36, "s3-v2-header"),  # the third line of a request template
    ]
    assert "S3 legacy" in findings[0].message
    for finding in findings:
        assert 's3=True, region=..., service="s3"' in finding.replacement


def test_botocore_config_asking_for_sigv2() -> None:
    findings = scan_file(str(SAMPLES / "botocore_config_v2.py"))
    assert found(findings) == [
        (4, "sdk-signature-version"),  # Config(signature_version="s3")
        (5, "sdk-signature-version"),  # Config(signature_version="v2")
        (6, "sdk-signature-version"),  # Config(s3={"signature_version": "s3"})
        (8, "sdk-signature-version"),  # config.signature_version = "s3-query"
    ]
    assert findings[0].replacement == 'Config(signature_version="s3v4")'
    assert findings[1].replacement.startswith('Config(signature_version="v4")')
    assert "'s3-query'" in findings[3].message


def test_clean_sigv4_script_has_no_findings() -> None:
    # hmac + sha256 with .digest() (key derivation) and .hexdigest() (the signature), base64 of
    # an MD5 and a sorted query in the same function, "AWS credentials" in a message, and the
    # old words in the docstring: none of it is SigV2.
    assert scan_file(str(SAMPLES / "clean_sigv4.py")) == []


def test_python2_boto_script_is_skipped_then_read_by_tokens(tmp_path: Path) -> None:
    path = tmp_path / "boto2_py2.py"
    path.write_text(PY2_BOTO)
    scanned = scan_path(str(path))
    assert found(scanned.findings) == [
        (2, "boto2"),  # import boto
        (3, "boto2"),  # from boto.s3.connection import S3Connection
        (5, "boto2"),  # S3Connection(..., calling_format=...)
        (7, "boto2"),  # boto.connect_ec2()
        (8, "sigv2-parameter"),  # {'SignatureVersion': '2'}
    ]
    assert scanned.skipped is not None and scanned.skipped.line == 6  # print "buckets:" ...
    assert scanned.skipped.reason.startswith("does not parse as Python 3 (SyntaxError")
    assert "strings and names" in scanned.skipped.reason


def test_file_with_a_syntax_error_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text(BROKEN)
    scanned = scan_path(str(path))
    assert scanned.findings == [] and scanned.skipped is not None
    assert scanned.skipped.line == 1 and "\n" not in scanned.skipped.text()


def test_token_pass_sees_fstrings_and_skips_docstrings() -> None:
    source = (
        '"""Docstring: "AWS %s:%s" and HmacSHA1 are only words here."""\n'
        "print 'python 2'\n"
        'header = f"AWS {key}:{signature}"\n'
        "method = 'HmacSHA1'  # 'HmacSHA256' in a comment\n"
    )
    assert found(scan_source(source, "x.py")) == [
        (3, "s3-v2-header"),
        (4, "sigv2-method"),
    ]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("x = {'signature_version': 'v2'}\n", [(1, "sdk-signature-version")]),
        ("x = {'signature_version': 's3v4'}\n", []),
        ("Config(signature_version=version)\n", []),
        ("h = 'AWS {}:{}'.format(k, s)\n", [(1, "s3-v2-header")]),
        ("h = 'AWS4-HMAC-SHA256 Credential=%s' % c\n", []),
        ("url = base + '&AWSAccessKeyId=' + key\n", [(1, "sigv2-parameter")]),
        ("q = 'Action=X&SignatureVersion=2'\n", [(1, "sigv2-parameter")]),
        ("q = 'SignatureVersion=20'\n", []),
        ("from boto3 import client\nimport botocore\n", []),
        ("import boto.ec2\n", [(1, "boto2")]),
        ("'''SignatureVersion'''\n", []),
        (
            "def f(aws_secret, m):\n"
            "    return base64.b64encode(hmac.new(aws_secret, m, 'sha1').digest())\n",
            [(2, "hand-rolled-hmac")],
        ),
        ("def f(k, m):\n    return hmac.new(k, m, hashlib.sha256).hexdigest()\n", []),
    ],
    ids=[
        "dict-v2",
        "dict-s3v4",
        "variable",
        "format",
        "sigv4-header",
        "access-key-concat",
        "query-string",
        "version-20",
        "boto3",
        "boto2-import",
        "bare-string",
        "hmac-sha1-base64",
        "hmac-hex",
    ],
)
def test_rules(source: str, expected: List[Tuple[int, str]]) -> None:
    assert found(scan_source(source, "x.py")) == expected


def test_undecodable_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"x = '\xe9t\xe9'\n")
    scanned = scan_path(str(path))
    assert scanned.findings == [] and scanned.skipped is not None
    assert "cannot decode" in scanned.skipped.reason


def test_directories_are_walked_for_python_files(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "a.py").write_text("x = 'HmacSHA1'\n")
    (tmp_path / "pkg" / "b.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "notes.txt").write_text("HmacSHA1\n")
    for skipped in (".git", "__pycache__", "venv"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "c.py").write_text("x = 'HmacSHA1'\n")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    files = [os.path.relpath(p, tmp_path) for p in python_files([str(tmp_path)])]
    assert files == [os.path.join("pkg", "b.py"), os.path.join("pkg", "sub", "a.py")]


# -- the command -------------------------------------------------------------------------------


def _run(capsys: Any, argv: List[str]) -> Tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="sigbridge migrate")
    add_arguments(parser)
    code = run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_scan_reports_file_line_and_exits_1(capsys: Any) -> None:
    code, out, err = _run(capsys, ["--scan", str(SAMPLES)])
    assert code == 1
    lines = out.splitlines()
    # ec2_query_v2, s3_header_v2, botocore_config_v2, boto2_connect_to_region,
    # botocore_legacy_auth (webhook_hmac: none; unparsable/: skipped)
    assert len(lines) == 4 + 5 + 4 + 8 + 4
    path = str(SAMPLES / "s3_header_v2.py")
    assert f"{path}:19: [s3-v2-header] " in out
    for line in lines:
        file_line, _, rest = line.partition(": [")
        assert file_line.rsplit(":", 1)[1].isdigit()
        assert "; use " in rest
    assert "25 findings in 9 file(s); 2 skipped" in err


def test_cli_scan_clean_file_exits_0(capsys: Any) -> None:
    code, out, err = _run(capsys, ["--scan", str(SAMPLES / "clean_sigv4.py")])
    assert (code, out) == (0, "")
    assert "0 findings in 1 file(s)" in err


def test_cli_scan_json(capsys: Any, tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text(BROKEN)
    code, out, _ = _run(
        capsys, ["--scan", "--json", str(SAMPLES / "botocore_config_v2.py"), str(tmp_path)]
    )
    assert code == 1
    data = json.loads(out)
    assert data["files"] == 2
    rows = [(os.path.basename(f["path"]), f["line"], f["code"]) for f in data["findings"]]
    assert rows == [
        ("botocore_config_v2.py", 4, "sdk-signature-version"),
        ("botocore_config_v2.py", 5, "sdk-signature-version"),
        ("botocore_config_v2.py", 6, "sdk-signature-version"),
        ("botocore_config_v2.py", 8, "sdk-signature-version"),
    ]
    assert [(os.path.basename(f["path"]), f["line"]) for f in data["skipped"]] == [("broken.py", 1)]
    assert set(data["findings"][0]) == {"path", "line", "code", "message", "replacement"}


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--scan"], "needs at least one file or directory"),
        (["--scan", "/nonexistent/place"], "does not exist"),
    ],
)
def test_cli_scan_bad_usage_exits_2(capsys: Any, argv: List[str], words: str) -> None:
    code, out, err = _run(capsys, argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and words in err


def test_standalone_main_argument_errors_are_one_line(capsys: Any) -> None:
    assert sigbridge(["migrate", "--scan", "--expires", "soon", "x"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "--expires" in err


def test_access_key_replacement_depends_on_the_file() -> None:
    presigned = scan_source("q = 'AWSAccessKeyId=' + key + '&Expires=' + e\n", "x.py")
    assert presigned[0].replacement.startswith('signers.get_signer("sigv4-query", s3=True')
    assert "signers.migrate(url, credentials)" in presigned[0].replacement
    query_api = scan_source("a = 'AWSAccessKeyId'\nb = 'SignatureVersion'\n", "x.py")
    assert [f.replacement for f in query_api] == [query_api[1].replacement] * 2
    assert query_api[0].replacement.startswith('signers.get_signer("sigv4", region=')
