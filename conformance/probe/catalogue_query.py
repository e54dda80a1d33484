"""Probes for query-protocol services (STS, SQS, SNS, IAM ...): SigV4 and SigV2.

Each probe makes the service's one harmless read-only call (:data:`.context.QUERY_OPERATIONS`),
as a form POST or a GET with the parameters in the URL.  These services answer in the query
protocol's ``<ErrorResponse>``; where AWS's services are known to differ among themselves (the
answer to a skewed clock, to an expired presigned URL), every code they use is listed.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Callable, List, Sequence, Tuple

from signers import Credentials, Request

from .builders import authorization, flip_last, signed, with_authorization
from .catalogue_s3 import WRONG_SECRET
from .context import UNKNOWN_ACCESS_KEY, Context, replace_header
from .model import LENIENT, NotApplicable, Probe, Sent, Table

__all__ = ["PROBES", "QUERY_ERRORS", "SIGV2"]

Pair = Tuple[str, str]

QUERY_ERRORS = "https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html"
SIGV4_QUERY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html"
SIGV2 = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html"
FORM = "application/x-www-form-urlencoded; charset=utf-8"


def _params(ctx: Context) -> str:
    operation = ctx.operation()
    return f"Action={operation.action}&Version={operation.version}"


def _form(ctx: Context, extra: str = "") -> Request:
    body = (_params(ctx) + extra).encode("ascii")
    return ctx.request("POST", "/", [("Content-Type", FORM)], body)


def _get(ctx: Context, extra: str = "") -> Request:
    return ctx.request("GET", "/?" + _params(ctx) + extra)


def _replace(sent: Sent, **changes: object) -> Sent:
    return dataclasses.replace(sent, **changes)  # type: ignore[arg-type]


post_form = signed("sigv4", _form)
get_query = signed("sigv4", _get)
presigned_get = signed("sigv4-query", _get, expires=900)
sigv2_get = signed("sigv2", _get)
sigv2_post = signed("sigv2", _form)


def no_spaces(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _form(ctx)))
    return with_authorization(sent, authorization(sent).replace(", ", ","))


def extra_unsigned(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _form(ctx)))
    return _replace(sent, headers=(*sent.headers, ("X-Probe-Note", "not signed")))


def expect_continue(ctx: Context) -> Sent:
    body = _params(ctx).encode("ascii")
    headers = [
        ("Content-Type", FORM),
        ("Content-Length", str(len(body))),
        ("Expect", "100-continue"),
    ]
    return ctx.crafted("POST", "/", ctx.craft_header("POST", "/", headers, body=body), body=body)


def presigned_before_midnight(ctx: Context) -> Sent:
    now = ctx.now()
    at = now.replace(hour=0, minute=0, second=0) - _dt.timedelta(seconds=10)
    lifetime = min(int((now - at).total_seconds()) + 900, 604800)
    target = "/?" + _params(ctx)
    crafted = ctx.craft_presign("GET", target, at=at, expires=str(lifetime))
    return ctx.crafted("GET", "/?" + crafted.query, crafted)


def tamper_body(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _form(ctx)))
    body = sent.body + b"&MaxResults=1"
    headers = replace_header(sent.headers, "Content-Length", str(len(body)))
    return _replace(sent, headers=tuple(headers), body=body)


def tamper_query(ctx: Context) -> Sent:
    signed = ctx.sign("sigv4", _get(ctx))
    return ctx.sent(signed, target=signed.request.target + "&MaxResults=1")


def tamper_method(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _get(ctx)))
    headers = (*sent.headers, ("Content-Length", "0"))
    return _replace(sent, method="POST", headers=headers)


def tamper_signature(ctx: Context) -> Sent:
    sent = ctx.sent(ctx.sign("sigv4", _form(ctx)))
    return with_authorization(sent, flip_last(authorization(sent)))


def credentials(scheme: str, kind: str) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        creds = ctx.credentials
        if kind == "unknown":
            using = Credentials(UNKNOWN_ACCESS_KEY, WRONG_SECRET)
        elif kind == "wrong":
            using = Credentials(creds.access_key, WRONG_SECRET, creds.token)
        else:
            if creds.token is not None:
                raise NotApplicable("the credentials carry a session token")
            using = Credentials(creds.access_key, creds.secret_key, "probe-token")
        request = _form(ctx) if scheme == "sigv4" else _get(ctx)
        return ctx.sent(ctx.sign(scheme, request, credentials=using))

    return build


def anonymous(ctx: Context) -> Sent:
    return ctx.sent(_form(ctx))


def skewed(ctx: Context) -> Sent:
    return ctx.sent(ctx.sign("sigv4", _form(ctx), at=ctx.now() - _dt.timedelta(minutes=20)))


def scope(part: str) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        body = _params(ctx).encode("ascii")
        headers: Sequence[Pair] = [("Content-Type", FORM), ("Content-Length", str(len(body)))]
        change = {"region": ctx.other_region()} if part == "region" else {}
        if part == "service":
            change = {"service": ctx.other_service()}
        crafted = ctx.craft_header("POST", "/", headers, body=body, **change)
        return ctx.crafted("POST", "/", crafted, body=body)

    return build


def presign_expired(ctx: Context) -> Sent:
    at = ctx.now() - _dt.timedelta(hours=2)
    return ctx.sent(ctx.sign("sigv4-query", _get(ctx), at=at, expires=60))


def presign_tamper(ctx: Context) -> Sent:
    signed = ctx.sign("sigv4-query", _get(ctx), expires=900)
    return ctx.sent(signed, target=signed.request.target + "&MaxResults=1")


def sigv2_tamper(ctx: Context) -> Sent:
    signed = ctx.sign("sigv2", _get(ctx))
    return ctx.sent(signed, target=signed.request.target + "&MaxResults=1")


def sigv2_expired(ctx: Context) -> Sent:
    at = ctx.now() - _dt.timedelta(hours=2)
    return ctx.sent(ctx.sign("sigv2", _get(ctx), at=at, expires=60))


_Q = frozenset({"query-api"})
_SDNM = ("SignatureDoesNotMatch",)
_TOKEN = ("InvalidClientTokenId",)
# Query services answer a stale signature with SignatureDoesNotMatch ("Signature expired"); some
# say RequestTimeTooSkewed, or (SigV2) RequestExpired.
_SKEW = ("SignatureDoesNotMatch", "RequestTimeTooSkewed", "RequestExpired")
_EXPIRED = ("AccessDenied", "SignatureDoesNotMatch")


_TABLE = Table(_Q, SIGV4_QUERY, QUERY_ERRORS)
_a, _r = _TABLE.accept, _TABLE.refuse

PROBES: List[Probe] = [
    _a("sigv4/post-form", "the call as a form POST", post_form),
    _a("sigv4/get-query", "the call as a GET with the parameters in the URL", get_query),
    _a("sigv4/authorization-no-spaces", "Authorization without spaces after the commas",
       no_spaces),
    _a("sigv4/extra-unsigned-header", "an unsigned header that is not x-amz-*", extra_unsigned),
    _a("sigv4/expect-100-continue", "form POST with Expect: 100-continue signed",
       expect_continue),
    _a("sigv4-query/get", "presigned GET", presigned_get),
    _a("sigv4-query/signed-before-midnight",
       "URL signed at 23:59:50 UTC yesterday, used today", presigned_before_midnight),
    _a("sigv2/get", "SigV2 (HmacSHA256) GET", sigv2_get, SIGV2),
    _a("sigv2/post", "SigV2 (HmacSHA256) form POST", sigv2_post, SIGV2),
    _r("sigv4/tamper-body", "a parameter added to the form after signing", tamper_body, _SDNM,
       403),
    _r("sigv4/tamper-query", "a parameter added to the URL after signing", tamper_query, _SDNM,
       403),
    _r("sigv4/tamper-method", "signed GET, sent as POST", tamper_method, _SDNM, 403),
    _r("sigv4/tamper-signature", "one digit of the signature changed", tamper_signature, _SDNM,
       403),
    _r("sigv4/wrong-secret", "the right access key, a wrong secret",
       credentials("sigv4", "wrong"), _SDNM, 403),
    _r("sigv4/unknown-key", "an access key the server does not know",
       credentials("sigv4", "unknown"), _TOKEN, 403),
    _r("sigv4/unexpected-token", "a session token no one issued, signed",
       credentials("sigv4", "token"), _TOKEN, 403, QUERY_ERRORS, "no-session-token"),
    _r("anonymous/post-form", "no signature at all", anonymous, ("MissingAuthenticationToken",),
       403),
    _r("sigv4/skewed-past", "signed 20 minutes ago", skewed, _SKEW, 403),
    _r("sigv4/scope-other-region", "a valid signature for another region", scope("region"),
       _SDNM, 403, if_accepted=LENIENT),
    _r("sigv4/scope-other-service", "a valid signature for another service", scope("service"),
       _SDNM, 403, if_accepted=LENIENT),
    _r("sigv4-query/expired", "URL expired an hour ago", presign_expired, _EXPIRED, 403),
    _r("sigv4-query/tamper-query", "a parameter added to a presigned URL", presign_tamper,
       _SDNM, 403),
    _r("sigv2/tamper-query", "a parameter added after signing", sigv2_tamper, _SDNM, 403),
    _r("sigv2/wrong-secret", "the right access key, a wrong secret",
       credentials("sigv2", "wrong"), _SDNM, 403),
    _r("sigv2/unknown-key", "an access key the server does not know",
       credentials("sigv2", "unknown"), _TOKEN, 403),
    _r("sigv2/expired", "Expires an hour ago", sigv2_expired, ("RequestExpired",), 400),
]  # fmt: skip
