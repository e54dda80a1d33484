"""Browser POST uploads to S3: presigned POST policies, SigV4 and SigV2, signed and verified.

Spec: Amazon S3, "Browser-Based Uploads Using POST (AWS Signature Version 4)" (pages
sigv4-authentication-HTTPPOST, sigv4-HTTPPOSTForms, sigv4-HTTPPOSTConstructPolicy) and, for
SigV2, "Browser-Based Uploads Using POST" (HTTPPOSTForms).  An HTML form carries the upload's
fields, a policy and a signature:

1. the policy is a JSON document (an ``expiration`` and ``conditions`` on the fields), UTF-8;
2. its base64 text is the string to sign, sent as the ``policy`` field;
3. SigV4: ``x-amz-signature`` = hex HMAC-SHA256 of that text under the SigV4 signing key of
   (date, region, ``s3``), with ``x-amz-algorithm``, ``x-amz-credential`` and ``x-amz-date``
   beside it (and named by the policy); SigV2: ``signature`` = base64 HMAC-SHA1 of that text
   under the secret key, with ``AWSAccessKeyId``.

:func:`presign_post` builds the fields exactly as botocore's ``generate_presigned_post`` does
(same fields, order and policy JSON), so either can replace the other.  :func:`verify_post`
checks a form as S3 does and answers with S3's error codes; :func:`verify_post_request` parses a
multipart request first (:func:`parse_multipart`).
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _crypto
from ._arguments import check_credentials
from ._multipart import FilePart, parse_multipart
from ._post_conditions import parse_policy
from ._post_verify import (
    FILENAME,
    SERVICE,
    TOKEN,
    VerifiedPost,
    bucket_of,
    check_name,
    region_of,
    verify_post,
    verify_post_request,
)
from ._time import amz_date, iso8601, resolve_time
from .errors import (
    AlreadySigned,
    InvalidOption,
    InvalidPolicyDocument,
    InvalidTime,
)
from .model import Credentials
from .sigv4 import ALGORITHM, credential_scope

__all__ = [
    "presign_post",
    "PresignedPost",
    "verify_post",
    "verify_post_request",
    "VerifiedPost",
    "parse_multipart",
    "FilePart",
    "MAX_EXPIRES",
    "PolicyCondition",
]

#: The longest a SigV4 signature (so a presigned POST) is good for: seven days.
MAX_EXPIRES = 604800
#: A condition of ``presign_post(conditions=...)``, in the policy's JSON shapes:
#: ``{"field": "value"}`` (exact match), ``["eq" or "starts-with", "$field", "value"]``, or
#: ``["content-length-range", min, max]``.
PolicyCondition = Union[Mapping[str, str], Sequence[Union[str, int]]]
_REDACTED = "<redacted>"
# Fields that carry a secret-derived value; repr shows none of them.
_SECRET_FIELDS = frozenset({"x-amz-signature", "signature", TOKEN})
# Fields presign_post adds itself; the caller's fields may not set them.
_ADDED = frozenset(
    {"key", "file", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date"}
    | {"x-amz-signature", TOKEN, "awsaccesskeyid", "signature"}
)


class PresignedPost(NamedTuple):
    """Where to POST and the form fields to send (the file goes last, as a part named ``file``).

    ``fields`` is a new dict, in botocore's order.  ``repr`` hides the signature and session
    token (and the policy when it holds a token).
    """

    url: str
    fields: Dict[str, str]

    def __repr__(self) -> str:
        token = any(name.lower() == TOKEN for name in self.fields)
        shown = {
            name: _REDACTED
            if name.lower() in _SECRET_FIELDS or (token and name.lower() == "policy")
            else value
            for name, value in self.fields.items()
        }
        return f"PresignedPost(url={self.url!r}, fields={shown!r})"


# -- presigning --------------------------------------------------------------------------------


def _user_fields(fields: Optional[Mapping[str, str]]) -> Dict[str, str]:
    if fields is None:
        return {}
    if not isinstance(fields, Mapping):
        raise InvalidOption(
            f"fields: expected a mapping of str to str, got {type(fields).__name__}", field="fields"
        )
    seen: Dict[str, str] = {}
    for name, value in fields.items():
        if not isinstance(name, str) or not name or not isinstance(value, str):
            raise InvalidOption(
                f"fields: {name!r}: names and values must be str (names non-empty)", field="fields"
            )
        low = name.lower()
        if low in _ADDED:
            raise AlreadySigned(
                f"fields: {name!r} is set by presign_post (pass the key as key=)", field=name
            )
        if low in seen:
            raise InvalidOption(
                f"fields: {seen[low]!r} and {name!r} are the same field (names are "
                "case-insensitive)",
                field=name,
            )
        seen[low] = name
    return dict(fields)


def _user_conditions(conditions: Optional[Sequence[PolicyCondition]]) -> List[PolicyCondition]:
    if conditions is None:
        return []
    if isinstance(conditions, (str, bytes, Mapping)) or not isinstance(conditions, Sequence):
        raise InvalidOption(
            f"conditions: expected a list, got {type(conditions).__name__}", field="conditions"
        )
    for index, condition in enumerate(conditions):
        # Each condition is read back exactly as verify_post (and S3) will read it.
        try:
            text = json.dumps(condition)
            parse_policy('{"expiration": "2000-01-01T00:00:00Z", "conditions": [%s]}' % text)
        except (TypeError, ValueError, RecursionError) as exc:
            message = exc.message if isinstance(exc, InvalidPolicyDocument) else str(exc)
            raise InvalidOption(
                f"conditions[{index}]: {condition!r} is not a POST policy condition: {message}",
                field="conditions",
            ) from None
    return list(conditions)


def _check_arguments(
    url: str,
    credentials: object,
    key: object,
    expires: object,
    version: object,
    region: Optional[str],
    bucket: Optional[str],
) -> Tuple[str, Optional[str]]:
    """presign_post's arguments checked; ``(bucket, region)`` (the region ``None`` for SigV2)."""
    check_credentials(credentials)
    if not isinstance(key, str) or not key:
        raise InvalidOption(f"key: expected a non-empty str, got {key!r}", field="key")
    if isinstance(expires, bool) or not isinstance(expires, int):
        raise InvalidOption(f"expires: expected int seconds, got {expires!r}", field="expires")
    if not 1 <= expires <= MAX_EXPIRES:
        raise InvalidOption(
            f"expires: {expires} is out of range 1..{MAX_EXPIRES} seconds", field="expires"
        )
    if version not in (2, 4) or isinstance(version, bool):
        raise InvalidOption(f"version: expected 4 or 2, got {version!r}", field="version")
    bucket = check_name(bucket, "bucket") if bucket is not None else bucket_of(url, strict=True)
    if version == 2:
        if region is not None:
            raise InvalidOption("region: a SigV2 POST policy has no region", field="region")
    elif region is None:
        region = region_of(url)
        if region is None:
            raise InvalidOption(
                f"region: cannot infer the region from {url!r}; pass region=", field="region"
            )
    else:
        region = check_name(region, "region")
    assert isinstance(bucket, str)
    return bucket, region


