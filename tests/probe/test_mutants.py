"""Each deliberately broken verifier is caught by a named probe, which passes against the control.

The mutants (:mod:`.mutants`) are ``signers.verify`` with one check removed, behind a small S3
object store on 127.0.0.1 (:mod:`.fakes`).  For each, the test names the probe that must catch
it and the verdict it must get; the same probe must pass against the unbroken verifier, so the
verdict is the mutant's doing.
"""

from __future__ import annotations

from typing import Callable, Dict, Tuple

import pytest

from signers import Credentials

from . import mutants
from .fakes import FakeS3
from .support import probe, verdicts

CREDENTIALS = Credentials(mutants.AK, mutants.SECRET)
SCHEMES = ("sigv4", "sigv4-query", "anonymous")

#: mutant -> (the probe that catches it, the verdict)
CAUGHT_BY: Dict[str, Tuple[str, str]] = {
    "ignores-signed-headers": ("sigv4/signed-range", "incompatible"),
    "accepts-unsigned-amz-headers": ("sigv4/unsigned-amz-header", "insecure"),
    "skips-expiry": ("sigv4-query/expired", "insecure"),
    "skips-clock-skew": ("sigv4/skewed-past", "insecure"),
    "double-encodes-s3-paths": ("sigv4/percent-literal-in-key", "incompatible"),
    "normalizes-s3-paths": ("sigv4/dot-segments-in-key", "incompatible"),
    "compares-authorization-as-string": ("sigv4/authorization-no-spaces", "incompatible"),
    "accepts-unknown-key": ("sigv4/unknown-key@bucket", "insecure"),
    "trusts-payload-hash": ("sigv4/tamper-body", "insecure"),
    "ignores-scope-region": ("sigv4/scope-other-region", "lenient"),
}


def _run(authenticate: Callable[..., object]) -> Dict[str, str]:
    with FakeS3(authenticate) as server:  # type: ignore[arg-type]
        result = probe(server.url, CREDENTIALS, create_bucket=True, schemes=SCHEMES)
        assert server.keys() == [], "the probe left objects behind"
    return verdicts(result)


@pytest.fixture(scope="module")
def control() -> Dict[str, str]:
    return _run(mutants.honest)


def test_every_mutant_has_a_named_probe() -> None:
    assert set(CAUGHT_BY) == set(mutants.MUTANTS)


@pytest.mark.slow
def test_the_control_passes_every_probe_that_catches_a_mutant(control: Dict[str, str]) -> None:
    for probe_id, _ in CAUGHT_BY.values():
        assert control[probe_id] == "pass", probe_id


@pytest.mark.slow
def test_the_control_passes_every_sigv4_probe(control: Dict[str, str]) -> None:
    differing = {k: v for k, v in control.items() if v not in ("pass", "skipped")}
    assert differing == {}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CAUGHT_BY))
def test_mutant_is_caught(name: str) -> None:
    probe_id, verdict = CAUGHT_BY[name]
    found = _run(mutants.MUTANTS[name])
    assert found[probe_id] == verdict, f"{name}: {probe_id} is {found[probe_id]}"


@pytest.mark.slow
def test_an_insecure_mutant_makes_the_command_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from conformance.probe.cli import add_arguments, run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with FakeS3(mutants.MUTANTS["skips-expiry"]) as server:
        argv = [server.url, "--create-bucket", "--case", "sigv4-query/*"]
        env = {"AWS_ACCESS_KEY_ID": mutants.AK, "AWS_SECRET_ACCESS_KEY": mutants.SECRET}
        status = run(parser.parse_args(argv), env)
        out = capsys.readouterr().out
    assert status == 1
    assert "sigv4-query/expired" in out and "insecure" in out
    assert mutants.SECRET not in out
