"""Deliberately broken verifiers: ``signers.verify`` with one check removed, one bug each.

Each mutant is an ``authenticate`` function for :class:`.fakes.FakeS3`: ``None`` lets the request
through, ``(status, code)`` refuses it.  :func:`honest` is the control (``signers.verify`` as it
is); every other function removes or breaks one check, the way real servers have:

=================================  ==========================================================
ignores-signed-headers              rebuilds the canonical request over a fixed header list,
                                    not the client's SignedHeaders
accepts-unsigned-amz-headers        never asks whether every x-amz-* header sent was signed
skips-expiry                        checks a presigned URL at its own X-Amz-Date
skips-clock-skew                    checks a header signature at its own X-Amz-Date
double-encodes-s3-paths             canonicalizes S3 paths as the other services do
normalizes-s3-paths                 removes dot segments and repeated slashes from S3 paths
compares-authorization-as-string    recomputes the whole Authorization value and compares text
accepts-unknown-key                 lets an unknown access key through with any secret
trusts-payload-hash                 never hashes the body it received
ignores-scope-region                accepts a credential scope for any region
=================================  ==========================================================
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Callable, Dict, Mapping, Optional

import signers
from signers import UNSIGNED_PAYLOAD, Credentials, Request, VerificationError
from signers.sigv4 import authorization_header

from .fakes import Refusal

AK = "AKIDPROBEMUTANT"
SECRET = "mutant/Secret+Key/0123456789abcdefghijKLMN"
REGION = "us-east-1"
KEYS: Dict[str, Credentials] = {AK: Credentials(AK, SECRET)}

_AMZ_DATE = re.compile(r"(?:^|[?&])X-Amz-Date=(\d{8}T\d{6}Z)", re.I)


def _verify(request: Request, **kw: object) -> Optional[signers.Verified]:
    kw.setdefault("region", REGION)
    kw.setdefault("service", "s3")
    return signers.verify(request, KEYS, **kw)  # type: ignore[arg-type]


def _refuse(err: VerificationError) -> Refusal:
    return err.http_status, err.code_for("s3")


def _guard(check: Callable[[Request], None]) -> Callable[[Request], Refusal]:
    def authenticate(request: Request) -> Refusal:
        try:
            check(request)
        except VerificationError as err:
            return _refuse(err)
        return None

    return authenticate


def _request_time(request: Request) -> Optional[_dt.datetime]:
    text = request.header("x-amz-date")
    if text is None:
        found = _AMZ_DATE.search("?" + request.query)
        text = found.group(1) if found else None
    if text is None:
        return None
    return _dt.datetime.strptime(text.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=_dt.timezone.utc)


def _authorization_parts(request: Request) -> Mapping[str, str]:
    value = request.header("authorization") or ""
    parts = {}
    for piece in value.partition(" ")[2].split(","):
        name, _, text = piece.strip().partition("=")
        parts[name] = text
    return parts


@_guard
def honest(request: Request) -> None:
    _verify(request)


@_guard
def ignores_signed_headers(request: Request) -> None:
    value = request.header("authorization")
    if value is not None and "SignedHeaders=" in value:
        fixed = re.sub(
            r"SignedHeaders=[^,]*", "SignedHeaders=host;x-amz-content-sha256;x-amz-date", value
        )
        headers = [(n, fixed if n.lower() == "authorization" else v) for n, v in request.headers]
        request = request.replace(headers=headers)
    _verify(request)


@_guard
def accepts_unsigned_amz_headers(request: Request) -> None:
    signed = set(_authorization_parts(request).get("SignedHeaders", "").split(";"))
    if request.has_header("authorization"):
        kept = [
            (n, v)
            for n, v in request.headers
            if not n.lower().startswith("x-amz-") or n.lower() in signed
        ]
        request = request.replace(headers=kept)
    _verify(request)


@_guard
def skips_expiry(request: Request) -> None:
    presigned = "x-amz-signature=" in request.query.lower()
    _verify(request, now=_request_time(request) if presigned else None)


@_guard
def skips_clock_skew(request: Request) -> None:
    presigned = "x-amz-signature=" in request.query.lower()
    _verify(request, now=None if presigned else _request_time(request))


@_guard
def double_encodes_s3_paths(request: Request) -> None:
    both = {"double_encode": True}
    _verify(request, options={"sigv4": both, "sigv4-query": both})


@_guard
def normalizes_s3_paths(request: Request) -> None:
    both = {"normalize_path": True}
    _verify(request, options={"sigv4": both, "sigv4-query": both})


@_guard
def compares_authorization_as_string(request: Request) -> None:
    verified = _verify(request)
    sent = request.header("authorization")
    if verified is None or sent is None:
        return
    art = verified.artifacts
    expected = authorization_header(verified.access_key, art.credential_scope or "",
                                    art.signed_headers or "", art.signature)  # fmt: skip
    if sent != expected:
        raise signers.SignatureDoesNotMatch(
            "the Authorization header differs", field="Authorization"
        )


def accepts_unknown_key(request: Request) -> Refusal:
    try:
        _verify(request)
    except signers.InvalidAccessKeyId:
        return None  # "unknown key: let it through, some other layer will check" (it does not)
    except VerificationError as err:
        return _refuse(err)
    return None


@_guard
def trusts_payload_hash(request: Request) -> None:
    _verify(request.replace(body=UNSIGNED_PAYLOAD))


@_guard
def ignores_scope_region(request: Request) -> None:
    _verify(request, region=None)


#: name -> (verifier, the probe that must catch it, the verdict it must get)
MUTANTS: Dict[str, Callable[[Request], Refusal]] = {
    "ignores-signed-headers": ignores_signed_headers,
    "accepts-unsigned-amz-headers": accepts_unsigned_amz_headers,
    "skips-expiry": skips_expiry,
    "skips-clock-skew": skips_clock_skew,
    "double-encodes-s3-paths": double_encodes_s3_paths,
    "normalizes-s3-paths": normalizes_s3_paths,
    "compares-authorization-as-string": compares_authorization_as_string,
    "accepts-unknown-key": accepts_unknown_key,
    "trusts-payload-hash": trusts_payload_hash,
    "ignores-scope-region": ignores_scope_region,
}
