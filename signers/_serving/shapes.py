"""Success answers an SDK can parse, per protocol, for a request that verified.

A verified request is answered as the service would answer an empty account:

- **S3** (the request's signing name is an S3 one, or it used S3's legacy scheme): the
  operation is recognised from the method, the bucket and key (path-style or virtual-hosted)
  and the sub-resources in the query: ``PutObject`` / ``UploadPart`` 200 with the ``ETag`` (MD5
  of the body), ``CopyObject`` / ``UploadPartCopy`` their XML, ``GetObject`` 200 whose content
  is the verification account (JSON), ``HeadObject`` its headers, ``ListObjectsV2`` /
  ``ListObjects`` / ``ListBuckets`` / ``ListMultipartUploads`` empty listings,
  ``CreateBucket`` 200 with ``Location``, ``HeadBucket`` 200, ``DeleteObject`` /
  ``DeleteBucket`` / ``AbortMultipartUpload`` 204, ``DeleteObjects`` ``<DeleteResult>``,
  ``CreateMultipartUpload`` / ``CompleteMultipartUpload`` their XML,
  ``GetBucketLocation`` the region; anything else 200 with an empty body;
- **query** (an ``Action`` in the query or form body): ``<ActionResponse>`` with an empty
  ``<ActionResult>`` and ``<ResponseMetadata><RequestId>``; EC2's shape (``<requestId>``, no
  result wrapper) when the signing name or host is EC2's, and both when no service is named
  (SigV2);
- **JSON** (``application/x-amz-json-*`` or ``X-Amz-Target``): ``{}`` in the request's type;
- anything else (REST APIs: API Gateway, Lambda, OpenSearch ...): ``{}`` as
  ``application/json``; the REST-XML ones (Route 53, CloudFront): an empty body.

:func:`s3_address` reads bucket and key from a request, as the forwarder needs them too.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
from typing import Any, List, NamedTuple, Optional, Protocol, Sequence, Tuple
from xml.sax.saxutils import escape

from .._encoding import percent_decode_str
from .._verification.answers import S3_SERVICES
from .._verification.sigv4_parse import QUERY_AUTH
from ..model import Request
from ..s3_v2 import bucket_from_host

__all__ = [
    "Answer",
    "S3Address",
    "Scope",
    "md5_hasher",
    "s3_address",
    "s3_operation",
    "success",
]

Header = Tuple[str, str]

_S3_XMLNS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
#: REST services whose answers are XML (an empty body parses; ``{}`` would not).
_REST_XML_SERVICES = frozenset({"route53", "cloudfront", "s3-control", "s3control"})


class Scope(Protocol):
    """A region and a service (``None``: not known, or any)."""

    @property
    def region(self) -> Optional[str]: ...
    @property
    def service(self) -> Optional[str]: ...


class Answer(NamedTuple):
    """An answer to send: status, headers (without length and ids), body."""

    status: int
    headers: List[Header]
    body: bytes


class S3Address(NamedTuple):
    """Bucket and key of an S3 request (``None`` when absent); ``virtual``: the bucket came from
    the host name."""

    bucket: Optional[str]
    key: Optional[str]
    virtual: bool


def md5_hasher() -> Any:
    """An MD5 object for ETags (not a security use: FIPS builds allow it so marked)."""
    try:
        return hashlib.md5(usedforsecurity=False)  # type: ignore[call-arg,unused-ignore]
    except TypeError:  # Python 3.8
        return hashlib.md5()


def _x(value: str) -> str:
    # XML text: characters XML 1.0 cannot carry become U+FFFD.
    cleaned = "".join(
        c if (c >= " " or c in "\t\n\r") and not 0xD800 <= ord(c) <= 0xDFFF else "\ufffd"
        for c in value
    )
    return escape(cleaned)


#: Query parameters that are not sub-resources: authentication, GetObject's overrides, ids.
_NOT_SUB_RESOURCES = frozenset(QUERY_AUTH) | {
    "x-amz-content-sha256",
    "x-amz-region-set",
    "x-amz-user-agent",
    "x-id",
    "awsaccesskeyid",
    "signature",
    "expires",
    "versionid",
}


#: ListObjects' parameters (a GET of a bucket with only these is a listing).
_LISTING_PARAMETERS = frozenset(
    {"prefix", "marker", "max-keys", "delimiter", "encoding-type", "fetch-owner"}
)


def _query_names(request: Request) -> List[Header]:
    return [(percent_decode_str(n), percent_decode_str(v)) for n, v in request.query_pairs()]


def _sub_resources(params: List[Header]) -> List[str]:
    return [
        name
        for name, _ in params
        if name.lower() not in _NOT_SUB_RESOURCES and not name.startswith("response-")
    ]


def s3_address(request: Request, virtual_host_suffix: Optional[str] = None) -> S3Address:
    """The bucket and key a request addresses, path-style or virtual-hosted.

    A host ``<bucket>.s3.<anything>`` or ``<bucket>.s3-<anything>`` (AWS's forms, and custom
    endpoints named the same way) or ``<bucket>.<virtual_host_suffix>`` addresses ``<bucket>``.
    """
    host = request.host.lower().rstrip(".")
    bucket = bucket_from_host(host, virtual_host_suffix)
    if bucket is None:
        end = max(host.rfind(".s3."), host.rfind(".s3-"))
        bucket = host[:end] if end > 0 else None
    path = percent_decode_str(request.path)
    if bucket is not None:
        rest = path[1:] if path.startswith("/") else path
        return S3Address(bucket, rest or None, True)
    parts = path.lstrip("/").split("/", 1) if path.startswith("/") else [path]
    first = parts[0] or None
    key = parts[1] if len(parts) == 2 and parts[1] else None
    return S3Address(first, key, False)


def s3_operation(method: str, address: S3Address, names: Sequence[str]) -> str:
    """S3's name for the operation (``"Unknown"`` when not recognised)."""
    has = set(names).__contains__
    if address.bucket is None:
        return "ListBuckets" if method == "GET" else "Unknown"
    if address.key is None:
        if method == "GET":
            for name, operation in (
                ("list-type", "ListObjectsV2"),
                ("location", "GetBucketLocation"),
                ("uploads", "ListMultipartUploads"),
                ("versioning", "GetBucketVersioning"),
            ):
                if has(name):
                    return operation
            listing = all(name in _LISTING_PARAMETERS for name in names)
            return "ListObjects" if listing else "Unknown"
        if method == "PUT":
            return "CreateBucket" if not names else "Unknown"
        if method == "POST" and has("delete"):
            return "DeleteObjects"
        return {"HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(method, "Unknown")
    if method == "POST":
        if has("uploads"):
            return "CreateMultipartUpload"
        return "CompleteMultipartUpload" if has("uploadId") else "Unknown"
    if method == "PUT":
        if has("partNumber") and has("uploadId"):
            return "UploadPart"
        return "PutObject" if not names else "Unknown"
    if method == "DELETE":
        return "AbortMultipartUpload" if has("uploadId") else "DeleteObject"
    if method in ("GET", "HEAD") and not names:
        return "GetObject" if method == "GET" else "HeadObject"
    return "Unknown"


def _http_date(at: _dt.datetime) -> str:
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return (
        f"{days[at.weekday()]}, {at.day:02d} {months[at.month - 1]} {at.year} "
        f"{at.hour:02d}:{at.minute:02d}:{at.second:02d} GMT"
    )


def _xml(root: str, inner: str, *, namespace: str = _S3_XMLNS) -> bytes:
    return (_XML_HEAD + f"<{root}{namespace}>{inner}</{root}>").encode("utf-8")


_V2_ECHOED = (("continuation-token", "ContinuationToken"), ("start-after", "StartAfter"))


def _listing(operation: str, bucket: str, params: List[Header]) -> bytes:
    values = dict(params)
    inner = f"<Name>{_x(bucket)}</Name><Prefix>{_x(values.get('prefix', ''))}</Prefix>"
    if "delimiter" in values:
        inner += f"<Delimiter>{_x(values['delimiter'])}</Delimiter>"
    max_keys = values.get("max-keys", "1000")
    inner += f"<MaxKeys>{max_keys if max_keys.isdigit() else '1000'}</MaxKeys>"
    if operation == "ListObjectsV2":
        inner += "<KeyCount>0</KeyCount>"
        for name, element in _V2_ECHOED:
            if name in values:
                inner += f"<{element}>{_x(values[name])}</{element}>"
    else:
        inner += f"<Marker>{_x(values.get('marker', ''))}</Marker>"
    return _xml("ListBucketResult", inner + "<IsTruncated>false</IsTruncated>")


def _s3_answer(
    request: Request,
    address: S3Address,
    account: bytes,
    body_md5: Optional[str],
    region: Optional[str],
) -> Answer:
    params = _query_names(request)
    names = _sub_resources(params)
    operation = s3_operation(request.method, address, names)
    now = _dt.datetime.now(_dt.timezone.utc)
    etag = '"' + (body_md5 or md5_hasher().hexdigest()) + '"'
    bucket = address.bucket or ""
    key = address.key or ""
    copying = request.header("x-amz-copy-source") is not None
    if operation in ("GetObject", "HeadObject"):
        hasher = md5_hasher()
        hasher.update(account)
        headers = [
            ("Content-Type", "application/json"),
            ("ETag", '"' + hasher.hexdigest() + '"'),
            ("Last-Modified", _http_date(now)),
            ("Accept-Ranges", "bytes"),
        ]
        return Answer(200, headers, account)
    if operation in ("PutObject", "UploadPart") and copying:
        root = "CopyObjectResult" if operation == "PutObject" else "CopyPartResult"
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        inner = f"<LastModified>{stamp}</LastModified><ETag>{_x(etag)}</ETag>"
        return Answer(200, [("Content-Type", "application/xml")], _xml(root, inner))
    if operation in ("PutObject", "UploadPart"):
        return Answer(200, [("ETag", etag)], b"")
    if operation in ("DeleteObject", "DeleteBucket", "AbortMultipartUpload"):
        return Answer(204, [], b"")
    if operation == "CreateBucket":
        return Answer(200, [("Location", "/" + bucket)], b"")
    if operation == "HeadBucket":
        return Answer(200, [("x-amz-bucket-region", region or "us-east-1")], b"")
    xml = [("Content-Type", "application/xml")]
    if operation in ("ListObjectsV2", "ListObjects"):
        return Answer(200, xml, _listing(operation, bucket, params))
    if operation == "ListBuckets":
        inner = "<Owner><ID>sigbridge</ID><DisplayName>sigbridge</DisplayName></Owner><Buckets/>"
        return Answer(200, xml, _xml("ListAllMyBucketsResult", inner))
    if operation == "GetBucketLocation":
        where = "" if region in (None, "us-east-1") else _x(region or "")
        return Answer(200, xml, _xml("LocationConstraint", where))
    if operation == "GetBucketVersioning":
        return Answer(200, xml, _xml("VersioningConfiguration", ""))
    if operation == "ListMultipartUploads":
        inner = f"<Bucket>{_x(bucket)}</Bucket><IsTruncated>false</IsTruncated>"
        return Answer(200, xml, _xml("ListMultipartUploadsResult", inner))
    if operation == "DeleteObjects":
        return Answer(200, xml, _xml("DeleteResult", ""))
    located = f"<Bucket>{_x(bucket)}</Bucket><Key>{_x(key)}</Key>"
    if operation == "CreateMultipartUpload":
        inner = located + f"<UploadId>{secrets.token_hex(16)}</UploadId>"
        return Answer(200, xml, _xml("InitiateMultipartUploadResult", inner))
    if operation == "CompleteMultipartUpload":
        where = f"<Location>/{_x(bucket)}/{_x(key)}</Location>"
        inner = where + located + f"<ETag>{_x(etag)}</ETag>"
        return Answer(200, xml, _xml("CompleteMultipartUploadResult", inner))
    return Answer(200, [], b"")


def _action(request: Request) -> str:
    found = next((v for n, v in _query_names(request) if n == "Action"), "")
    if not found and (request.header("content-type") or "").lower().startswith(
        "application/x-www-form-urlencoded"
    ):
        body = request.body if isinstance(request.body, bytes) else b""
        for piece in body.decode("latin-1").split("&"):
            name, _, value = piece.partition("=")
            if name == "Action":
                found = percent_decode_str(value.replace("+", " "))
                break
    return found


def _query_answer(action: str, service: Optional[str], host: str, request_id: str) -> Answer:
    name = action if action.isascii() and action.isalnum() else "Unknown"
    xml = [("Content-Type", "text/xml")]
    if service is None and host.lower().startswith("ec2."):
        service = "ec2"
    if service == "ec2":
        namespace = ' xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"'
        inner = f"<requestId>{request_id}</requestId>"
        return Answer(200, xml, _xml(name + "Response", inner, namespace=namespace))
    inner = (
        f"<{name}Result/><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
    )
    if service is None:
        # SigV2 names no service: EC2's parser reads <requestId>, the others ignore it.
        inner += f"<requestId>{request_id}</requestId>"
    return Answer(200, xml, _xml(name + "Response", inner, namespace=""))


def success(
    request: Request,
    *,
    scheme: str,
    service: Optional[str],
    region: Optional[str],
    account: bytes,
    request_id: str,
    body_md5: Optional[str] = None,
    virtual_host_suffix: Optional[str] = None,
) -> Answer:
    """The answer to a request that verified (see the module's docstring).

    ``account`` is the verification account (JSON), GetObject's content; ``body_md5`` the hex
    MD5 of the body received (an object's ETag).
    """
    content_type = (request.header("content-type") or "").lower()
    if content_type.startswith("application/x-amz-json"):
        return Answer(200, [("Content-Type", content_type)], b"{}")
    if request.has_header("x-amz-target"):
        return Answer(200, [("Content-Type", "application/x-amz-json-1.1")], b"{}")
    if scheme.startswith("s3-") or service in S3_SERVICES:
        address = s3_address(request, virtual_host_suffix)
        return _s3_answer(request, address, account, body_md5, region)
    action = _action(request)
    if action:
        return _query_answer(action, service, request.host, request_id)
    if service in _REST_XML_SERVICES:
        return Answer(200, [], b"")
    return Answer(200, [("Content-Type", "application/json")], b"{}")
