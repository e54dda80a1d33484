"""S3 probes, SigV4 in the Authorization header and presigned: the builders, then the table.

Every accept probe is a request AWS S3 accepts, most of them one of the interop pitfalls that
have broken real servers (the ``summary`` says which); every refuse probe changes one component of
a correctly signed request (or signs for a key, time or scope AWS refuses) and names AWS's answer
and where S3 documents it.  Objects are addressed path-style under the run's prefix.
"""

from __future__ import annotations

import base64
import datetime as _dt
import unicodedata
import zlib
from typing import Any, Callable, Dict, List, Sequence, Tuple

from signers import UNSIGNED_PAYLOAD, Credentials, Request

from . import builders, craft
from .builders import authorization, flip_last, with_authorization
from .context import UNKNOWN_ACCESS_KEY, Context, query_replace, replace_header
from .model import ACCEPT, LENIENT, NotApplicable, Probe, Sent, Table

__all__ = ["PROBES", "BODY", "WRONG_SECRET", "S3_ERRORS"]

Pair = Tuple[str, str]

S3_ERRORS = "https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"
S3_HEADER = (
    "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html"
)
S3_QUERY = "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html"
S3_CREATE = "https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html"
S3_KEYS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html"
S3_METADATA = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html"
S3_CHECKSUMS = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html"
)
S3_RANGE = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html"
SIGV4 = "https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html"
RFC9110_EXPECT = "https://www.rfc-editor.org/rfc/rfc9110#section-10.1.1"
RFC9110_HOP = "https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1"
RFC9110_HOST = "https://www.rfc-editor.org/rfc/rfc9110#section-7.2"

BODY = b"sigbridge probe: this object is deleted at the end of the run\n"
#: Not anyone's secret: signing with it must be refused.
WRONG_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYPROBEWRONG0"
SKEW = _dt.timedelta(minutes=20)


# -- helpers -------------------------------------------------------------------------------------


def _get_seed(ctx: Context, headers: Sequence[Pair] = (), query: str = "") -> Request:
    key, _ = ctx.seed()
    target = ctx.object_path(key) + ("?" + query if query else "")
    return ctx.request("GET", target, headers)


def _put(ctx: Context, name: str, headers: Sequence[Pair] = (), *, safe: str = "/~") -> Request:
    return ctx.request("PUT", ctx.object_path(ctx.key(name), safe=safe), headers, BODY)


def _signed_put(
    ctx: Context,
    name: str,
    headers: Sequence[Pair] = (),
    *,
    safe: str = "/~",
    also: Sequence[str] = (),
) -> Sent:
    key = ctx.key(name)
    signed = ctx.sign("sigv4", _put(ctx, name, headers, safe=safe))
    return ctx.sent(signed, writes=[key, *(ctx.key(a) for a in also)])


def _list_target(ctx: Context, prefix: str) -> str:
    return ctx.bucket_path() + "?max-keys=5&prefix=" + craft.encode_key(prefix, safe="")


def _replace(sent: Sent, **changes: object) -> Sent:
    import dataclasses

    return dataclasses.replace(sent, **changes)  # type: ignore[arg-type]


def _key_probe(
    name: str, *, safe: str = "/~", also: Sequence[str] = ()
) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        return _signed_put(ctx, name, [("Content-Type", "text/plain")], safe=safe, also=also)

    return build


def _header_probe(headers: Sequence[Pair]) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        return _signed_put(ctx, "metadata.txt", headers)

    return build


# -- accept: the ordinary requests ---------------------------------------------------------------


get_object = builders.signed("sigv4", _get_seed)


def head_object(ctx: Context) -> Sent:
    key, _ = ctx.seed()
    return ctx.sent(ctx.sign("sigv4", ctx.request("HEAD", ctx.object_path(key))))


def put_object(ctx: Context) -> Sent:
    return _signed_put(ctx, "put-object.txt", [("Content-Type", "text/plain")])


def put_unsigned_payload(ctx: Context) -> Sent:
    key = ctx.key("unsigned-payload.txt")
    headers = [("Content-Length", str(len(BODY)))]
    request = ctx.request("PUT", ctx.object_path(key), headers, UNSIGNED_PAYLOAD)
    return ctx.sent(ctx.sign("sigv4", request), body=BODY, writes=[key])


def list_objects(ctx: Context) -> Sent:
    return ctx.sent(ctx.sign("sigv4", ctx.request("GET", _list_target(ctx, ctx.run_prefix))))


