"""Verification of AWS Signature Version 4A, header and presigned-query forms.

What SigV4's verifier does (:mod:`signers._verify_sigv4`: the same parsing, time, signed-header,
scope, session-token and payload checks and the same AWS error codes), with what SigV4A changes:

- the Credential has no region (``AK/date/service/aws4_request``); the region *set* is the
  ``X-Amz-Region-Set`` header (query: parameter), which must be signed, and must cover every
  region this server answers for (``region_set`` of the signer; ``*`` on either side covers any
  region, ``us-*`` any region starting ``us-``);
- the signature is an ECDSA P-256 signature (hex DER) of the string to sign, checked with the
  public key derived from the credentials (:mod:`signers._ecdsa`): a verifier cannot recompute
  it, only verify it.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional, Sequence

from ._encoding import canonical_query, percent_decode_str
from ._time import resolve_time
from ._verify_sigv4 import (
    _MISMATCH,
    ParsedAuth,
    _canonical_headers_block,
    _check_credentials,
    _check_inputs,
    _check_scope,
    _check_signed_headers,
    _check_time,
    _Flavor,
    _payload_hash,
    _shown,
    check_max_skew,
    parse_authorization_header,
    parse_presigned_query,
)
from .errors import SignatureDoesNotMatch
from .model import Artifacts, Credentials, Request
from .sigv4 import canonical_request as join_canonical_request
from .sigv4a import SigV4AQuerySigner, SigV4ASigner, require_cryptography, string_to_sign

#: The signers whose verify() is this module's; the dispatcher hands them its parse.
BUILT_IN_SIGNERS = (SigV4ASigner, SigV4AQuerySigner)

__all__ = ["BUILT_IN_SIGNERS", "region_set_covers", "verify_header", "verify_query"]

_REGION_SET = "x-amz-region-set"


def _covers(pattern: str, region: str) -> bool:
    if pattern == "*" or pattern == region:
        return True
    return pattern.endswith("*") and region.startswith(pattern[:-1])


def region_set_covers(region_set: str, regions: Sequence[str]) -> bool:
    """Whether the request's ``region_set`` (comma-separated) covers every one of ``regions``.

    An element ``*`` covers any region, ``us-*`` any region starting ``us-``; a server region
    ``*`` accepts any region set.  Names compare case-insensitively.
    """
    wanted = [r.strip().lower() for r in region_set.split(",")]
    return all(
        region == "*" or any(_covers(pattern, region.lower()) for pattern in wanted)
        for region in regions
    )


def _check_region_set(parsed: ParsedAuth, regions: Sequence[str], flavor: _Flavor) -> None:
    if parsed.location == "header" and _REGION_SET not in parsed.header_names:
        # The region set is SigV4A's scope: unsigned, anyone could widen it.  (S3 has refused
        # it already, with every other unsigned x-amz-* header.)
        raise SignatureDoesNotMatch(
            "'X-Amz-Region-Set' must be a 'SignedHeader' in the AWS Authorization.",
            field="SignedHeaders",
        )
    if not region_set_covers(parsed.region, regions):
        expected = ",".join(regions)
        field_name = "X-Amz-Region-Set"
        raise flavor.scope(
            f"Credential should be scoped to a valid region set, not {_shown(parsed.region)}. "
            f"({field_name}: expecting it to include '{expected}')",
            f"the region set {_shown(parsed.region)} does not include '{expected}'",
            field="region",
            expected=expected,
        )


def _check_signature(
    signer: SigV4ASigner,
    request: Request,
    credentials: Credentials,
    parsed: ParsedAuth,
    canonical_query_string: str,
    body_hash: str,
) -> Artifacts:
    from . import _ecdsa

    creq = join_canonical_request(
        request.method,
        signer.canonical_uri(request),
        canonical_query_string,
        _canonical_headers_block(request, parsed.header_names),
        parsed.signed_headers,
        body_hash,
    )
    scope = parsed.credential_scope
    sts = string_to_sign(parsed.request_time_text, scope, creq)
    key = _ecdsa.private_key(credentials.access_key, credentials.secret_key)
    provided = parsed.signature
    if not _ecdsa.verify(key.public_key(), sts.encode("utf-8"), provided):
        well_formed = provided.isascii() and provided.isalnum()
        raise SignatureDoesNotMatch(
            _MISMATCH,
            field="Signature",
            canonical_request=creq,
            string_to_sign=sts,
            details=[
                ("AWSAccessKeyId", parsed.access_key),
                ("SignatureProvided", provided if well_formed else _shown(provided)),
            ],
        )
    return Artifacts(
        canonical_request=creq,
        string_to_sign=sts,
        signature=provided,
        credential_scope=scope,
        signed_headers=parsed.signed_headers,
        payload_hash=body_hash,
    )


def _verify(
    signer: SigV4ASigner,
    request: Request,
    credentials: Credentials,
    parsed: ParsedAuth,
    flavor: _Flavor,
    now: _dt.datetime,
    max_skew: float,
    canonical_query_string: str,
) -> Artifacts:
    opts = signer.options
    _check_time(parsed, now, max_skew, flavor)
    _check_signed_headers(request, parsed, flavor)
    # The region is not in a SigV4A scope (it is checked as the region set below): the scope
    # check sees the request's own, and judges terminator, date and service.
    _check_scope(parsed, parsed.region, opts.service, flavor)
    _check_region_set(parsed, opts.regions, flavor)
    _check_credentials(parsed, credentials, flavor)
    body_hash = _payload_hash(request, parsed, flavor)
    return _check_signature(signer, request, credentials, parsed, canonical_query_string, body_hash)


def verify_header(
    signer: SigV4ASigner,
    request: Request,
    credentials: Credentials,
    *,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
    parsed: Optional[ParsedAuth] = None,
) -> Artifacts:
    """Verify a request signed in the Authorization header; the artifacts on success.

    ``parsed`` is this request's SigV4A parse when the caller (the dispatcher) already has it.
    """
    _check_inputs(request, credentials)
    require_cryptography()
    when = resolve_time(now, field="now")
    skew = check_max_skew(max_skew)
    s3 = signer.options.s3
    if parsed is None or parsed.location != "header" or not parsed.sigv4a:
        parsed = parse_authorization_header(request, s3=s3, sigv4a=True)
    return _verify(
        signer,
        request,
        credentials,
        parsed,
        _Flavor(s3=s3, query=False),
        when,
        skew,
        canonical_query(request.query_pairs()),
    )


def verify_query(
    signer: SigV4ASigner,
    request: Request,
    credentials: Credentials,
    *,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
    parsed: Optional[ParsedAuth] = None,
) -> Artifacts:
    """Verify a SigV4A presigned URL; the artifacts on success (``parsed`` as for verify_header).

    Every query parameter but X-Amz-Signature is part of the canonical query; with the signer's
    ``session_token="unsigned"`` X-Amz-Security-Token is left out too (added after signing).
    """
    _check_inputs(request, credentials)
    require_cryptography()
    when = resolve_time(now, field="now")
    skew = check_max_skew(max_skew)
    s3 = signer.options.s3
    if parsed is None or parsed.location != "query" or not parsed.sigv4a:
        parsed = parse_presigned_query(request, s3=s3, sigv4a=True)
    excluded = {"x-amz-signature"}
    if signer.options.session_token == "unsigned":
        excluded.add("x-amz-security-token")
    pairs = [
        (n, v) for n, v in request.query_pairs() if percent_decode_str(n).lower() not in excluded
    ]
    return _verify(
        signer,
        request,
        credentials,
        parsed,
        _Flavor(s3=s3, query=True),
        when,
        skew,
        canonical_query(pairs),
    )
