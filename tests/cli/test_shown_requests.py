"""Requests shown to users have one form: ``migrate`` prints a signed request exactly as
``sign`` prints the same request signed the same way (``Host: x``, not ``Host:x``); and every
built-in subcommand's ``--help`` has a description (``list`` among them)."""

from __future__ import annotations

import shlex
from typing import Any, List, Tuple

import pytest

from signers.cli import COMMANDS
from signers.cli import main as sigbridge

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AT = "2007-03-27T21:15:45Z"
S3_PUT = (
    "PUT /photos/puppy.jpg HTTP/1.1\n"
    "Host: johnsmith.s3.amazonaws.com\n"
    "Content-Type: image/jpeg\n"
    "Date: Tue, 27 Mar 2007 21:15:45 +0000\n"
    "Authorization: AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg=\n"
    "\n"
    "woof"
)
EC2_URL = (
    "https://ec2.amazonaws.com/?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=DescribeRegions"
    "&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2007-03-27T21%3A15%3A45Z"
    "&Version=2013-10-15&Signature=x"
)


def _run(capsys: Any, argv: List[str]) -> Tuple[int, str]:
    code = sigbridge(argv)
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


@pytest.fixture
def no_keys(monkeypatch: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("given", ["raw-s3-put", "ec2-url"])
def test_migrate_shows_the_request_as_sign_does(
    capsys: Any, tmp_path: Any, no_keys: None, monkeypatch: Any, given: str
) -> None:
    if given == "raw-s3-put":
        path = tmp_path / "put.txt"
        path.write_text(S3_PUT)
        source = f"@{path}"
    else:
        source = EC2_URL
    # Without credentials migrate prints the stripped request and the sign command for it ...
    code, out = _run(capsys, ["migrate", source, "--at", AT])
    assert code == 0
    command = next(line for line in out.splitlines() if line.startswith("sigbridge sign "))
    # ... with them, the signed request: which the sign command prints the same, byte for byte.
    keys = ["--access-key", AK, "--secret-key", SECRET, "--at", AT]
    code, migrated = _run(capsys, ["migrate", source, "-q", *keys])
    assert code == 0
    code, signed = _run(capsys, [*shlex.split(command)[1:], *keys])
    assert code == 0
    assert migrated.rstrip("\n") == signed.rstrip("\n")
    lines = migrated.splitlines()
    host = lines[1]
    assert host.startswith("Host: ") and not host.startswith("Host:  ")
    head = lines[1 : lines.index("")] if "" in lines else lines[1:]
    assert all(": " in line for line in head)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_subcommand_help_has_a_description(capsys: Any, name: str) -> None:
    with pytest.raises(SystemExit):
        sigbridge([name, "--help"])
    out = capsys.readouterr().out
    usage, _, rest = out.partition("\n\n")
    description = rest.split("\n\n", 1)[0]
    assert usage.startswith(f"usage: sigbridge {name}")
    assert description and not description.startswith(("options:", "positional arguments:"))


def test_list_help_describes_the_registry(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        sigbridge(["list", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "List the registered signers" in text and "failed to load" in text
