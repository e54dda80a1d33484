"""S3 probes of browser POST uploads: a ``multipart/form-data`` form under a signed POST policy.

The form is :func:`signers.presign_post`'s fields (botocore's, field for field) and the file
last, POSTed to the bucket as a browser sends it.  S3 verifies the signature over the policy as
sent, then the policy: its expiry, every condition, and that every field is covered by one
("Each form field that you specify in a form (except x-amz-signature, file, policy, and field
names that have an x-ignore- prefix) must appear in the list of conditions").

Accept: an upload under a SigV4 and under a SigV2 policy.  Refuse, each AWS-documented, with
S3's answer as S3 was recorded giving it (the sources of :mod:`signers._post_conditions` and
:mod:`signers._post_verify`): the policy changed after signing and a policy signed with a wrong
secret (403 ``SignatureDoesNotMatch``), an unknown access key (403 ``InvalidAccessKeyId``), an
expired policy, a key its conditions exclude, a field no condition covers and no signature at
all (403 ``AccessDenied``), a file over or under the policy's ``content-length-range`` (400
``EntityTooLarge`` / ``EntityTooSmall``).  Accepting any of them lets in an upload the policy's
signer never allowed: ``insecure``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import secrets
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple

import signers
from signers import Credentials

from .catalogue_s3 import BODY, S3_ERRORS
from .context import UNKNOWN_ACCESS_KEY, Context
from .model import ACCEPT, REFUSE, Probe, Sent

if TYPE_CHECKING:
    from signers.post_policy import PolicyCondition

__all__ = ["PROBES", "S3_POST", "S3_POST_V2", "S3_POST_POLICY", "multipart"]

S3_POST = "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html"
S3_POST_V2 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/HTTPPOSTForms.html"
S3_POST_POLICY = (
    "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html"
)
#: The range the size probes sign: BODY is longer than its maximum.
_RANGE: PolicyCondition = ["content-length-range", 1, 10]

FieldChange = Callable[[Dict[str, str]], None]


def multipart(fields: Dict[str, str], data: bytes, filename: str) -> Tuple[str, bytes]:
    """``(content type, body)`` of a multipart/form-data upload: the fields in order, the file
    last (S3 ignores fields after it)."""
    boundary = "sigbridge-probe-" + secrets.token_hex(8)
    parts: List[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/plain\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def _upload(ctx: Context, fields: Dict[str, str], keys: Sequence[str], data: bytes) -> Sent:
    content_type, body = multipart(fields, data, "probe.txt")
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    request = ctx.request("POST", ctx.bucket_path() + "/", headers, body)
    return ctx.sent(request, writes=tuple(keys))


def _post(
    ctx: Context,
    name: str,
    *,
    version: int = 4,
    at_offset: _dt.timedelta = _dt.timedelta(0),
    expires: int = 900,
    change: FieldChange = lambda fields: None,
    writes: Tuple[str, ...] = (),
    credentials: Optional[Credentials] = None,
    conditions: Sequence[PolicyCondition] = (),
    data: bytes = BODY,
) -> Sent:
    key = ctx.key(name)
    post = signers.presign_post(
        ctx.url(ctx.bucket_path() + "/"),
        credentials or ctx.credentials,
        key=key,
        conditions=list(conditions),
        expires=expires,
        at=ctx.now() + at_offset,
        version=version,
        region=ctx.region if version == 4 else None,
        bucket=ctx.bucket,
    )
    fields = dict(post.fields)
    ctx.secret(fields.get("x-amz-signature") or fields.get("signature"))
    change(fields)
    return _upload(ctx, fields, (key, *(ctx.key(w) for w in writes)), data)


# -- accept ---------------------------------------------------------------------------------------


def post_upload(version: int) -> Callable[[Context], Sent]:
    return lambda ctx: _post(ctx, f"post-v{version}.txt", version=version)


# -- refuse ---------------------------------------------------------------------------------------


def _tamper_policy(fields: Dict[str, str]) -> None:
    document = json.loads(base64.b64decode(fields["policy"]))
    document["expiration"] = "2099-01-01T00:00:00.000Z"
    fields["policy"] = base64.b64encode(json.dumps(document).encode()).decode("ascii")


def post_tampered(version: int) -> Callable[[Context], Sent]:
    return lambda ctx: _post(
        ctx, f"post-v{version}-tampered.txt", version=version, change=_tamper_policy
    )


def post_expired(ctx: Context) -> Sent:
    return _post(ctx, "post-expired.txt", at_offset=-_dt.timedelta(hours=2), expires=60)


def post_other_key(ctx: Context) -> Sent:
    other = "post-outside-policy.txt"

    def change(fields: Dict[str, str]) -> None:
        fields["key"] = ctx.key(other)

    return _post(ctx, "post-policy-key.txt", change=change, writes=(other,))


def post_extra_field(ctx: Context) -> Sent:
    def change(fields: Dict[str, str]) -> None:
        fields["x-amz-meta-unsigned"] = "no condition names this field"

    return _post(ctx, "post-extra-field.txt", change=change)


def post_too_large(ctx: Context) -> Sent:
    return _post(ctx, "post-too-large.txt", conditions=[_RANGE])


def post_too_small(ctx: Context) -> Sent:
    return _post(ctx, "post-too-small.txt", conditions=[_RANGE], data=b"")


def post_wrong_secret(ctx: Context) -> Sent:
    wrong = Credentials(ctx.credentials.access_key, "not-the-secret-" + secrets.token_hex(8))
    return _post(ctx, "post-wrong-secret.txt", credentials=wrong)


def post_unknown_key(ctx: Context) -> Sent:
    unknown = Credentials(UNKNOWN_ACCESS_KEY, ctx.credentials.secret_key)
    return _post(ctx, "post-unknown-key.txt", credentials=unknown)


def post_anonymous(ctx: Context) -> Sent:
    key = ctx.key("post-anonymous.txt")
    return _upload(ctx, {"key": key}, (key,), BODY)


_POST = frozenset({"s3", "bucket"})
_SDNM = ("SignatureDoesNotMatch",)
_DENIED = ("AccessDenied",)


PROBES: List[Probe] = [
    Probe("post-v4/upload", ACCEPT, "browser POST upload, SigV4 policy", post_upload(4), S3_POST,
          requires=_POST),
    Probe("post-v2/upload", ACCEPT, "browser POST upload, SigV2 policy", post_upload(2),
          S3_POST_V2, requires=_POST),
    Probe("post-v4/tampered-policy", REFUSE, "the policy changed after signing",
          post_tampered(4), S3_POST, _SDNM, 403, requires=_POST),
    Probe("post-v2/tampered-policy", REFUSE, "the policy changed after signing",
          post_tampered(2), S3_POST_V2, _SDNM, 403, requires=_POST),
    Probe("post-v4/wrong-secret", REFUSE, "the policy signed with a wrong secret key",
          post_wrong_secret, S3_POST, _SDNM, 403, requires=_POST),
    Probe("post-v4/unknown-key", REFUSE, "the policy signed with an access key no one issued",
          post_unknown_key, S3_ERRORS, ("InvalidAccessKeyId",), 403, requires=_POST),
    Probe("post-v4/expired-policy", REFUSE, "a policy that expired an hour ago",
          post_expired, S3_POST, _DENIED, 403, requires=_POST),
    Probe("post-v4/key-outside-policy", REFUSE, "a key the policy's conditions exclude",
          post_other_key, S3_POST, _DENIED, 403, requires=_POST),
    Probe("post-v4/extra-field", REFUSE, "a form field no condition of the policy covers",
          post_extra_field, S3_POST_POLICY, _DENIED, 403, requires=_POST),
    Probe("post-v4/file-too-large", REFUSE, "a file over the policy's content-length-range",
          post_too_large, S3_POST_POLICY, ("EntityTooLarge",), 400, requires=_POST),
    Probe("post-v4/file-too-small", REFUSE, "an empty file under the policy's content-length-range",
          post_too_small, S3_POST_POLICY, ("EntityTooSmall",), 400, requires=_POST),
    Probe("post-v4/anonymous", REFUSE, "a form with no policy and no signature",
          post_anonymous, S3_ERRORS, _DENIED, 403, requires=_POST),
]  # fmt: skip