def list_buckets(ctx: Context) -> Sent:
    return ctx.sent(ctx.sign("sigv4", ctx.request("GET", "/")))


# -- accept: interop pitfalls --------------------------------------------------------------------


def extra_unsigned_header(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _get_seed(ctx)))
    return _replace(sent, headers=(*sent.headers, ("X-Probe-Note", "not signed")))


def hop_by_hop_headers(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _get_seed(ctx)))
    extra = (("Connection", "keep-alive"), ("Keep-Alive", "timeout=5"))
    return _replace(sent, headers=(*sent.headers, *extra))


def expect_continue(ctx: Context) -> Sent:
    key = ctx.key("expect-100-continue.txt")
    target = ctx.object_path(key)
    headers = [("Content-Length", str(len(BODY))), ("Expect", "100-continue")]
    crafted = ctx.craft_header("PUT", target, headers, body=BODY)
    return ctx.crafted("PUT", target, crafted, body=BODY, writes=[key])


def host_default_port(ctx: Context) -> Sent:
    if not ctx.endpoint.default_port:
        raise NotApplicable("the endpoint is not on its scheme's default port")
    key, _ = ctx.seed()
    target = ctx.object_path(key)
    host = f"{ctx.endpoint.host_header}:{ctx.endpoint.port}"
    return ctx.crafted("GET", target, ctx.craft_header("GET", target, [], host=host))


def repeated_query_names(ctx: Context) -> Sent:
    return ctx.sent(ctx.sign("sigv4", _get_seed(ctx, query="a=1&a-b=2&a=0")))


def space_in_query(ctx: Context) -> Sent:
    target = _list_target(ctx, ctx.run_prefix + "no such prefix/")
    return ctx.sent(ctx.sign("sigv4", ctx.request("GET", target)))


def reserved_in_query(ctx: Context) -> Sent:
    target = _list_target(ctx, ctx.run_prefix + "none=:@*!'()")
    return ctx.sent(ctx.sign("sigv4", ctx.request("GET", target)))


def authorization_no_spaces(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _get_seed(ctx)))
    return with_authorization(sent, authorization(sent).replace(", ", ","))


def signed_range(ctx: Context) -> Sent:
    return ctx.sent(ctx.sign("sigv4", _get_seed(ctx, [("Range", "bytes=0-3")])))


def checksum_header(ctx: Context) -> Sent:
    crc = base64.b64encode(zlib.crc32(BODY).to_bytes(4, "big")).decode("ascii")
    return _signed_put(ctx, "checksum.txt", [("x-amz-checksum-crc32", crc)])


presigned_get = builders.signed("sigv4-query", _get_seed, expires=900)


def _presigned_put(ctx: Context, name: str, headers: Sequence[Pair]) -> Sent:
    key = ctx.key(name)
    request = Request("PUT", ctx.url(ctx.object_path(key)), headers, UNSIGNED_PAYLOAD)
    signed = ctx.sign("sigv4-query", request, expires=900)
    sent_headers = [*headers, ("Content-Length", str(len(BODY)))]
    return ctx.sent(signed, headers=sent_headers, body=BODY, writes=[key])


def presigned_put(ctx: Context) -> Sent:
    return _presigned_put(ctx, "presigned-put.txt", [])


def presigned_content_type(ctx: Context) -> Sent:
    return _presigned_put(ctx, "presigned-content-type.txt", [("Content-Type", "text/plain")])


def _last_midnight(ctx: Context) -> _dt.datetime:
    now = ctx.now()
    return now.replace(hour=0, minute=0, second=0)


def presigned_before_midnight(ctx: Context) -> Sent:
    at = _last_midnight(ctx) - _dt.timedelta(seconds=10)
    lifetime = int((ctx.now() - at).total_seconds()) + 900
    key, _ = ctx.seed()
    path = ctx.object_path(key)
    crafted = ctx.craft_presign("GET", path, at=at, expires=str(min(lifetime, 604800)))
    return ctx.crafted("GET", f"{path}?{crafted.query}", crafted)


# -- refuse: one component changed after signing -------------------------------------------------


def tamper_method(ctx: Context) -> Sent:
    key, _ = ctx.seed()
    signed = ctx.sign("sigv4", ctx.request("HEAD", ctx.object_path(key)))
    return ctx.sent(signed, method="GET")


def tamper_path(ctx: Context) -> Sent:
    other, _ = ctx.seed("seed-2.txt")
    return ctx.sent(ctx.sign("sigv4", _get_seed(ctx)), target=ctx.object_path(other))


