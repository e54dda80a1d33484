"""botocore as a test-time oracle for the legacy schemes (``SigV2Auth``, ``HmacV1Auth``,
``HmacV1QueryAuth``).

botocore reads the clock itself; :func:`frozen_clock` pins it (``botocore.auth.time`` and
``botocore.auth.formatdate``) for the duration of one call.  This happens only in tests.

Each ``*_supported`` function says why botocore cannot express a case (``None`` when it can);
the differences are botocore's, documented in ``vectors/*/README.md``:

- SigV2Auth: HmacSHA256 only; always sets ``Timestamp`` (no ``Expires``); a dict of parameters (no
  repeated names); signs ``urlsplit(url).netloc`` as given (no lower-casing, default port kept);
  POST signs only the body's parameters, and only when there is a body.
- HmacV1Auth: always replaces ``Date`` with the current time and keeps the Date line even when
  ``x-amz-date`` is sent; signs ``?name=`` as ``name=`` (S3 signs it like ``?name``); signs a
  longer list of sub-resources (``accelerate``, ``select``, ...).
- HmacV1QueryAuth: does not sign ``x-amz-*`` query parameters; copies ``x-amz-*``,
  ``Content-Type`` and ``Content-MD5`` headers into the URL.
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import time as _time
from typing import Any, Dict, Iterator, List, Optional, Tuple
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from .legacy_reference import (
    S3_SUB_RESOURCES,
    ParsedRequest,
    form_decode,
    options_for,
    parse_time,
    s3_bucket,
)

Pair = Tuple[str, str]

#: The query parameters botocore's HmacV1Auth signs that sigbridge (and S3's documentation) do not.
BOTOCORE_ONLY_SUB_RESOURCES = sorted(
    set(botocore.auth.HmacV1Auth.QSAOfInterest) - set(S3_SUB_RESOURCES)
)


class _FrozenTime:
    def __init__(self, epoch: float) -> None:
        self._epoch = epoch

    def time(self) -> float:
        return self._epoch

    def gmtime(self, *_: Any) -> _time.struct_time:
        return _time.gmtime(self._epoch)

    def strftime(self, fmt: str, value: Any = None) -> str:
        return _time.strftime(fmt, value if value is not None else _time.gmtime(self._epoch))


@contextlib.contextmanager
def frozen_clock(when: datetime.datetime, date: Optional[str] = None) -> Iterator[None]:
    """Pin botocore.auth's clock to ``when`` (aware UTC); ``formatdate`` returns ``date`` if given.

    ``date`` lets botocore's HmacV1Auth (which always writes its own Date header) reproduce a
    request whose Date header was set by the caller in another spelling (``+0000`` for ``GMT``).
    """
    epoch = when.timestamp()
    text = date if date is not None else email.utils.formatdate(epoch, usegmt=True)

    def formatdate(*_: Any, **__: Any) -> str:
        return text

    with mock.patch.object(botocore.auth, "time", _FrozenTime(epoch)), mock.patch.object(
        botocore.auth, "formatdate", formatdate
    ):
        yield


def _credentials(context: Dict[str, Any]) -> botocore.credentials.Credentials:
    creds = context["credentials"]
    return botocore.credentials.Credentials(
        creds["access_key_id"], creds["secret_access_key"], creds.get("token")
    )


def _aws_request(
    request: ParsedRequest, scheme: str = "https", **kwargs: Any
) -> botocore.awsrequest.AWSRequest:
    url = kwargs.pop("url", None) or request_url(request, scheme)
    aws = botocore.awsrequest.AWSRequest(method=request.method, url=url, **kwargs)
    for name, value in request.headers:
        aws.headers[name] = value  # HTTPHeaders appends: repeated names survive
    return aws


# -- SigV2 -------------------------------------------------------------------------------------


def sigv2_supported(request: ParsedRequest, context: Dict[str, Any]) -> Optional[str]:
    options = options_for(context, "query")
    if options.get("signature_method", "HmacSHA256") != "HmacSHA256":
        return "SigV2Auth signs with HmacSHA256 only"
    if "expires" in options:
        return "SigV2Auth always sends Timestamp, never Expires"
    query = request.target.partition("?")[2]
    content_type = request.get("Content-Type")
    is_form = content_type is not None and content_type.split(";")[0].strip().lower() == (
        "application/x-www-form-urlencoded"
    )
    body_params = form_decode(request.body.decode("utf-8")) if is_form else []
    query_params = form_decode(query)
    names = [n for n, _ in query_params + body_params]
    if len(names) != len(set(names)):
        return "SigV2Auth takes a dict: no repeated parameter names"
    if "Timestamp" in names or "Expires" in names:
        return "SigV2Auth overwrites Timestamp and never sends Expires"
    host = request.get("Host") or ""
    if host != host.lower() or host.endswith(":443"):
        return "SigV2Auth signs the netloc as given (no lower-casing, default port kept)"
    placement = options.get("placement")
    if request.method == "POST":
        if not is_form or not body_params:
            return "SigV2Auth puts the parameters in the body only when there is a form body"
        if query_params:
            return "SigV2Auth does not sign URL parameters of a POST"
        if placement == "query":
            return "SigV2Auth always signs a POST's form body"
    elif placement == "body":
        return "SigV2Auth puts the parameters of a GET in the URL"
    return None


def sigv2(request: ParsedRequest, context: Dict[str, Any]) -> Dict[str, Any]:
    """botocore's SigV2: signature, string to sign and the signed parameters (decoded, sorted)."""
    when = parse_time(context["timestamp"])
    path, _, query = request.target.partition("?")
    host = request.get("Host") or ""
    base_url = f"https://{host}{path}"
    if request.method == "POST":
        data = dict(form_decode(request.body.decode("utf-8")))
        aws = _aws_request(request, url=base_url, data=data)
        params = data
    else:
        params = dict(form_decode(query))
        aws = _aws_request(request, url=base_url, params=params)
    auth = botocore.auth.SigV2Auth(_credentials(context))
    with frozen_clock(when):
        auth.add_auth(aws)
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    qs, signature = auth.calc_signature(aws, unsigned)
    netloc = urlsplit(base_url).netloc
    string_to_sign = f"{request.method}\n{netloc}\n{path or '/'}\n{qs}"
    prepared = aws.prepare()
    if request.method == "POST":
        wire = prepared.body.decode("ascii") if isinstance(prepared.body, bytes) else prepared.body
    else:
        wire = urlsplit(prepared.url).query
    return {
        "signature": params["Signature"],
        "string-to-sign": string_to_sign,
        "params": sorted(parse_qsl(wire, keep_blank_values=True)),
        "recomputed-signature": signature,
    }


