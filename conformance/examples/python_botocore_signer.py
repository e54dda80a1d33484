#!/usr/bin/env python3
"""An external signer for ``sigbridge conformance --signer``: botocore's signers behind the
JSON-lines protocol (``conformance/protocol.schema.json``, version 1).

    sigbridge conformance --signer 'python conformance/examples/python_botocore_signer.py'

It maps each case onto botocore's own classes -- ``SigV4Auth``/``S3SigV4Auth`` (header),
``SigV4QueryAuth``/``S3SigV4QueryAuth`` (presigned), ``HmacV1Auth``/``HmacV1QueryAuth`` (S3's
legacy scheme) and ``SigV2Auth`` -- with botocore's clock frozen at the case's time, and reports
the canonical request and string to sign where botocore computes them.  A case whose options
botocore has no way to express is answered ``unsupported`` with the reason.  Standard library and
botocore only; an example to copy for other SDKs.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import json
import re
import sys
import time
import types
from typing import Any, Callable, Dict, List, Sequence, Tuple
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import botocore  # type: ignore[import-untyped]
import botocore.auth as auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import ReadOnlyCredentials  # type: ignore[import-untyped]

SCHEMES = ["sigv4", "sigv4-query", "s3-v2", "s3-v2-query", "sigv2"]
KNOWN_OPTIONS = {
    "sigv4": {"region", "service", "s3", "normalize_path", "sign_body", "session_token"},
    "sigv4-query": {
        "region",
        "service",
        "s3",
        "normalize_path",
        "session_token",
        "expires",
        "sign_body",
    },
    "s3-v2": {"addressing"},
    "s3-v2-query": {"addressing", "expires"},
    "sigv2": {"signature_method"},
}


class Unsupported(Exception):
    """The case cannot be expressed with botocore's signers."""


def freeze_clock(at: datetime.datetime) -> None:
    """botocore reads the clock itself: every way it does, answered with the case's time."""
    naive = at.replace(tzinfo=None)

    class Frozen(datetime.datetime):
        @classmethod
        def utcnow(cls) -> Any:
            return naive

        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return at if tz is not None else naive

    patch: Any = auth  # (the module's clock, replaced for this process)
    patch.datetime = types.SimpleNamespace(
        datetime=Frozen, timezone=datetime.timezone, timedelta=datetime.timedelta
    )
    if hasattr(auth, "get_current_datetime"):
        patch.get_current_datetime = lambda remove_tzinfo=True: naive if remove_tzinfo else at
    epoch = at.timestamp()
    patch.time = types.SimpleNamespace(
        time=lambda: epoch, gmtime=lambda *a: time.gmtime(epoch), strftime=time.strftime
    )
    patch.formatdate = lambda *a, **k: email.utils.formatdate(epoch, usegmt=True)


def capture(signer: Any, names: Sequence[Tuple[str, str]], into: Dict[str, Any]) -> None:
    """Record what the signer's stage methods return (botocore computes them internally)."""
    for name, field in names:
        original = getattr(signer, name)

        def wrapped(
            *args: Any, _original: Any = original, _field: str = field, **kwargs: Any
        ) -> Any:
            value = _original(*args, **kwargs)
            into[_field] = value
            return value

        setattr(signer, name, wrapped)


def build_request(case: Dict[str, Any]) -> AWSRequest:
    raw = case["request"]
    body = base64.b64decode(raw["body_base64"])
    request = AWSRequest(method=raw["method"], url=raw["url"], data=body)
    for name, value in raw["headers"]:
        request.headers[name] = value  # (an HTTPMessage: a repeated name is kept, in order)
    return request


def sigv4(
    case: Dict[str, Any], request: AWSRequest, credentials: Any, found: Dict[str, Any]
) -> str:
    options = case["options"]
    s3 = bool(options.get("s3"))
    if options.get("session_token") == "unsigned":
        raise Unsupported("botocore always signs the session token")
    if not s3 and options.get("normalize_path") is False:
        raise Unsupported("botocore normalizes every path but S3's")
    if options.get("sign_body") and (not s3 or case["scheme"] == "sigv4-query"):
        raise Unsupported("botocore adds x-amz-content-sha256 to S3 header signatures only")
    if case["request"]["payload"] != "body":
        raise Unsupported("the payload is given as a hash, not as the body")
    region, service = options["region"], options["service"]
    if case["scheme"] == "sigv4-query":
        cls = auth.S3SigV4QueryAuth if s3 else auth.SigV4QueryAuth
        signer = cls(credentials, service, region, expires=options.get("expires", 3600))
    else:
        signer = (auth.S3SigV4Auth if s3 else auth.SigV4Auth)(credentials, service, region)
    capture(
        signer,
        [
            ("canonical_request", "canonical_request"),
            ("string_to_sign", "string_to_sign"),
            ("signature", "signature"),
        ],
        found,
    )
    signer.add_auth(request)
    return str(request.url)


# <bucket>.s3.amazonaws.com, <bucket>.s3.<region>.amazonaws.com(.cn), <bucket>.s3-<region>...
VIRTUAL_HOST = re.compile(r"^(.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$")