def tamper_query(ctx: Context) -> Sent:
    signed = ctx.sign("sigv4", ctx.request("GET", _list_target(ctx, ctx.run_prefix + "a")))
    target = query_replace(signed.request.target, "prefix", craft.encode_key(ctx.run_prefix, ""))
    return ctx.sent(signed, target=target)


def tamper_signed_header(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _get_seed(ctx, [("Range", "bytes=0-1")])))
    return _replace(sent, headers=tuple(replace_header(sent.headers, "Range", "bytes=0-2")))


def _other_body() -> bytes:
    return BODY.upper()


def tamper_body(ctx: Context) -> Sent:
    key = ctx.key("tampered-body.txt")
    signed = ctx.sign("sigv4", _put(ctx, "tampered-body.txt"))
    return ctx.sent(signed, body=_other_body(), writes=[key])


def tamper_body_and_hash(ctx: Context) -> Sent:
    key = ctx.key("tampered-body-hash.txt")
    sent = ctx.sent(ctx.sign("sigv4", _put(ctx, "tampered-body-hash.txt")), writes=[key])
    other = _other_body()
    headers = replace_header(sent.headers, "x-amz-content-sha256", craft.sha256_hex(other))
    return _replace(sent, headers=tuple(headers), body=other)


def tamper_signature(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _get_seed(ctx)))
    return with_authorization(sent, flip_last(authorization(sent)))


def unsigned_amz_header(ctx: Context) -> Sent:
    sent = _signed_put(ctx, "unsigned-amz-header.txt")
    return _replace(sent, headers=(*sent.headers, ("x-amz-meta-injected", "not signed")))


def host_not_signed(ctx: Context) -> Sent:
    key, _ = ctx.seed()
    target = ctx.object_path(key)
    signed = ["x-amz-content-sha256", "x-amz-date"]
    if ctx.credentials.token is not None:
        signed.append("x-amz-security-token")
    return ctx.crafted("GET", target, ctx.craft_header("GET", target, [], signed=signed))


def missing_date(ctx: Context) -> Sent:
    key, _ = ctx.seed()
    target = ctx.object_path(key)
    return ctx.crafted("GET", target, ctx.craft_header("GET", target, [], date_header=False))


def malformed_authorization(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _get_seed(ctx)))
    parts = [p for p in authorization(sent).split(", ") if not p.startswith("SignedHeaders=")]
    return with_authorization(sent, ", ".join(parts))


def _wrong_secret() -> Callable[[Context], Credentials]:
    return lambda ctx: Credentials(ctx.credentials.access_key, WRONG_SECRET, ctx.credentials.token)


def _unknown_key() -> Callable[[Context], Credentials]:
    return lambda _ctx: Credentials(UNKNOWN_ACCESS_KEY, WRONG_SECRET)


def _credential_probe(
    scheme: str, credentials: Callable[[Context], Credentials], level: str
) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        target = _list_target(ctx, ctx.run_prefix) if level == "bucket" else "/"
        request = ctx.request("GET", target)
        return ctx.sent(ctx.sign(scheme, request, credentials=credentials(ctx)))

    return build


def _anonymous(level: str) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        target = _list_target(ctx, ctx.run_prefix) if level == "bucket" else "/"
        return ctx.sent(ctx.request("GET", target))

    return build


def unexpected_token(ctx: Context) -> Sent:
    if ctx.credentials.token is not None:
        raise NotApplicable("the credentials carry a session token")
    credentials = Credentials(ctx.credentials.access_key, ctx.credentials.secret_key, "probe-token")
    return ctx.sent(ctx.sign("sigv4", _get_seed(ctx), credentials=credentials))


def wrong_token(ctx: Context) -> Sent:
    token = ctx.credentials.token
    if token is None:
        raise NotApplicable("needs session credentials (--session-token)")
    credentials = Credentials(ctx.credentials.access_key, ctx.credentials.secret_key, token[::-1])
    ctx.secret(token[::-1])
    return ctx.sent(ctx.sign("sigv4", _get_seed(ctx), credentials=credentials))


def skewed(sign: int) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        return ctx.sent(ctx.sign("sigv4", _get_seed(ctx), at=ctx.now() + sign * SKEW))

    return build


