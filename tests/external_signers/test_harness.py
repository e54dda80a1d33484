"""The external-signer protocol from the harness's side: messages, skips, and a program that
crashes, hangs or prints garbage (a small Python script here, ``fake_signer.py``)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conformance.cli import add_arguments
from conformance.cli import run as run_cli
from conformance.external import (
    ExternalSigner,
    Hello,
    SignerError,
    case_message,
    external_jobs,
    not_carried,
    run_external,
)
from conformance.runner import Result, select
from conformance.vectors import scan

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "conformance" / "protocol.schema.json").read_text()
)
FAKE = Path(__file__).with_name("fake_signer.py")
CASES = ["v4/get-vanilla", "v4/post-vanilla", "v4/get-utf8", "v4/post-header-key-sort"]


def _command(*modes: str) -> str:
    return " ".join(shlex.quote(p) for p in [sys.executable, str(FAKE), *modes])


def _run(*modes: str, timeout: float = 10.0) -> Tuple[ExternalSigner, Dict[str, Result]]:
    signer = ExternalSigner(_command(*modes), timeout=timeout)
    hello = signer.start()
    jobs = [
        job
        for job in select(external_jobs(scan(), hello), schemes=["sigv4"])
        if job.vector is not None and job.vector.case in CASES
    ]
    try:
        results = {job.id: run_external(signer, job) for job in jobs}
    finally:
        signer.close()
    assert len(results) == len(CASES)
    return signer, results


def _validator() -> object:
    jsonschema = pytest.importorskip("jsonschema")
    return jsonschema.Draft202012Validator(SCHEMA)


@pytest.mark.slow
def test_every_case_message_follows_the_schema() -> None:
    validator = _validator()
    everything = ("sigv4", "sigv4-query", "sigv4a", "sigv4a-query", "sigv2", "s3-v2", "s3-v2-query")
    hello = Hello("all", "", everything, {})
    # (the cases protocol version 1 does not carry are never sent: no message is made of them)
    jobs = [
        j
        for j in external_jobs(scan(), hello)
        if j.vector is not None and not not_carried(j.vector)
    ]
    assert len(jobs) > 250
    for job in jobs:
        assert job.vector is not None
        message = case_message(job.id, job.scheme, job.vector)
        errors = list(validator.iter_errors(message))  # type: ignore[attr-defined]
        assert errors == [], (job.id, errors[0].message if errors else "")


def test_the_schema_refuses_what_the_protocol_forbids() -> None:
    validator = _validator()
    bad = [
        {"type": "hello", "protocol": 2, "schemes": ["sigv4"]},
        {"type": "hello", "protocol": 1, "schemes": []},
        {"id": "x", "status": "signed"},
        {"id": "x", "status": "unsupported"},
        {"id": "x", "status": "maybe"},
    ]
    for message in bad:
        assert list(validator.iter_errors(message)), message  # type: ignore[attr-defined]
    good = {"id": "x", "status": "unsupported", "reason": "no"}
    assert list(validator.iter_errors(good)) == []  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_faithful_program_passes() -> None:
    signer, results = _run()
    assert {r.status for r in results.values()} == {"passed"}
    assert signer.restarts == 0


@pytest.mark.slow
def test_stages_not_reported_are_skipped_not_failed() -> None:
    _, results = _run("quiet-stages")
    for result in results.values():
        assert result.status == "passed"
        assert result.vector is not None
        assert result.vector.unchecked.get("canonical-request") == "not reported by the signer"
        assert "signed-request" in result.vector.expected


@pytest.mark.slow
def test_unsupported_is_skipped_and_error_fails_with_the_message() -> None:
    _, results = _run("unsupported=get-vanilla", "error=post-vanilla")
    assert results["sigv4::v4/get-vanilla"].status == "skipped"
    assert results["sigv4::v4/get-vanilla"].message == "the fake cannot do this"
    failed = results["sigv4::v4/post-vanilla"]
    assert failed.status == "failed" and failed.message == "the signer refused: the fake refused"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("crash", "the signer exited with status 3 (stderr: fake signer: crashing on purpose)"),
        ("hang", "no answer to the case within 2 s"),
        ("garbage", "malformed answer to the case: not a JSON line: 'this is not JSON'"),
        ("wrong-id", "malformed answer: id 'someone-else' is not 'sigv4::v4/get-utf8'"),
    ],
)
def test_a_misbehaving_program_fails_its_case_and_is_restarted(mode: str, reason: str) -> None:
    signer, results = _run(f"{mode}=get-utf8", timeout=2.0)
    broken = results["sigv4::v4/get-utf8"]
    assert broken.status == "failed" and broken.stage == "sign"
    assert broken.message == reason
    others = [r.status for i, r in results.items() if i != "sigv4::v4/get-utf8"]
    assert others == ["passed"] * (len(CASES) - 1)
    assert signer.restarts == 1


@pytest.mark.slow
def test_the_harness_gives_up_on_a_program_that_cannot_restart(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    signer = ExternalSigner(_command("crash=get-utf8", f"die-after-start={marker}"))
    hello = signer.start()
    jobs = [j for j in select(external_jobs(scan(), hello), schemes=["sigv4"], cases=["v4/"])]
    try:
        messages = [run_external(signer, job).message for job in jobs]
    finally:
        signer.close()
    crash = [j.id for j in jobs].index("sigv4::v4/get-utf8")
    assert messages[crash].startswith("the signer exited with status 3")
    after = messages[crash + 1 :]
    assert len(after) > 4
    assert after[:3] == ["the signer exited with status 4 (stderr: cannot start twice)"] * 3
    assert set(after[3:]) == {
        "gave up restarting the signer: the signer exited with status 4 (stderr: cannot start "
        "twice)"
    }


def _cli(argv: List[str], capsys: pytest.CaptureFixture[str]) -> Tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    status = run_cli(parser.parse_args(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("modes", "words"),
    [
        (["protocol=2"], "speaks protocol 2; this harness speaks 1"),
        (["no-hello"], "the first line must be the handshake"),
        (["schemes=sigv4,sigv5"], "names scheme 'sigv5'"),
    ],
)
def test_a_bad_handshake_is_bad_usage(
    modes: List[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _cli(["--signer", _command(*modes)], capsys)
    assert status == 2 and out == ""
    assert err.startswith("conformance: error: --signer: ") and err.count("\n") == 1
    assert words in err


def test_a_program_that_does_not_exist_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _cli(["--signer", "/nonexistent/signer --flag"], capsys)
    assert status == 2 and out == "" and "cannot start '/nonexistent/signer'" in err


@pytest.mark.slow
def test_the_command_reports_and_exits_1_on_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--signer", _command("crash=get-utf8"), "--scheme", "sigv4", "--case", "v4/get-*"]
    status, out, err = _cli(argv, capsys)
    assert status == 1
    assert out.startswith("signer: fake (external: ")
    assert "FAIL sigv4::v4/get-utf8 [sign]: the signer exited with status 3" in out
    assert "the signer was restarted 1 time(s)" in err


def test_a_missing_program_cannot_start() -> None:
    with pytest.raises(SignerError, match="cannot start"):
        ExternalSigner("/nonexistent/signer").start()