# -- S3 ----------------------------------------------------------------------------------------


def _query_names(request: ParsedRequest) -> List[Pair]:
    query = request.target.partition("?")[2]
    return [(piece.partition("=")[0], piece) for piece in query.split("&") if piece]


def s3_supported(request: ParsedRequest, context: Dict[str, Any], location: str) -> Optional[str]:
    options = options_for(context, location)
    extra = set(options.get("extra_sub_resources", []))
    for name, piece in _query_names(request):
        if name in BOTOCORE_ONLY_SUB_RESOURCES and name not in extra:
            return f"HmacV1Auth signs {name!r}, which S3's documented list does not"
        if name in extra and name not in botocore.auth.HmacV1Auth.QSAOfInterest:
            return f"HmacV1Auth does not sign {name!r}"
        signed = name in S3_SUB_RESOURCES or name in extra
        if signed and piece.endswith("="):
            return "HmacV1Auth signs '?name=' as 'name=' (S3 signs it like '?name')"
        if location == "query" and name.lower().startswith("x-amz-"):
            return "HmacV1QueryAuth does not sign x-amz-* query parameters"
    if location == "header":
        if request.get("x-amz-date") is not None:
            return "HmacV1Auth keeps the Date line when x-amz-date is sent"
        if len(request.get_all("Date")) > 1:
            return "HmacV1Auth replaces the Date header"
    if "expires_at" in options:
        return "HmacV1QueryAuth takes a duration"
    return None


def _auth_path(request: ParsedRequest, context: Dict[str, Any], location: str) -> Optional[str]:
    bucket = s3_bucket(request.get("Host") or "", options_for(context, location))
    if bucket is None:
        return None
    path = request.target.partition("?")[0] or "/"
    return "/" + bucket + path


def s3(request: ParsedRequest, context: Dict[str, Any], location: str) -> Dict[str, Any]:
    """botocore's HmacV1Auth / HmacV1QueryAuth: signature, string to sign, and what it added."""
    when = parse_time(context["timestamp"])
    options = options_for(context, location)
    aws = _aws_request(request, data=request.body or None)
    aws.auth_path = _auth_path(request, context, location)
    credentials = _credentials(context)
    if location == "header":
        auth: botocore.auth.HmacV1Auth = botocore.auth.HmacV1Auth(credentials)
    else:
        seconds = options.get("expires", context.get("expiration_in_seconds", 3600))
        auth = botocore.auth.HmacV1QueryAuth(credentials, expires=seconds)
    extra = [n for n in options.get("extra_sub_resources", [])]
    date = request.get("Date") if location == "header" else None
    with frozen_clock(when, date.strip() if date else None), mock.patch.object(
        auth, "QSAOfInterest", list(botocore.auth.HmacV1Auth.QSAOfInterest) + extra
    ):
        auth.add_auth(aws)
        # Recompute the string to sign on the headers botocore ended with (Date replaced, token
        # added); canonical_string is the method add_auth signed.
        string_to_sign = auth.canonical_string(
            aws.method, urlsplit(request_url(request)), aws.headers, auth_path=aws.auth_path
        )
    result: Dict[str, Any] = {"string-to-sign": string_to_sign}
    if location == "header":
        authorization = aws.headers["Authorization"]
        result["signature"] = authorization.rpartition(":")[2]
        result["authorization"] = authorization
        result["date"] = aws.headers["Date"]
    else:
        query = urlsplit(aws.url).query
        pairs = parse_qsl(query, keep_blank_values=True)
        result["signature"] = dict(pairs)["Signature"]
        result["url"] = aws.url
        result["added"] = [
            p
            for p in pairs
            if p[0] in ("AWSAccessKeyId", "Expires", "Signature", "x-amz-security-token")
        ]
        result["hoisted"] = [
            p
            for p in pairs
            if (p[0].lower().startswith("x-amz-") and p[0] != "x-amz-security-token")
            or p[0].lower() in ("content-type", "content-md5")
        ]
    return result


def request_url(request: ParsedRequest, scheme: str = "https") -> str:
    return f"{scheme}://{request.get('Host') or ''}{request.target}"