def scope(part: str, location: str) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        key, _ = ctx.seed()
        path = ctx.object_path(key)
        changes: Dict[str, Any]
        if part == "region":
            changes = {"region": ctx.other_region()}
        elif part == "service":
            changes = {"service": ctx.other_service()}
        else:
            changes = {"scope_date": (ctx.now() - _dt.timedelta(days=1)).strftime("%Y%m%d")}
        if location == "query":
            changes.pop("scope_date", None)
            crafted = ctx.craft_presign("GET", path, expires="900", **changes)
            return ctx.crafted("GET", f"{path}?{crafted.query}", crafted)
        return ctx.crafted("GET", path, ctx.craft_header("GET", path, [], **changes))

    return build


def header_and_query(ctx: Context) -> Sent:
    key, _ = ctx.seed()
    path = ctx.object_path(key)
    presigned = ctx.craft_presign("GET", path, expires="900")
    target = f"{path}?{presigned.query}"
    both = ctx.craft_header("GET", target, [])  # a valid header signature over the same URL
    return ctx.crafted("GET", target, both)


# -- refuse: presigned URLs ----------------------------------------------------------------------


def presign_expired(ctx: Context) -> Sent:
    at = ctx.now() - _dt.timedelta(hours=2)
    return ctx.sent(ctx.sign("sigv4-query", _get_seed(ctx), at=at, expires=60))


def presign_expires(value: str) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        key, _ = ctx.seed()
        path = ctx.object_path(key)
        crafted = ctx.craft_presign("GET", path, expires=value)
        return ctx.crafted("GET", f"{path}?{crafted.query}", crafted)

    return build


def presign_tamper_expires(ctx: Context) -> Sent:
    signed = ctx.sign("sigv4-query", _get_seed(ctx), expires=900)
    return ctx.sent(signed, target=query_replace(signed.request.target, "X-Amz-Expires", "1800"))


presign_tamper_path = builders.presigned_for_another_key("sigv4-query", _get_seed)


def presign_added_override(ctx: Context) -> Sent:
    signed = ctx.sign("sigv4-query", _get_seed(ctx), expires=900)
    target = signed.request.target + "&response-content-type=text%2Fhtml"
    return ctx.sent(signed, target=target)


def presign_wrong_secret(ctx: Context) -> Sent:
    credentials = _wrong_secret()(ctx)
    return ctx.sent(ctx.sign("sigv4-query", _get_seed(ctx), credentials=credentials, expires=900))


# -- the table -----------------------------------------------------------------------------------

_S3 = frozenset({"s3"})
_OBJ = frozenset({"s3", "bucket"})


_TABLE = Table(_OBJ, service_requires=_S3)
_a, _r = _TABLE.accept, _TABLE.refuse

_NFC = unicodedata.normalize("NFC", "caf\u00e9-nfc.txt")
_NFD = unicodedata.normalize("NFD", "caf\u00e9-nfd.txt")
_SDNM = ("SignatureDoesNotMatch",)
_AHM = ("AuthorizationHeaderMalformed",)
_AQPE = ("AuthorizationQueryParametersError",)

