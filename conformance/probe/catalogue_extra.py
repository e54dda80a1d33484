"""Probes that need more than the core schemes: browser POST policies and SigV4A.

* POST policies (S3): a multipart form built from :func:`signers.presign_post`'s fields, as a
  browser sends it -- uploaded as signed (accept), or with the policy changed after signing, an
  expired policy, a key its conditions exclude (refuse);
* SigV4A (``AWS4-ECDSA-P256-SHA256``, needs the ``sigv4a`` extra): an ordinary GET and one with
  the path changed after signing.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import secrets
from typing import Callable, Dict, List, Tuple

import signers
from signers import MissingDependency

from .catalogue_s3 import BODY, S3_ERRORS
from .context import Context
from .model import ACCEPT, REFUSE, NotApplicable, Probe, Sent

__all__ = ["PROBES", "S3_POST", "SIGV4A", "multipart"]

S3_POST = "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html"
S3_POST_V2 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/HTTPPOSTForms.html"
SIGV4A = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html"


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


def _post(
    ctx: Context,
    name: str,
    *,
    version: int = 4,
    at_offset: _dt.timedelta = _dt.timedelta(0),
    expires: int = 900,
    change: Callable[[Dict[str, str]], None] = lambda fields: None,
    writes: Tuple[str, ...] = (),
) -> Sent:
    key = ctx.key(name)
    post = signers.presign_post(
        ctx.url(ctx.bucket_path() + "/"),
        ctx.credentials,
        key=key,
        expires=expires,
        at=ctx.now() + at_offset,
        version=version,
        region=ctx.region if version == 4 else None,
        bucket=ctx.bucket,
    )
    fields = dict(post.fields)
    ctx.secret(fields.get("x-amz-signature") or fields.get("signature"))
    change(fields)
    content_type, body = multipart(fields, BODY, "probe.txt")
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    request = ctx.request("POST", ctx.bucket_path() + "/", headers, body)
    return ctx.sent(request, writes=(key, *(ctx.key(w) for w in writes)))


def _tamper_policy(fields: Dict[str, str]) -> None:
    document = json.loads(base64.b64decode(fields["policy"]))
    document["expiration"] = "2099-01-01T00:00:00.000Z"
    fields["policy"] = base64.b64encode(json.dumps(document).encode()).decode("ascii")


def post_upload(version: int) -> Callable[[Context], Sent]:
    return lambda ctx: _post(ctx, f"post-v{version}.txt", version=version)


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


def post_anonymous(ctx: Context) -> Sent:
    key = ctx.key("post-anonymous.txt")
    content_type, body = multipart({"key": key}, BODY, "probe.txt")
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    return ctx.sent(ctx.request("POST", ctx.bucket_path() + "/", headers, body), writes=[key])


def _sigv4a_get(ctx: Context) -> signers.SignedRequest:
    key, _ = ctx.seed()
    try:
        return ctx.sign("sigv4a", ctx.request("GET", ctx.object_path(key)))
    except MissingDependency as exc:
        raise NotApplicable(str(exc)) from None


def sigv4a_get(ctx: Context) -> Sent:
    return ctx.sent(_sigv4a_get(ctx))


def sigv4a_tamper_path(ctx: Context) -> Sent:
    other, _ = ctx.seed("seed-2.txt")
    return ctx.sent(_sigv4a_get(ctx), target=ctx.object_path(other))


_POST = frozenset({"s3", "bucket"})
_V4A = frozenset({"s3", "bucket", "sigv4a"})

PROBES: List[Probe] = [
    Probe("post-v4/upload", ACCEPT, "browser POST upload, SigV4 policy", post_upload(4), S3_POST,
          requires=_POST),
    Probe("post-v2/upload", ACCEPT, "browser POST upload, SigV2 policy", post_upload(2),
          S3_POST_V2, requires=_POST),
    Probe("post-v4/tampered-policy", REFUSE, "the policy changed after signing",
          post_tampered(4), S3_POST, ("SignatureDoesNotMatch",), 403, requires=_POST),
    Probe("post-v2/tampered-policy", REFUSE, "the policy changed after signing",
          post_tampered(2), S3_POST_V2, ("SignatureDoesNotMatch",), 403, requires=_POST),
    Probe("post-v4/expired-policy", REFUSE, "a policy that expired an hour ago", post_expired,
          S3_POST, ("AccessDenied",), 403, requires=_POST),
    Probe("post-v4/key-outside-policy", REFUSE, "a key the policy's conditions exclude",
          post_other_key, S3_POST, ("AccessDenied",), 403, requires=_POST),
    Probe("post-v4/anonymous", REFUSE, "a form with no policy and no signature", post_anonymous,
          S3_ERRORS, ("AccessDenied",), 403, requires=_POST),
    Probe("sigv4a/get-object", ACCEPT, "GET signed with SigV4A (ECDSA P-256) for the region",
          sigv4a_get, SIGV4A, requires=_V4A),
    Probe("sigv4a/tamper-path", REFUSE, "SigV4A, signed for one key, sent for another",
          sigv4a_tamper_path, SIGV4A, ("SignatureDoesNotMatch",), 403, requires=_V4A),
]  # fmt: skip