def presign_post(
    url: str,
    credentials: Credentials,
    *,
    key: str,
    fields: Optional[Mapping[str, str]] = None,
    conditions: Optional[Sequence[PolicyCondition]] = None,
    expires: int = 3600,
    at: Optional[_dt.datetime] = None,
    version: int = 4,
    region: Optional[str] = None,
    bucket: Optional[str] = None,
) -> PresignedPost:
    """The fields of an HTML form that uploads to ``url`` under a signed POST policy.

    ``url`` is the bucket's endpoint (``https://BUCKET.s3.REGION.amazonaws.com/`` or
    ``https://HOST/BUCKET``; ``bucket=`` when neither says).  ``key`` may end in
    ``${filename}`` (then the policy only fixes the prefix).  ``fields`` are extra form fields
    and ``conditions`` extra policy conditions (botocore's ``Fields``/``Conditions``: a field is
    not covered by a condition unless you add one).  ``expires``: seconds, 1..604800.  ``at``:
    the signing time, timezone-aware (default now).  ``version``: 4 (SigV4, ``region`` required
    unless the URL is an S3 endpoint; the legacy global ``s3.amazonaws.com`` means us-east-1)
    or 2 (SigV2, no region).
    """
    bucket, region = _check_arguments(url, credentials, key, expires, version, region, bucket)
    signed_at = resolve_time(at)
    form = _user_fields(fields)
    policy_conditions = _user_conditions(conditions)
    try:
        expiration = iso8601(signed_at + _dt.timedelta(seconds=expires))
    except OverflowError:
        raise InvalidTime(
            f"at: {signed_at.isoformat()} + {expires}s is out of range", field="at"
        ) from None

    # botocore's order: the caller's fields, key, then what the signer adds; the bucket and key
    # conditions after the caller's (a key ending in ${filename} only fixes its prefix).
    form["key"] = key
    policy_conditions.append({"bucket": bucket})
    if key.endswith(FILENAME):
        policy_conditions.append(["starts-with", "$key", key[: -len(FILENAME)]])
    else:
        policy_conditions.append({"key": key})
    token = credentials.token
    if version == 4:
        assert region is not None
        stamp = amz_date(signed_at)
        credential = f"{credentials.access_key}/{credential_scope(stamp[:8], region, SERVICE)}"
        for name, value in (
            ("x-amz-algorithm", ALGORITHM),
            ("x-amz-credential", credential),
            ("x-amz-date", stamp),
        ):
            form[name] = value
            policy_conditions.append({name: value})
    else:
        form["AWSAccessKeyId"] = credentials.access_key
    if token is not None:
        form[TOKEN] = token
        policy_conditions.append({TOKEN: token})
    # json.dumps' defaults (", " and ": ", ASCII escapes) are botocore's formatting.
    document = json.dumps({"expiration": expiration, "conditions": policy_conditions})
    policy = base64.b64encode(document.encode("utf-8")).decode("ascii")
    form["policy"] = policy
    if region is not None:  # (SigV4)
        signing_key = _crypto.signing_key(credentials.secret_key, stamp[:8], region, SERVICE)
        form["x-amz-signature"] = signing_key.hexdigest(policy.encode("ascii"))
    else:
        form["signature"] = _crypto.hmac_base64(
            credentials.secret_key, "sha1", policy.encode("ascii")
        )
    return PresignedPost(url, form)