PROBES: List[Probe] = [
    _a("sigv4/get-object", "GET an object", get_object, S3_HEADER),
    _a("sigv4/head-object", "HEAD an object", head_object, S3_HEADER),
    _a("sigv4/put-object", "PUT with the payload's SHA-256 signed", put_object, S3_HEADER),
    _a("sigv4/put-unsigned-payload", "PUT with x-amz-content-sha256: UNSIGNED-PAYLOAD",
       put_unsigned_payload, S3_HEADER),
    _a("sigv4/list-objects", "GET the bucket (ListObjects) with a prefix", list_objects, S3_HEADER),
    Probe("sigv4/list-buckets", ACCEPT, "GET / (ListBuckets) at the service level", list_buckets,
          S3_HEADER, requires=_S3),
    _a("sigv4/extra-unsigned-header", "a header that is not x-amz-* left unsigned",
       extra_unsigned_header, SIGV4),
    _a("sigv4/hop-by-hop-headers", "Connection and Keep-Alive sent, not signed",
       hop_by_hop_headers, RFC9110_HOP),
    _a("sigv4/expect-100-continue", "PUT with Expect: 100-continue signed", expect_continue,
       RFC9110_EXPECT),
    _a("sigv4/host-default-port", "Host with the scheme's default port, signed as sent",
       host_default_port, RFC9110_HOST),
    _a("sigv4/space-in-key", "key 'a b.txt' sent as a%20b.txt", _key_probe("a b.txt"), S3_KEYS),
    _a("sigv4/plus-in-key", "key 'a+b.txt' sent as a%2Bb.txt (a plus, not a space)",
       _key_probe("a+b.txt"), S3_KEYS),
    _a("sigv4/space-in-query", "a query value with a space sent as %20", space_in_query, SIGV4),
    _a("sigv4/dot-segments-in-key", "key with ./ and ../ segments: S3 does not normalize",
       _key_probe("dots/./x/../y.txt", also=["dots/y.txt"]), S3_KEYS),
    _a("sigv4/double-slash-in-key", "key with // : S3 does not normalize",
       _key_probe("double//slash.txt", also=["double/slash.txt"]), S3_KEYS),
    _a("sigv4/reserved-chars-in-key", "key with = : @ * ! ' ( ) percent-encoded (SDK style)",
       _key_probe("reserved=:@*!'().txt"), S3_KEYS),
    _a("sigv4/reserved-chars-raw-in-key", "the same characters sent raw in the path",
       _key_probe("raw=:@*!'().txt", safe="/~=:@*!'()"), S3_KEYS),
    _a("sigv4/reserved-chars-in-query", "a query value with = : @ * ! ' ( ) encoded",
       reserved_in_query, SIGV4),
    _a("sigv4/percent-literal-in-key", "key '100%25.txt' (literal percent): single encoding",
       _key_probe("100%25.txt"), S3_CREATE),
    _a("sigv4/percent-space-literal-in-key", "key 'a%20b.txt' (literal): single encoding",
       _key_probe("a%20b.txt"), S3_CREATE),
    _a("sigv4/non-ascii-key-nfc", "key with a non-ASCII letter in NFC", _key_probe(_NFC), S3_KEYS),
    _a("sigv4/non-ascii-key-nfd", "the same key in NFD (not normalized)", _key_probe(_NFD),
       S3_KEYS),
    _a("sigv4/non-ascii-metadata", "x-amz-meta value in UTF-8",
       _header_probe([("x-amz-meta-note", "caf\u00e9 \u2615")]), S3_METADATA),
    _a("sigv4/metadata-whitespace", "x-amz-meta value with runs of spaces (folded when signed)",
       _header_probe([("x-amz-meta-note", "  a   b    c  ")]), SIGV4),
    _a("sigv4/repeated-header", "one x-amz-meta name sent twice (signed joined by a comma)",
       _header_probe([("x-amz-meta-multi", "a"), ("x-amz-meta-multi", "b")]), SIGV4),
    _a("sigv4/comma-joined-header", "the same values in one comma-joined header",
       _header_probe([("x-amz-meta-multi", "a,b")]), SIGV4),
    _a("sigv4/repeated-query-names", "?a=1&a-b=2&a=0: sorted by name then value",
       repeated_query_names, SIGV4),
    _a("sigv4/authorization-no-spaces", "Authorization without spaces after the commas",
       authorization_no_spaces, S3_HEADER),
    _a("sigv4/signed-range", "GET with a signed Range header", signed_range, S3_RANGE),
    _a("sigv4/checksum-header", "PUT with a signed x-amz-checksum-crc32", checksum_header,
       S3_CHECKSUMS),
    _a("sigv4-query/get-object", "presigned GET", presigned_get, S3_QUERY),
    _a("sigv4-query/put-object", "presigned PUT (UNSIGNED-PAYLOAD)", presigned_put, S3_QUERY),
    _a("sigv4-query/content-type", "presigned PUT with Content-Type signed at presign time",
       presigned_content_type, S3_QUERY),
    _a("sigv4-query/signed-before-midnight",
       "URL signed at 23:59:50 UTC yesterday, used today: the key of the scope's date",
       presigned_before_midnight, S3_QUERY),
    _r("sigv4/tamper-method", "signed HEAD, sent as GET", tamper_method, _SDNM, 403, S3_ERRORS),
    _r("sigv4/tamper-path", "signed for one key, sent for another", tamper_path, _SDNM, 403,
       S3_ERRORS),
    _r("sigv4/tamper-query", "a query value changed after signing", tamper_query, _SDNM, 403,
       S3_ERRORS),
    _r("sigv4/tamper-signed-header", "a signed Range changed after signing",
       tamper_signed_header, _SDNM, 403, S3_ERRORS),
    _r("sigv4/tamper-body", "PUT body changed; x-amz-content-sha256 (signed) is the old one's",
       tamper_body, ("XAmzContentSHA256Mismatch",), 400, S3_ERRORS),
    _r("sigv4/tamper-body-and-hash", "PUT body and its x-amz-content-sha256 both changed",
       tamper_body_and_hash, _SDNM, 403, S3_ERRORS),
    _r("sigv4/tamper-signature", "one digit of the signature changed", tamper_signature, _SDNM,
       403, S3_ERRORS),
    _r("sigv4/unsigned-amz-header", "an x-amz-meta header added after signing",
       unsigned_amz_header, ("AccessDenied",), 403, S3_HEADER),
    _r("sigv4/host-not-signed", "SignedHeaders without host", host_not_signed,
       ("AccessDenied",), 403, SIGV4),
    _r("sigv4/missing-date", "no X-Amz-Date and no Date", missing_date, ("AccessDenied",), 403,
       S3_ERRORS),
    _r("sigv4/malformed-authorization", "Authorization without SignedHeaders",
       malformed_authorization, _AHM, 400, S3_ERRORS),
    _r("sigv4/wrong-secret@bucket", "the right access key, a wrong secret",
       _credential_probe("sigv4", _wrong_secret(), "bucket"), _SDNM, 403, S3_ERRORS),
    _r("sigv4/wrong-secret@service", "the right access key, a wrong secret (GET /)",
       _credential_probe("sigv4", _wrong_secret(), "service"), _SDNM, 403, S3_ERRORS),
    _r("sigv4/unknown-key@bucket", "an access key the server does not know",
       _credential_probe("sigv4", _unknown_key(), "bucket"), ("InvalidAccessKeyId",), 403,
       S3_ERRORS),
    _r("sigv4/unknown-key@service", "an access key the server does not know (GET /)",
       _credential_probe("sigv4", _unknown_key(), "service"), ("InvalidAccessKeyId",), 403,
       S3_ERRORS),
    _r("anonymous/list-objects@bucket", "no signature at all", _anonymous("bucket"),
       ("AccessDenied",), 403, S3_ERRORS),
    _r("anonymous/list-buckets@service", "no signature at all (GET /)", _anonymous("service"),
       ("AccessDenied",), 403, S3_ERRORS),
    _r("sigv4/unexpected-token", "a session token no one issued, signed", unexpected_token,
       ("InvalidToken",), 400, S3_ERRORS, "no-session-token"),
    _r("sigv4/wrong-token", "the session token altered, signed", wrong_token, ("InvalidToken",),
       400, S3_ERRORS, "session-token"),
    _r("sigv4/skewed-past", "signed 20 minutes ago", skewed(-1), ("RequestTimeTooSkewed",), 403,
       S3_ERRORS),
    _r("sigv4/skewed-future", "signed 20 minutes ahead", skewed(1), ("RequestTimeTooSkewed",),
       403, S3_ERRORS),
    _r("sigv4/scope-other-region", "a valid signature for another region", scope("region", "h"),
       _AHM, 400, S3_ERRORS, if_accepted=LENIENT),
    _r("sigv4/scope-other-service", "a valid signature for another service",
       scope("service", "h"), _AHM, 400, S3_ERRORS, if_accepted=LENIENT),
    _r("sigv4/scope-other-date",
       "scope dated yesterday, X-Amz-Date today: a day's signing key would never expire",
       scope("date", "h"), _AHM, 400, S3_HEADER),
    _r("sigv4/header-and-query-auth", "valid Authorization header and presigned query together",
       header_and_query, ("InvalidArgument",), 400, S3_ERRORS, if_accepted=LENIENT),
    _r("sigv4-query/expired", "URL expired an hour ago", presign_expired, ("AccessDenied",), 403,
       S3_QUERY),
    _r("sigv4-query/expires-too-large", "X-Amz-Expires=604801 (more than a week), signed",
       presign_expires("604801"), _AQPE, 400, S3_QUERY),
    _r("sigv4-query/expires-negative", "X-Amz-Expires=-1, signed", presign_expires("-1"), _AQPE,
       400, S3_QUERY),
    _r("sigv4-query/tamper-expires", "X-Amz-Expires changed after signing",
       presign_tamper_expires, _SDNM, 403, S3_QUERY),
    _r("sigv4-query/tamper-path", "URL signed for one key, used for another",
       presign_tamper_path, _SDNM, 403, S3_QUERY),
    _r("sigv4-query/added-parameter", "response-content-type added to a presigned URL",
       presign_added_override, _SDNM, 403, S3_QUERY),
    _r("sigv4-query/wrong-secret", "presigned with a wrong secret", presign_wrong_secret, _SDNM,
       403, S3_QUERY),
    _r("sigv4-query/scope-other-region", "presigned validly for another region",
       scope("region", "query"), _AQPE, 400, S3_QUERY, if_accepted=LENIENT),
]  # fmt: skip
