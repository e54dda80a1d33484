"""The vendor example in the README's verification section runs and answers as documented."""

from __future__ import annotations

import signers
from tests._support import README as DOC
from tests._support import python_blocks, readme_section
from tests._verify_support import AT


def test_vendor_example():
    code = python_blocks(readme_section("### For vendors of S3- and AWS-compatible servers"))[0]
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    authenticate, keys = namespace["authenticate"], namespace["KEYS"]
    request = signers.Request("GET", "https://b.s3.eu-west-1.amazonaws.com/k")
    good = signers.get_signer("sigv4", region="eu-west-1", service="s3", s3=True)
    signed = good.sign(request, keys["AKIDEXAMPLE"])
    assert authenticate("GET", signed.url, signed.headers, b"")[0] == 200
    bad = signers.get_signer("sigv4", region="us-east-1", service="s3", s3=True)
    signed = bad.sign(request, keys["AKIDEXAMPLE"])
    status, payload = authenticate("GET", signed.url, signed.headers, b"")
    assert (status, payload["Code"], payload["Region"]) == (
        400,
        "AuthorizationHeaderMalformed",
        "eu-west-1",
    )
    stale = good.sign(request, keys["AKIDEXAMPLE"], at=AT)
    assert authenticate("GET", stale.url, stale.headers, b"")[1]["Code"] == "RequestTimeTooSkewed"
