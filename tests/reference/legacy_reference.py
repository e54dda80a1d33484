"""A deliberately naive reference for the legacy schemes, written from the published algorithms.

Sources: AWS "Signature Version 2 signing process" (query APIs; e.g. the SQS/EC2 developer guides'
"Query Request Authentication") and Amazon S3 "Signing and Authenticating REST Requests" (header
form and "Query String Request Authentication Alternative").

This module is the independent route for the expected values in ``vectors/sigv2`` and
``vectors/s3-v2``: it imports nothing from ``signers``; it uses ``urllib.parse`` for percent
encoding, ``re`` for host names and plain loops everywhere else, one step per line of the spec.
Conventions that the published text leaves open are the ones sigbridge documents, chosen here on
their own (and named ``CHOICE`` below):

- SigV2: incoming parameters are form-encoded (``+`` is a space); repeated names keep the order
  they were sent in (URL query first, then body); a Host header's default port is dropped; the
  signed request carries the parameters in canonical order with ``Signature`` appended.
- S3: ``?name=`` (empty value) signs like ``?name``; in the presigned form ``x-amz-*`` query
  parameters are signed as ``x-amz-*`` headers; the presigned parameters are appended in the
  order AWSAccessKeyId, Expires, x-amz-security-token, Signature.
"""

from __future__ import annotations

import base64
import calendar
import datetime
import hashlib
import hmac
import re
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, unquote, unquote_plus

Pair = Tuple[str, str]

FORM = "application/x-www-form-urlencoded"

S3_SUB_RESOURCES = [
    "acl",
    "cors",
    "delete",
    "lifecycle",
    "location",
    "logging",
    "notification",
    "partNumber",
    "policy",
    "requestPayment",
    "restore",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
    "response-content-type",
    "response-content-language",
    "response-expires",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
]


class ParsedRequest:
    """A raw HTTP/1.1 request split into its parts, nothing interpreted."""

    def __init__(self, method: str, target: str, headers: List[Pair], body: bytes) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body

    def get(self, name: str) -> Optional[str]:
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def get_all(self, name: str) -> List[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]


def parse_raw(data: bytes) -> ParsedRequest:
    """Request line, headers (obs-fold joined with one space), blank line, body as bytes."""
    head, _, body = data.partition(b"\n\n")
    lines = head.decode("utf-8").split("\n")
    method, rest = lines[0].split(" ", 1)
    target = rest.rsplit(" ", 1)[0]
    headers: List[Pair] = []
    for line in lines[1:]:
        if line == "":
            continue
        if line[:1] in (" ", "\t"):
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
        else:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip(" \t")))
    return ParsedRequest(method, target, headers, body)


def render(method: str, target: str, headers: List[Pair], body: bytes) -> bytes:
    """The raw request: request line, ``Name:value`` lines, blank line, body."""
    text = method + " " + target + " HTTP/1.1\n"
    for name, value in headers:
        text += name + ":" + value + "\n"
    text += "\n"
    return text.encode("utf-8") + body


def rfc3986(text: str) -> str:
    """Percent-encode everything but A-Z a-z 0-9 - _ . ~ (UTF-8, upper-case hex)."""
    return quote(text, safe="-_.~", encoding="utf-8", errors="surrogateescape")


