"""The reference itself is checked: against botocore wherever botocore can express a case, against
the signatures printed in AWS's documentation, and against the files on disk (so the vectors are
reproducible from ``tests/reference/make_legacy_vectors.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from tests._support import case_context, legacy_cases
from tests.reference import botocore_oracle, legacy_reference, make_legacy_vectors

CASES = [(family, location, case) for family, location, case, _ in legacy_cases()]
IDS = [f"{f}-{loc}::{c.name}" for f, loc, c in CASES]


def _load(case: Path) -> Tuple[legacy_reference.ParsedRequest, Dict[str, Any]]:
    request = legacy_reference.parse_raw((case / "request.txt").read_bytes())
    return request, case_context(case)


@pytest.mark.parametrize("family, location, case", CASES, ids=IDS)
def test_reference_matches_files(family: str, location: str, case: Path) -> None:
    request, context = _load(case)
    got = legacy_reference.sign(family, location, request, context)
    assert got["string-to-sign"] == (case / f"{location}-string-to-sign.txt").read_text("utf-8")
    assert got["signature"] == (case / f"{location}-signature.txt").read_text("ascii")
    assert got["signed-request"] == (case / f"{location}-signed-request.txt").read_bytes()


@pytest.mark.parametrize("family, location, case", CASES, ids=IDS)
def test_reference_agrees_with_botocore(family: str, location: str, case: Path) -> None:
    request, context = _load(case)
    if family == "sigv2":
        reason = botocore_oracle.sigv2_supported(request, context)
    else:
        reason = botocore_oracle.s3_supported(request, context, location)
    if reason is not None:
        pytest.skip(f"botocore cannot express this case: {reason}")
    ours = legacy_reference.sign(family, location, request, context)
    if family == "sigv2":
        theirs = botocore_oracle.sigv2(request, context)
        assert theirs["recomputed-signature"] == theirs["signature"]
    else:
        theirs = botocore_oracle.s3(request, context, location)
    assert theirs["string-to-sign"] == ours["string-to-sign"]
    assert theirs["signature"] == ours["signature"]


def test_botocore_supports_most_cases() -> None:
    # The oracle must actually be consulted: most of the cases are within botocore's reach.
    supported = 0
    for family, location, case in CASES:
        request, context = _load(case)
        if family == "sigv2":
            reason = botocore_oracle.sigv2_supported(request, context)
        else:
            reason = botocore_oracle.s3_supported(request, context, location)
        supported += reason is None
    assert supported >= len(CASES) * 2 // 3, f"botocore checks only {supported}/{len(CASES)}"


# Signatures printed in AWS's documentation ("Signing and Authenticating REST Requests" and the
# Signature Version 2 example for Elastic MapReduce), computed by the reference from scratch.
PUBLISHED = [
    (
        "HmacSHA1",
        "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
        "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
    ),
    (
        "HmacSHA1",
        "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
        "MyyxeRY7whkBe+bq8fHCL/2kKUg=",
    ),
    (
        "HmacSHA1",
        "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
        "htDYFYduRNen8P9ZfE/s9SuKy0U=",
    ),
    (
        "HmacSHA1",
        "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
        "c2WLPFtWHVgbEmeEG93a4cG37dM=",
    ),
    ("HmacSHA1", "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/", "qGdzdERIC03wnaRNKh6OqZehG9s="),
    (
        "HmacSHA1",
        "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg",
        "NpgCjnDzrM+WFzoENXmpNDUsSn8=",
    ),
    (
        "HmacSHA256",
        "GET\nelasticmapreduce.amazonaws.com\n/\nAWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
        "&Action=DescribeJobFlows&SignatureMethod=HmacSHA256&SignatureVersion=2"
        "&Timestamp=2011-10-03T15%3A19%3A30&Version=2009-03-31",
        "i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf/Mj6vPxyYIs=",
    ),
]


@pytest.mark.parametrize("method, text, signature", PUBLISHED)
def test_published_signatures(method: str, text: str, signature: str) -> None:
    import hashlib

    digest = hashlib.sha1 if method == "HmacSHA1" else hashlib.sha256
    secret = make_legacy_vectors.DOC["secret_access_key"]
    assert legacy_reference.b64_hmac(secret, text, digest) == signature


def test_vectors_are_reproducible() -> None:
    # The folders are exactly what the generator writes from the reference (and the generator
    # re-checks botocore and the published signatures while building).
    assert make_legacy_vectors.main(["--check"]) == 0
