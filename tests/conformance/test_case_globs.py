"""``sigbridge conformance --case``: globs match ids as users type them.

Ids read ``SCHEME::SUITE/CASE`` (``sigv4::v4/get-vanilla``).  A glob without ``::`` is matched
against the case name (the case path or any tail of it after a ``/``), one with ``::`` against
the whole id; other text is a substring of the id.  The expected sets are computed here from
the full ``--list`` with plain string tests.
"""

from __future__ import annotations

from typing import Any, List, Set

import pytest

from signers.cli import main as sigbridge

# heavy: botocore/hypothesis runs or whole-suite scans, left out of the quick loop
pytestmark = pytest.mark.slow


def _ids(capsys: Any, *argv: str) -> List[str]:
    assert sigbridge(["conformance", "--list", *argv]) == 0
    out = capsys.readouterr().out
    return [line.split("\t")[0] for line in out.splitlines()]


@pytest.fixture
def every_id(capsys: Any) -> List[str]:
    return _ids(capsys)


def _case(job_id: str) -> str:
    return job_id.partition("::")[2].partition("@")[0]


def _tails(job_id: str) -> Set[str]:
    parts = _case(job_id).split("/")
    return {"/".join(parts[i:]) for i in range(len(parts))}


def test_glob_without_colons_matches_the_case_name(capsys: Any, every_id: List[str]) -> None:
    expected = [i for i in every_id if _case(i).rsplit("/", 1)[-1].startswith("get-vanilla")]
    assert len(expected) > 40  # the v4, v4a and aws4_testsuite get-vanilla* cases, every signer
    assert _ids(capsys, "--case", "get-vanilla*") == expected
    assert "sigv4::v4/get-vanilla" in expected
    assert "sigv4-query::v4/get-vanilla-query" in expected


@pytest.mark.parametrize(
    "pattern, wanted",
    [
        ("v4/get-*", lambda i: _case(i).startswith("v4/get-")),
        ("normalize-path/*", lambda i: any(t.startswith("normalize-path/") for t in _tails(i))),
        ("get-vanilla", lambda i: "get-vanilla" in i),  # no glob: a substring, as before
        ("sigv4-query::*vanilla*", lambda i: i.startswith("sigv4-query::") and "vanilla" in i),
        ("*::aws4_testsuite/*", lambda i: _case(i).startswith("aws4_testsuite/")),
    ],
)
def test_patterns(capsys: Any, every_id: List[str], pattern: str, wanted: Any) -> None:
    expected = [i for i in every_id if wanted(i)]
    assert expected
    assert _ids(capsys, "--case", pattern) == expected


def test_a_glob_that_matches_nothing_is_bad_usage(capsys: Any) -> None:
    assert sigbridge(["conformance", "--case", "get-vanilla-nothing*"]) == 2
    assert "matches no case" in capsys.readouterr().err


def test_help_says_how_globs_match(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        sigbridge(["conformance", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "without '::' matches the case name: 'get-vanilla*'" in text
    assert "with '::' the whole id" in text
