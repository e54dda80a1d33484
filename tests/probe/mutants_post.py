"""Deliberately broken verifiers of browser POST uploads, for :class:`.fakes.FakeS3`.

:func:`honest` is the control: a POST form to a bucket goes through
``signers.verify_post_request`` as it is, everything else through :func:`.mutants.honest`.  Each
mutant breaks the POST check the way real servers have:

===========================  ===================================================================
accepts-any-form             stores any form with a ``key`` (no signature, no policy checked)
checks-signature-only        verifies the signature over the policy, never the policy itself
skips-policy-expiry          checks the policy at its own expiration (an expired one passes)
ignores-uncovered-fields     enforces the conditions, not that every field is covered by one
===========================  ===================================================================
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
from typing import Callable, Dict

import signers
from signers import Request, VerificationError, _crypto
from signers.post_policy import parse_multipart, verify_post, verify_post_request

from . import mutants
from .fakes import Refusal


def _is_form(request: Request) -> bool:
    content_type = request.header("content-type") or ""
    return request.method == "POST" and content_type.startswith("multipart/form-data")


def _bucket(request: Request) -> str:
    return request.path.strip("/").split("/", 1)[0]


def _posting(
    check: Callable[[Request], None],
) -> Callable[[Request], Refusal]:
    """An ``authenticate`` that runs ``check`` on POST forms and the honest verifier on the
    rest."""

    def authenticate(request: Request) -> Refusal:
        if not _is_form(request):
            return mutants.honest(request)
        try:
            check(request)
        except VerificationError as err:
            return err.http_status, err.code_for("s3")
        return None

    return authenticate


def _honest(request: Request) -> None:
    verify_post_request(request, mutants.KEYS, region=mutants.REGION, bucket=_bucket(request))


def _accepts_any_form(request: Request) -> None:
    return None


def _fields(request: Request) -> Dict[str, str]:
    assert isinstance(request.body, bytes)
    fields, _ = parse_multipart(request.header("content-type") or "", request.body)
    return {name.lower(): value for name, value in fields}


def _checks_signature_only(request: Request) -> None:
    # The HMAC of the policy as sent, and nothing else: no expiry, no condition, no coverage.
    form = _fields(request)
    access_key = form.get("awsaccesskeyid") or form.get("x-amz-credential", "").split("/")[0]
    credentials = mutants.KEYS.get(access_key)
    if credentials is None:
        raise signers.InvalidAccessKeyId("unknown access key", field="access_key")
    policy = form.get("policy", "").encode("utf-8")
    if "x-amz-credential" in form:
        _, date, region, service, _ = form["x-amz-credential"].split("/")
        key = _crypto.signing_key(credentials.secret_key, date, region, service)
        expected, sent = key.hexdigest(policy), form.get("x-amz-signature", "")
    else:
        expected = _crypto.hmac_base64(credentials.secret_key, "sha1", policy)
        sent = form.get("signature", "")
    if expected != sent:
        raise signers.SignatureDoesNotMatch("the policy's signature differs", field="policy")


_SECOND = _dt.timedelta(seconds=1)


def _expiration(form: Dict[str, str]) -> _dt.datetime:
    document = json.loads(base64.b64decode(form.get("policy", "") or "e30="))
    text = str(document.get("expiration", "2999-01-01T00:00:00Z"))
    stamp = _dt.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    return stamp.replace(tzinfo=_dt.timezone.utc)


def _skips_policy_expiry(request: Request) -> None:
    form = _fields(request)
    verify_post_request(
        request,
        mutants.KEYS,
        region=mutants.REGION,
        bucket=_bucket(request),
        now=_expiration(form) - _SECOND,
    )


def _ignores_uncovered_fields(request: Request) -> None:
    assert isinstance(request.body, bytes)
    fields, upload = parse_multipart(request.header("content-type") or "", request.body)
    try:
        verify_post(fields, mutants.KEYS, region=mutants.REGION, bucket=_bucket(request),
                    content_length=upload.size, filename=upload.filename)  # fmt: skip
    except signers.AccessDenied as err:
        if "Extra input fields" not in str(err):
            raise


honest = _posting(_honest)

MUTANTS: Dict[str, Callable[[Request], Refusal]] = {
    "accepts-any-form": _posting(_accepts_any_form),
    "checks-signature-only": _posting(_checks_signature_only),
    "skips-policy-expiry": _posting(_skips_policy_expiry),
    "ignores-uncovered-fields": _posting(_ignores_uncovered_fields),
}
