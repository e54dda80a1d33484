"""External signers and the cases protocol version 1 cannot carry: POST policies, event
streams and aws-chunked bodies are never sent to the program; they are listed as skipped with the
reason (the POST and event-stream ones under their family, whatever the program declares)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

from conformance.cli import add_arguments
from conformance.cli import run as run_cli
from conformance.external import Hello, case_message, external_jobs, not_carried
from conformance.runner import SKIPPED, Job
from tests._bundled_vectors import bundled_catalog

FAKE = Path(__file__).resolve().parents[1] / "external_signers" / "fake_signer.py"
PROTOCOL = "not sent to external signers: protocol version 1 carries requests to sign, not "


def _jobs(*schemes: str, features: Any = None) -> Dict[str, Job]:
    hello = Hello("fake", "", tuple(schemes), features or {})
    return {job.id: job for job in external_jobs(bundled_catalog(), hello)}


def test_post_and_event_cases_are_skipped_with_the_reason() -> None:
    jobs = _jobs("sigv4")
    post = {i: j for i, j in jobs.items() if j.scheme == "post-policy"}
    events = {i: j for i, j in jobs.items() if j.scheme == "eventstream"}
    assert len(post) == 2 and len(events) == 25
    for job in [*post.values(), *events.values()]:
        assert job.vector is not None and job.factory is None
        assert job.skip == PROTOCOL + f"{job.vector.family} cases"
        assert job.run().status == SKIPPED
    assert "post-policy:form::post-policy/aws-doc-sigv4-post" in post


def test_declaring_their_features_does_not_send_them() -> None:
    jobs = _jobs("sigv4", features={"sigv4": ["sigv4:header", "post-policy:form", "post-v4"]})
    claimed = jobs["sigv4::post-policy/aws-doc-sigv4-post"]
    assert claimed.skip == PROTOCOL + "post-policy cases" and claimed.factory is None


def test_aws_chunked_cases_of_a_declared_scheme_are_skipped_with_the_reason() -> None:
    jobs = _jobs("sigv4")
    chunked = [j for j in jobs.values() if j.vector is not None and j.vector.stream is not None]
    assert len(chunked) == 5 and all(j.scheme == "sigv4" for j in chunked)
    assert {j.skip for j in chunked} == {PROTOCOL + "aws-chunked bodies"}
    # a scheme the program does not declare brings none of its cases, as before
    assert not [j for j in jobs.values() if j.vector is not None and j.vector.family == "sigv4a"]


def test_no_case_message_is_made_for_them() -> None:
    for job in _jobs("sigv4").values():
        vector = job.vector
        assert vector is not None
        if not_carried(vector) is None:
            assert case_message(job.id, job.scheme, vector)["type"] == "case"
            continue
        with pytest.raises(ValueError, match="not sent to external signers"):
            case_message(job.id, job.scheme, vector)


@pytest.mark.slow
def test_the_command_prints_their_rows(capsys: pytest.CaptureFixture[str]) -> None:
    command = " ".join(shlex.quote(p) for p in [sys.executable, str(FAKE)])
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--signer", command, "--case", "post-policy/*"])
    assert run_cli(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("signer: fake")
    rows = {line.split()[0]: line.split()[1:] for line in out[3:] if line[:1].isalnum()}
    assert rows["post-policy"] == ["0", "0", "2", "0"]
    assert f"  skipped 2: {PROTOCOL}post-policy cases" in out
