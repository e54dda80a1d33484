"""S3's legacy scheme (HMAC-SHA1, ``Authorization: AWS key:signature`` and presigned
``AWSAccessKeyId``/``Expires``/``Signature``): probes, then the table.

The pitfalls particular to it: the sub-resources and ``response-*`` overrides that are signed while
other query parameters are not, the ``x-amz-*`` headers joined by name, and the empty ``Date``
line when ``x-amz-date`` is sent.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
from email.utils import format_datetime
from typing import Callable, List, Sequence, Tuple

from signers import Credentials, Request

from .builders import presigned_for_another_key, signed
from .catalogue_s3 import BODY, S3_ERRORS, WRONG_SECRET, _list_target
from .context import UNKNOWN_ACCESS_KEY, Context, query_replace, replace_header
from .model import Probe, Sent, Table

__all__ = ["PROBES", "S3_V2"]

Pair = Tuple[str, str]

S3_V2 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html"


def _seed_request(ctx: Context, query: str = "", name: str = "seed.txt") -> Request:
    key, _ = ctx.seed(name)
    return ctx.request("GET", ctx.object_path(key) + ("?" + query if query else ""))


def _put(ctx: Context, name: str, headers: Sequence[Pair]) -> Tuple[str, Request]:
    key = ctx.key(name)
    return key, ctx.request("PUT", ctx.object_path(key), headers, BODY)


v2_get = signed("s3-v2", _seed_request)


def v2_put(ctx: Context) -> Sent:
    md5 = base64.b64encode(hashlib.md5(BODY).digest()).decode("ascii")
    key, request = _put(ctx, "v2-put.txt", [("Content-Type", "text/plain"), ("Content-MD5", md5)])
    return ctx.sent(ctx.sign("s3-v2", request), writes=[key])


def v2_sub_resource(ctx: Context) -> Sent:
    return ctx.sent(ctx.sign("s3-v2", _seed_request(ctx, "acl")))


def v2_response_override(ctx: Context) -> Sent:
    return ctx.sent(ctx.sign("s3-v2", _seed_request(ctx, "response-content-type=text%2Fplain")))


def v2_amz_headers(ctx: Context) -> Sent:
    headers = [("X-Amz-Meta-Multi", "a"), ("x-amz-meta-multi", "b"), ("x-amz-meta-note", " c  d ")]
    key, request = _put(ctx, "v2-amz-headers.txt", headers)
    return ctx.sent(ctx.sign("s3-v2", request), writes=[key])


def v2_amz_date(ctx: Context) -> Sent:
    stamp = format_datetime(ctx.now(), usegmt=True)
    key, _ = ctx.seed()
    request = ctx.request("GET", ctx.object_path(key), [("x-amz-date", stamp)])
    return ctx.sent(ctx.sign("s3-v2", request))


v2_presigned_get = signed("s3-v2-query", _seed_request, expires=900)


def v2_presigned_override(ctx: Context) -> Sent:
    request = _seed_request(ctx, "response-content-disposition=inline")
    return ctx.sent(ctx.sign("s3-v2-query", request, expires=900))


def v2_tamper_path(ctx: Context) -> Sent:
    other, _ = ctx.seed("seed-2.txt")
    return ctx.sent(ctx.sign("s3-v2", _seed_request(ctx)), target=ctx.object_path(other))


def v2_tamper_amz_header(ctx: Context) -> Sent:
    key, request = _put(ctx, "v2-tampered-header.txt", [("x-amz-meta-note", "a")])
    sent = ctx.sent(ctx.sign("s3-v2", request), writes=[key])
    headers = replace_header(sent.headers, "x-amz-meta-note", "b")
    import dataclasses

    return dataclasses.replace(sent, headers=tuple(headers))


def v2_tamper_sub_resource(ctx: Context) -> Sent:
    signed = ctx.sign("s3-v2", _seed_request(ctx, "response-content-type=text%2Fplain"))
    target = query_replace(signed.request.target, "response-content-type", "text%2Fhtml")
    return ctx.sent(signed, target=target)


def v2_credentials(kind: str, level: str) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        if kind == "unknown":
            credentials = Credentials(UNKNOWN_ACCESS_KEY, WRONG_SECRET)
        else:
            creds = ctx.credentials
            credentials = Credentials(creds.access_key, WRONG_SECRET, creds.token)
        target = _list_target(ctx, ctx.run_prefix) if level == "bucket" else "/"
        return ctx.sent(ctx.sign("s3-v2", ctx.request("GET", target), credentials=credentials))

    return build


def v2_skewed(ctx: Context) -> Sent:
    return ctx.sent(ctx.sign("s3-v2", _seed_request(ctx), at=ctx.now() - _dt.timedelta(minutes=20)))


def v2_presign_expired(ctx: Context) -> Sent:
    at = ctx.now() - _dt.timedelta(hours=2)
    return ctx.sent(ctx.sign("s3-v2-query", _seed_request(ctx), at=at, expires=60))


v2_presign_tamper_path = presigned_for_another_key("s3-v2-query", _seed_request)


def v2_presign_tamper_expires(ctx: Context) -> Sent:
    signed = ctx.sign("s3-v2-query", _seed_request(ctx), expires=900)
    expires = next(v for n, v in signed.added_query if n == "Expires")
    later = str(int(expires) + 900)
    return ctx.sent(signed, target=query_replace(signed.request.target, "Expires", later))


_OBJ = frozenset({"s3", "bucket"})
_SDNM = ("SignatureDoesNotMatch",)


_TABLE = Table(_OBJ, S3_V2, S3_ERRORS, service_requires=frozenset({"s3"}))
_a, _r = _TABLE.accept, _TABLE.refuse

PROBES: List[Probe] = [
    _a("s3-v2/get-object", "GET an object", v2_get),
    _a("s3-v2/put-object", "PUT with Content-Type and Content-MD5 signed", v2_put),
    _a("s3-v2/sub-resource", "GET ?acl: a sub-resource is signed", v2_sub_resource),
    _a("s3-v2/response-override", "GET ?response-content-type=: signed like a sub-resource",
       v2_response_override),
    _a("s3-v2/amz-headers", "x-amz-meta names in mixed case, repeated: joined by name",
       v2_amz_headers),
    _a("s3-v2/x-amz-date", "x-amz-date instead of Date: the Date line is empty", v2_amz_date),
    _a("s3-v2-query/get-object", "presigned GET", v2_presigned_get),
    _a("s3-v2-query/response-override", "presigned GET with a response-* override",
       v2_presigned_override),
    _r("s3-v2/tamper-path", "signed for one key, sent for another", v2_tamper_path, _SDNM, 403),
    _r("s3-v2/tamper-amz-header", "a signed x-amz-meta value changed after signing",
       v2_tamper_amz_header, _SDNM, 403),
    _r("s3-v2/tamper-sub-resource", "the response-content-type value changed after signing",
       v2_tamper_sub_resource, _SDNM, 403),
    _r("s3-v2/wrong-secret@bucket", "the right access key, a wrong secret",
       v2_credentials("wrong", "bucket"), _SDNM, 403),
    _r("s3-v2/wrong-secret@service", "the right access key, a wrong secret (GET /)",
       v2_credentials("wrong", "service"), _SDNM, 403),
    _r("s3-v2/unknown-key@bucket", "an access key the server does not know",
       v2_credentials("unknown", "bucket"), ("InvalidAccessKeyId",), 403),
    _r("s3-v2/unknown-key@service", "an access key the server does not know (GET /)",
       v2_credentials("unknown", "service"), ("InvalidAccessKeyId",), 403),
    _r("s3-v2/skewed", "Date 20 minutes old", v2_skewed, ("RequestTimeTooSkewed",), 403),
    _r("s3-v2-query/expired", "Expires an hour ago", v2_presign_expired, ("AccessDenied",), 403),
    _r("s3-v2-query/tamper-path", "URL signed for one key, used for another",
       v2_presign_tamper_path, _SDNM, 403),
    _r("s3-v2-query/tamper-expires", "Expires moved later after signing",
       v2_presign_tamper_expires, _SDNM, 403),
]  # fmt: skip