def s3_v2(
    case: Dict[str, Any], request: AWSRequest, credentials: Any, found: Dict[str, Any]
) -> str:
    options = case["options"]
    addressing = options.get("addressing", "auto")
    if addressing not in ("path", "auto"):
        raise Unsupported(f"addressing {addressing!r}: the adapter reads the bucket from the host")
    split = urlsplit(request.url)
    # botocore's S3 client sets auth_path: the bucket, then the key, whatever the addressing
    virtual = VIRTUAL_HOST.match(split.hostname or "") if addressing == "auto" else None
    request.auth_path = ("/" + virtual.group(1) if virtual else "") + (split.path or "/")
    if case["scheme"] == "s3-v2-query":
        signer = auth.HmacV1QueryAuth(credentials, expires=options.get("expires", 3600))
    else:
        signer = auth.HmacV1Auth(credentials)
    capture(signer, [("canonical_string", "string_to_sign"), ("get_signature", "signature")], found)
    signer.add_auth(request)
    return str(request.url)


def sigv2(
    case: Dict[str, Any], request: AWSRequest, credentials: Any, found: Dict[str, Any]
) -> str:
    options = case["options"]
    if options.get("signature_method", "HmacSHA256") != "HmacSHA256":
        raise Unsupported("botocore's SigV2Auth signs with HmacSHA256 only")
    split = urlsplit(request.url)
    body = request.data or b""
    content_type = request.headers.get("Content-Type") or ""
    form = request.method == "POST" and (
        not content_type or content_type.startswith("application/x-www-form-urlencoded")
    )
    if form and split.query:
        raise Unsupported("botocore's SigV2Auth signs either the URL's or the form's parameters")
    if body and not form:
        raise Unsupported("botocore's SigV2Auth reads the parameters from any body there is")
    pairs = parse_qsl(body.decode("utf-8") if form else split.query, keep_blank_values=True)
    if len({name for name, _ in pairs}) != len(pairs):
        raise Unsupported("botocore's SigV2Auth takes the parameters as a dict")
    params = dict(pairs)
    if form:
        request.data = params
    else:
        request.params = params
    signer = auth.SigV2Auth(credentials)
    capture(signer, [("calc_signature", "_pair")], found)
    signer.add_auth(request)
    qs, signature = found.pop("_pair")
    found["signature"] = signature
    encoded = qs + "&Signature=" + quote(signature, safe="-_~")
    if form:
        request.data = encoded.encode("utf-8")
        if not content_type:  # (botocore's query serializer sets it)
            request.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        for name in [n for n in request.headers if n.lower() == "content-length"]:
            del request.headers[name]
            request.headers[name] = str(len(request.data))
        return str(request.url)
    return str(urlunsplit((split.scheme, split.netloc, split.path, encoded, "")))


Sign = Callable[[Dict[str, Any], AWSRequest, Any, Dict[str, Any]], str]
SIGNERS: Dict[str, Sign] = {
    "sigv4": sigv4,
    "sigv4-query": sigv4,
    "s3-v2": s3_v2,
    "s3-v2-query": s3_v2,
    "sigv2": sigv2,
}


def answer(case: Dict[str, Any]) -> Dict[str, Any]:
    scheme = case["scheme"]
    unknown = sorted(set(case["options"]) - KNOWN_OPTIONS[scheme])
    if unknown:
        raise Unsupported(f"option {unknown[0]!r} has no botocore equivalent here")
    at = datetime.datetime.strptime(case["time"], "%Y-%m-%dT%H:%M:%SZ")
    freeze_clock(at.replace(tzinfo=datetime.timezone.utc))
    creds = case["credentials"]
    credentials = ReadOnlyCredentials(
        creds["access_key_id"], creds["secret_access_key"], creds.get("session_token")
    )
    request = build_request(case)
    found: Dict[str, Any] = {}
    url = SIGNERS[scheme](case, request, credentials, found)
    body = request.data if isinstance(request.data, bytes) else b""
    headers: List[List[str]] = [[name, value] for name, value in request.headers.items()]
    if scheme.endswith("-query"):
        # a presigned URL travels alone: its holder sends the request's own headers (botocore
        # leaves the Expires it signed in a Date header of the request it was given)
        headers = [list(pair) for pair in case["request"]["headers"]]
    out: Dict[str, Any] = {
        "id": case["id"],
        "status": "signed",
        "request": {
            "method": request.method,
            "url": url,
            "headers": headers,
            "body_base64": base64.b64encode(body).decode("ascii"),
        },
    }
    out.update({k: v for k, v in found.items() if isinstance(v, str)})
    return out


def main() -> None:
    hello = {"type": "hello", "protocol": 1, "name": "botocore", "version": botocore.__version__,
             "schemes": SCHEMES}  # fmt: skip
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        case = json.loads(line)
        try:
            reply = answer(case)
        except Unsupported as exc:
            reply = {"id": case["id"], "status": "unsupported", "reason": str(exc)}
        except Exception as exc:  # botocore refused the request: the case fails with why
            reply = {"id": case["id"], "status": "error", "message": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