def b64_hmac(secret: str, text: str, digest: Any) -> str:
    mac = hmac.new(secret.encode("utf-8"), text.encode("utf-8", "surrogateescape"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


def parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc
    )


# -- SigV2 (query APIs) ------------------------------------------------------------------------


def form_decode(text: str) -> List[Pair]:
    pairs = []
    for piece in text.split("&"):
        if piece == "":
            continue
        if "=" in piece:
            name, value = piece.split("=", 1)
        else:
            name, value = piece, ""
        pairs.append(
            (
                unquote_plus(name, encoding="utf-8", errors="surrogateescape"),
                unquote_plus(value, encoding="utf-8", errors="surrogateescape"),
            )
        )
    return pairs


def sigv2(
    request: ParsedRequest, context: Dict[str, Any], options: Dict[str, Any]
) -> Dict[str, Any]:
    """Sign ``request`` with SigV2; returns string-to-sign, signature and signed-request."""
    creds = context["credentials"]
    when = parse_time(context["timestamp"])
    method_name = options.get("signature_method", "HmacSHA256")
    path, _, query = request.target.partition("?")

    content_type = request.get("Content-Type")
    is_form = content_type is not None and content_type.split(";")[0].strip().lower() == FORM

    # Where the parameters go.
    placement = options.get("placement")
    if placement is None:
        if request.method == "POST" and (is_form or (content_type is None and not request.body)):
            placement = "body"
        else:
            placement = "query"

    # Step 0: the request's own parameters, URL query first, then a form body.
    query_params = form_decode(query)
    body_params = form_decode(request.body.decode("utf-8")) if is_form else []

    # Step 1: the parameters SigV2 adds.
    added = [
        ("AWSAccessKeyId", creds["access_key_id"]),
        ("SignatureVersion", "2"),
        ("SignatureMethod", method_name),
    ]
    names = [n for n, _ in query_params + body_params]
    if "Expires" not in names and "Timestamp" not in names:
        if "expires" in options:
            expires_at = when + datetime.timedelta(seconds=options["expires"])
            added.append(("Expires", expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")))
        else:
            added.append(("Timestamp", when.strftime("%Y-%m-%dT%H:%M:%SZ")))
    if creds.get("token"):
        added.append(("SecurityToken", creds["token"]))

    # Step 2: sort by parameter name in natural byte order (stable for repeated names).
    everything = query_params + body_params + added
    everything.sort(key=lambda pair: pair[0].encode("utf-8", "surrogateescape"))

    # Step 3: encode per RFC 3986 and join.
    canonical = "&".join(rfc3986(n) + "=" + rfc3986(v) for n, v in everything)

    # Step 4: the string to sign: verb, lower-case host (no default port), path, query.
    host = request.get("Host").strip().lower()  # type: ignore[union-attr]
    if host.endswith(":443"):  # the vectors are all https
        host = host[: -len(":443")]
    string_to_sign = request.method + "\n" + host + "\n" + (path or "/") + "\n" + canonical

    # Step 5: HMAC and base64.
    digest = hashlib.sha256 if method_name == "HmacSHA256" else hashlib.sha1
    signature = b64_hmac(creds["secret_access_key"], string_to_sign, digest)

    # The signed request.
    headers = list(request.headers)
    body = request.body
    if placement == "query":
        params = query_params + added
        params.sort(key=lambda pair: pair[0].encode("utf-8", "surrogateescape"))
        new_query = "&".join(rfc3986(n) + "=" + rfc3986(v) for n, v in params)
        target = (path or "/") + "?" + new_query + "&Signature=" + rfc3986(signature)
    else:
        params = body_params + added
        params.sort(key=lambda pair: pair[0].encode("utf-8", "surrogateescape"))
        new_body = "&".join(rfc3986(n) + "=" + rfc3986(v) for n, v in params)
        body = (new_body + "&Signature=" + rfc3986(signature)).encode("ascii")
        target = request.target
        headers = [(n, str(len(body)) if n.lower() == "content-length" else v) for n, v in headers]
        if content_type is None:
            headers.append(("Content-Type", FORM))
    return {
        "string-to-sign": string_to_sign,
        "signature": signature,
        "signed-request": render(request.method, target, headers, body),
    }


# -- S3's legacy scheme ------------------------------------------------------------------------

_AWS_VIRTUAL_HOST = re.compile(
    r"^(.+)\.(s3|s3-[a-z0-9-]+)((\.[a-z0-9-]+)*)\.amazonaws\.com(\.cn)?$"
)


def s3_bucket(host: str, options: Dict[str, Any]) -> Optional[str]:
    """The bucket named by the Host (virtual-hosted style or CNAME), or None for path-style."""
    host = host.lower()
    if ":" in host:
        host = host.split(":")[0]
    addressing = options.get("addressing", "auto")
    if addressing == "path":
        return None
    if addressing == "cname":
        return host
    if "bucket" in options:
        return str(options["bucket"])
    suffix = options.get("virtual_host_suffix")
    if suffix and host.endswith("." + suffix):
        return host[: -len("." + suffix)]
    match = _AWS_VIRTUAL_HOST.match(host)
    if match:
        return match.group(1)
    if addressing == "virtual":
        raise ValueError("no bucket in host")
    return None


def s3_string_to_sign(
    request: ParsedRequest,
    options: Dict[str, Any],
    date_line: str,
    extra_amz: List[Pair],
) -> str:
    path, _, query = request.target.partition("?")

    # CanonicalizedAmzHeaders: lower-case names, sorted, repeated names comma-joined, trimmed.
    amz: Dict[str, List[str]] = {}
    for name, value in list(request.headers) + extra_amz:
        lowered = name.lower()
        if lowered.startswith("x-amz-"):
            amz.setdefault(lowered, []).append(value.strip())
    amz_lines = ""
    for name in sorted(amz):
        amz_lines += name + ":" + ",".join(amz[name]) + "\n"

    # CanonicalizedResource: [/bucket] + undecoded path + sorted sub-resources with values.
    resource = ""
    bucket = s3_bucket(request.get("Host") or "", options)
    if bucket is not None:
        resource += "/" + bucket
    resource += path or "/"
    signed_names = S3_SUB_RESOURCES + list(options.get("extra_sub_resources", []))
    subs = []
    for piece in query.split("&"):
        if piece == "":
            continue
        name, _, value = piece.partition("=")
        if name in signed_names:
            subs.append((name, unquote(value, encoding="utf-8", errors="surrogateescape")))
    subs.sort(key=lambda pair: pair[0])
    if subs:
        resource += "?" + "&".join(n + "=" + v if v != "" else n for n, v in subs)

    content_md5 = (request.get("Content-MD5") or "").strip()
    content_type = (request.get("Content-Type") or "").strip()
    return (
        request.method
        + "\n"
        + content_md5
        + "\n"
        + content_type
        + "\n"
        + date_line
        + "\n"
        + amz_lines
        + resource
    )


def rfc1123(when: datetime.datetime) -> str:
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    day = days[when.weekday()]
    month = months[when.month - 1]
    clock = f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    return f"{day}, {when.day:02d} {month} {when.year:04d} {clock} GMT"


def s3_header(
    request: ParsedRequest, context: Dict[str, Any], options: Dict[str, Any]
) -> Dict[str, Any]:
    """S3's header form: Date (when absent), x-amz-security-token, Authorization."""
    creds = context["credentials"]
    when = parse_time(context["timestamp"])
    added: List[Pair] = []
    if request.get("x-amz-date") is not None:
        date_line = ""
    elif request.get("Date") is not None:
        date_line = request.get("Date").strip()  # type: ignore[union-attr]
    else:
        date_line = rfc1123(when)
        added.append(("Date", date_line))
    if creds.get("token"):
        added.append(("x-amz-security-token", creds["token"]))
    string_to_sign = s3_string_to_sign(request, options, date_line, added)
    signature = b64_hmac(creds["secret_access_key"], string_to_sign, hashlib.sha1)
    added.append(("Authorization", "AWS " + creds["access_key_id"] + ":" + signature))
    return {
        "string-to-sign": string_to_sign,
        "signature": signature,
        "signed-request": render(
            request.method, request.target, list(request.headers) + added, request.body
        ),
    }


def s3_query(
    request: ParsedRequest, context: Dict[str, Any], options: Dict[str, Any]
) -> Dict[str, Any]:
    """S3's presigned form: AWSAccessKeyId, Expires, [x-amz-security-token], Signature."""
    creds = context["credentials"]
    when = parse_time(context["timestamp"])
    seconds = options.get("expires", context.get("expiration_in_seconds", 3600))
    expires = str(calendar.timegm(when.utctimetuple()) + int(seconds))
    _, _, query = request.target.partition("?")
    extra_amz: List[Pair] = []
    for piece in query.split("&"):
        name, _, value = piece.partition("=")
        if name.lower().startswith("x-amz-"):
            extra_amz.append((name, unquote(value)))
    if creds.get("token"):
        extra_amz.append(("x-amz-security-token", creds["token"]))
    string_to_sign = s3_string_to_sign(request, options, expires, extra_amz)
    signature = b64_hmac(creds["secret_access_key"], string_to_sign, hashlib.sha1)
    params = [("AWSAccessKeyId", creds["access_key_id"]), ("Expires", expires)]
    if creds.get("token"):
        params.append(("x-amz-security-token", creds["token"]))
    params.append(("Signature", signature))
    added = "&".join(n + "=" + rfc3986(v) for n, v in params)
    target = request.target + ("&" if "?" in request.target else "?") + added
    return {
        "string-to-sign": string_to_sign,
        "signature": signature,
        "signed-request": render(request.method, target, list(request.headers), request.body),
    }


def options_for(context: Dict[str, Any], location: str) -> Dict[str, Any]:
    """The signer options of a vector at ``location`` (``options`` + ``<location>_options``)."""
    options = dict(context.get("options", {}))
    options.update(context.get(location + "_options", {}))
    return options


def sign(
    family: str, location: str, request: ParsedRequest, context: Dict[str, Any]
) -> Dict[str, Any]:
    options = options_for(context, location)
    if family == "sigv2":
        return sigv2(request, context, options)
    if location == "header":
        return s3_header(request, context, options)
    return s3_query(request, context, options)
