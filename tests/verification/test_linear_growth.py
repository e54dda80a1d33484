"""Every parse and check grows linearly with its input: the time at 10·n over the time at n.

A verifier on an authentication path must not spend quadratic time on what a client controls
(thousands of headers, one header repeated, folded lines).  Timing is never asserted in
absolute terms here: the ratio of the best of several runs at n and at 10·n is.  Linear code
measures about 10-20 on these machines (data outgrowing the CPU caches), the quadratic paths
this guards against measured 40-300.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import time
from typing import Callable, List, Tuple

import pytest

import signers
from signers import Credentials, Request

pytestmark = [pytest.mark.slow, pytest.mark.timing]

AT = dt.datetime(2024, 5, 17, 12, 0, tzinfo=dt.timezone.utc)
AMZ = "20240517T120000Z"
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
KEYS = {CREDS.access_key: CREDS}
LIMIT = 30.0  # well above linear (10-20), well below the quadratic paths (40-300)


def _best(run: Callable[[], object], repeat: int = 5) -> float:
    # The best of a few runs, the garbage collector paused (its full passes would add a cost
    # that depends on everything else alive in the process, not on the code measured).
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            # (a refusal is the expected outcome of most inputs here)
            with contextlib.suppress(signers.SigningError):
                run()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def _ratio(make: Callable[[int], Callable[[], object]], n: int) -> float:
    small, large = make(n), make(10 * n)
    return _best(large) / max(_best(small), 1e-9)


def _s3_header_request(extra: List[Tuple[str, str]]) -> Request:
    headers = [("X-Amz-Date", AMZ), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"), *extra]
    authorization = (
        f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{AMZ[:8]}/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64
    )
    headers.append(("Authorization", authorization))
    return Request("GET", "https://b.s3.us-east-1.amazonaws.com/k", headers)


def test_many_unsigned_amz_headers_on_s3() -> None:
    # The request: a known key, 60,000 x-amz-* headers, no valid signature.
    def make(n: int) -> Callable[[], object]:
        request = _s3_header_request([(f"x-amz-u{i}", "v") for i in range(n)])
        return lambda: signers.verify(request, KEYS, AT, region="us-east-1", service="s3")

    assert _ratio(make, 6000) < LIMIT


def test_one_signed_header_repeated() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="ecs")

    def make(n: int) -> Callable[[], object]:
        headers = [("X-Rep", f"v{i}") for i in range(n)]
        signed = signer.sign(
            Request("POST", "https://ecs.us-east-1.amazonaws.com/", headers), CREDS, AT
        )
        return lambda: signers.verify(signed.request, KEYS, AT)

    assert _ratio(make, 5000) < LIMIT


def test_signing_one_header_repeated() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="ecs")

    def make(n: int) -> Callable[[], object]:
        request = Request("POST", "https://ecs.us-east-1.amazonaws.com/", [("X-Rep", "v")] * n)
        return lambda: signer.sign(request, CREDS, AT)

    assert _ratio(make, 5000) < LIMIT


def test_s3_legacy_amz_header_repeated() -> None:
    signer = signers.get_signer("s3-v2")

    def make(n: int) -> Callable[[], object]:
        headers = [("x-amz-meta-a", f"v{i}") for i in range(n)]
        request = Request("PUT", "https://b.s3.amazonaws.com/k", headers)
        signed = signer.sign(request, CREDS, AT)
        return lambda: signers.verify(signed.request, KEYS, AT)

    assert _ratio(make, 5000) < LIMIT


def test_raw_request_with_folded_lines() -> None:
    def make(n: int) -> Callable[[], object]:
        raw = "GET / HTTP/1.1\r\nHost: example.com\r\nX-Folded: a\r\n" + " b\r\n" * n + "\r\n"
        return lambda: Request.from_raw(raw)

    assert _ratio(make, 10000) < LIMIT


def test_query_parameter_repeated() -> None:
    signer = signers.get_signer("sigv4-query", region="us-east-1", service="s3", s3=True)

    def make(n: int) -> Callable[[], object]:
        url = "https://b.s3.amazonaws.com/k?" + "&".join(f"a={i}" for i in range(n))
        signed = signer.sign(Request("GET", url), CREDS, AT)
        return lambda: signers.verify(signed.request, KEYS, AT)

    assert _ratio(make, 5000) < LIMIT


def test_signed_headers_list_with_a_repeat() -> None:
    def make(n: int) -> Callable[[], object]:
        names = ";".join(f"x-h{i}" for i in range(n)) + ";x-h0"
        authorization = (
            f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{AMZ[:8]}/us-east-1/ecs/aws4_request, "
            f"SignedHeaders={names}, Signature=" + "0" * 64
        )
        request = Request(
            "GET",
            "https://ecs.us-east-1.amazonaws.com/",
            [("X-Amz-Date", AMZ), ("Authorization", authorization)],
        )
        return lambda: signers.verify(request, KEYS, AT)

    assert _ratio(make, 5000) < LIMIT
