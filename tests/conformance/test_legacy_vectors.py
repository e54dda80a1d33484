"""Run sigbridge's legacy signers over every case in ``vectors/sigv2`` and ``vectors/s3-v2``.

A small loader of its own (the conformance harness runs the same folders): each case at each
location is compared stage by stage -- string to sign, signature, signed request -- and the first
difference is reported with newlines made visible.  Ids read ``sigv2::get-basic``,
``s3-v2::get-virtual-hosted`` (header form) and ``s3-v2-query::get-virtual-hosted`` (presigned).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

import signers
from tests._support import (
    LEGACY_FAMILIES,
    VECTORS,
    case_context,
    context_credentials,
    context_time,
    legacy_cases,
)

STAGES = ("string-to-sign", "signature", "signed-request")
CASES = legacy_cases()


def signer_options(family: str, location: str, context: Dict[str, Any]) -> Dict[str, Any]:
    options = dict(context.get("options", {}))
    options.update(context.get(f"{location}_options", {}))
    if (
        family == "s3-v2"
        and location == "query"
        and "expiration_in_seconds" in context
        and "expires" not in options
        and "expires_at" not in options
    ):
        options["expires"] = context["expiration_in_seconds"]
    return options


def show(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n\n")


def test_enough_cases() -> None:
    for family in LEGACY_FAMILIES:
        count = sum(1 for p in (VECTORS / family).iterdir() if p.is_dir())
        assert count >= 25, f"{family}: only {count} cases"


@pytest.mark.parametrize(
    "family, location, case, scheme",
    CASES,
    ids=[f"{scheme}::{case.name}" for _, _, case, scheme in CASES],
)
def test_vector(family: str, location: str, case: Path, scheme: str) -> None:
    context = case_context(case)
    credentials = context_credentials(context)
    at = context_time(context)
    request = signers.Request.from_raw((case / "request.txt").read_bytes())
    signer = signers.get_signer(scheme, **signer_options(family, location, context))
    assert f"{family}:{location}" in signer.features
    for feature in context.get("requires", []):
        assert feature in signer.features
    signed = signer.sign(request, credentials, at=at)
    got = {
        "string-to-sign": signed.artifacts.string_to_sign,
        "signature": signed.artifacts.signature,
        "signed-request": signed.request.to_raw().decode("utf-8"),
    }
    assert signed.artifacts.canonical_request is None
    for stage in STAGES:
        expected = (case / f"{location}-{stage}.txt").read_bytes().decode("utf-8")
        assert got[stage] == expected, (
            f"{scheme}::{case.name}: first difference at stage {stage}\n"
            f"--- expected\n{show(expected)}\n--- got\n{show(got[stage])}"
        )
    # The input is untouched.
    assert request == signers.Request.from_raw((case / "request.txt").read_bytes())
