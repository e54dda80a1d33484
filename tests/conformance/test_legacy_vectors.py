"""Run sigbridge's legacy signers over every case in ``vectors/sigv2`` and ``vectors/s3-v2``.

A small loader of its own (the conformance harness runs the same folders): each case at each
location is compared stage by stage -- string to sign, signature, signed request -- and the first
difference is reported with newlines made visible.  Ids read ``sigv2::get-basic``,
``s3-v2::get-virtual-hosted`` (header form) and ``s3-v2-query::get-virtual-hosted`` (presigned).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import signers
from tests._support import VECTORS

FAMILIES = {"sigv2": {"query": "sigv2"}, "s3-v2": {"header": "s3-v2", "query": "s3-v2-query"}}
STAGES = ("string-to-sign", "signature", "signed-request")


def load_cases() -> List[Tuple[str, str, Path, str]]:
    """(family, location, case folder, signer name) for every expected signature on disk."""
    found = []
    for family, locations in FAMILIES.items():
        folder = VECTORS / family
        for case in sorted(p for p in folder.iterdir() if p.is_dir()):
            for location, scheme in locations.items():
                if (case / f"{location}-signature.txt").is_file():
                    found.append((family, location, case, scheme))
    return found


CASES = load_cases()


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
    for family in FAMILIES:
        count = sum(1 for p in (VECTORS / family).iterdir() if p.is_dir())
        assert count >= 25, f"{family}: only {count} cases"


@pytest.mark.parametrize(
    "family, location, case, scheme",
    CASES,
    ids=[f"{scheme}::{case.name}" for _, _, case, scheme in CASES],
)
def test_vector(family: str, location: str, case: Path, scheme: str) -> None:
    context = json.loads((case / "context.json").read_text(encoding="utf-8"))
    creds = context["credentials"]
    credentials = signers.Credentials(
        creds["access_key_id"], creds["secret_access_key"], creds.get("token")
    )
    at = datetime.datetime.strptime(context["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc
    )
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
