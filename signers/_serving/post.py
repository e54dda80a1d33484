"""Browser POST uploads (``multipart/form-data`` to a bucket) as ``serve`` takes them.

S3, "Browser-Based Uploads Using POST" (sigv4-authentication-HTTPPOST, HTTPPOSTForms,
RESTObjectPOST): a form POSTed to the bucket's URL carries the object key, a base64 policy and its
signature; S3 verifies the signature over the policy, the policy's expiry and every condition, and
stores the part named ``file``.  Here:

1. :func:`post_address` says whether a request is such an upload: a ``POST`` of
   ``multipart/form-data`` to a bucket (path-style ``/bucket`` or a virtual host), without
   header or query authentication, to an S3 endpoint;
2. :func:`check_form` is :func:`signers.verify_post_request` over the body as it arrives (the
   library's multipart parser keeps the fields in memory under S3's 20 KiB bound and spools the
   file to a temporary file) with the server's lookup, clock, region and the bucket addressed;
   its errors are S3's;
3. a verified upload is answered as S3 answers (:func:`post_answer`: ``success_action_redirect``
   303, ``success_action_status`` 200 or 201 with ``<PostResponse>``, else 204), or goes to the
   upstream as an ordinary ``PutObject`` of the file (:func:`put_object`), which a store that
   knows nothing of POST policies accepts.
"""

from __future__ import annotations

import datetime as _dt
import io
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .._encoding import uri_encode
from .._multipart import MAX_FORM_BYTES, FilePart
from .._post_verify import VerifiedPost, verify_post_request
from .._verification.answers import S3_SERVICES
from .._verification.dispatch import Lookup
from ..errors import UnsupportedAuthorization
from ..model import UNSIGNED_PAYLOAD, Body, Request
from .bounded import ChunkReader
from .shapes import Answer, S3Address, md5_hasher, s3_address
from .shapes import _x as xml_text
from .shapes import _xml as xml_document

__all__ = [
    "FORM_ALLOWANCE",
    "check_form",
    "file_chunks",
    "file_etag",
    "post_account",
    "post_address",
    "post_answer",
    "put_object",
]

#: What a POST body may hold beyond its file: the fields before it and after it (S3 bounds the
#: ones before it to 20 KiB; the parser gives the ones after it a budget of their own).
FORM_ALLOWANCE = 2 * MAX_FORM_BYTES
_CHUNK = 64 * 1024
#: Query parameters that make a POST an authenticated request rather than a form upload.
_QUERY_AUTH = frozenset({"x-amz-signature", "x-amz-credential", "signature", "awsaccesskeyid"})
#: Which of ``--schemes`` admits each POST scheme: the header scheme of the same signature.
_ADMITTED_BY = {"post-v4": "sigv4", "post-v2": "s3-v2"}
#: Form fields that are the object's headers in a PutObject (S3's RESTObjectPOST field list);
#: ``acl`` is sent as ``x-amz-acl``, every ``x-amz-meta-*`` as itself.
_OBJECT_FIELDS = frozenset(
    {
        "cache-control",
        "content-type",
        "content-disposition",
        "content-encoding",
        "expires",
        "x-amz-storage-class",
        "x-amz-website-redirect-location",
        "x-amz-server-side-encryption",
        "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-server-side-encryption-context",
        "x-amz-server-side-encryption-bucket-key-enabled",
        "x-amz-object-lock-mode",
        "x-amz-object-lock-retain-until-date",
        "x-amz-object-lock-legal-hold",
    }
)


def post_address(
    request: Request, service: Optional[str], virtual_host_suffix: Optional[str]
) -> Optional[S3Address]:
    """The bucket a browser POST upload goes to, or ``None`` when ``request`` is not one."""
    if request.method != "POST" or (service is not None and service not in S3_SERVICES):
        return None
    content_type = (request.header("content-type") or "").lower()
    if not content_type.startswith("multipart/form-data") or request.has_header("authorization"):
        return None
    if any(name.lower() in _QUERY_AUTH for name, _ in request.query_pairs()):
        return None
    address = s3_address(request, virtual_host_suffix)
    return address if address.bucket is not None and address.key is None else None


def check_form(
    request: Request,
    chunks: Iterable[bytes],
    lookup: Lookup,
    *,
    bucket: str,
    region: Optional[str],
    now: Optional[_dt.datetime],
    max_file: int,
    schemes: Optional[Sequence[str]],
) -> VerifiedPost:
    """:func:`signers.verify_post_request` of the form read from ``chunks`` as it arrives (S3's
    answers), then ``schemes``: a POST policy is admitted by the header scheme of its signature
    (``sigv4`` for V4, ``s3-v2`` for V2).  The result's ``file`` is the upload, spooled."""
    reader = io.BufferedReader(ChunkReader(chunks), _CHUNK)
    verified = verify_post_request(
        request.replace(body=reader),
        lookup,
        now=now,
        region=region,
        bucket=bucket,
        max_file_bytes=max_file,
    )
    needed = _ADMITTED_BY[verified.scheme]
    if schemes is not None and needed not in schemes:
        raise UnsupportedAuthorization(
            f"The authorization mechanism you have provided is not supported: a {verified.scheme}"
            f" policy needs scheme {needed!r} (accepted: {', '.join(schemes)})",
            field="scheme",
        )
    return verified


def post_account(verified: VerifiedPost) -> Dict[str, Any]:
    """The verification account of a POST upload (the ``x-sigbridge-verified`` header)."""
    return {
        "scheme": verified.scheme,
        "access_key": verified.access_key,
        "region": verified.region,
        "service": "s3",
        "bucket": verified.bucket,
        "key": verified.key,
        "request_time": verified.request_time.isoformat() if verified.request_time else None,
        "expiration": verified.expiration.isoformat(),
    }


def _field(verified: VerifiedPost, name: str) -> Optional[str]:
    return next((v for n, v in verified.fields if n.lower() == name), None)


def file_chunks(upload: FilePart) -> Iterator[bytes]:
    """The file's content in 64 KiB chunks."""
    stream = upload.stream
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return
        yield chunk


def _object_path(address: S3Address, key: str) -> str:
    encoded = "/" + uri_encode(key, keep_slash=True)
    return encoded if address.virtual else "/" + uri_encode(address.bucket or "") + encoded


def post_answer(request: Request, address: S3Address, verified: VerifiedPost, etag: str) -> Answer:
    """S3's answer to a stored POST upload (RESTObjectPOST): a 303 to
    ``success_action_redirect`` (or the older ``redirect``) with ``bucket``, ``key`` and
    ``etag`` added to its query; else ``success_action_status`` 200 (empty) or 201
    (``<PostResponse>``); else, or for any other value, 204.  ``ETag`` and ``Location`` (the
    object's URL here) are sent with each."""
    location = f"http://{request.host_header}{_object_path(address, verified.key)}"
    headers = [("ETag", etag), ("Location", location)]
    redirect = _field(verified, "success_action_redirect") or _field(verified, "redirect")
    if redirect:
        query = "&".join(
            f"{name}={uri_encode(value)}"
            for name, value in (("bucket", verified.bucket or ""), ("key", verified.key))
        )
        query += "&etag=" + uri_encode(etag)
        target = redirect + ("&" if "?" in redirect else "?") + query
        return Answer(303, [("ETag", etag), ("Location", target)], b"")
    status = (_field(verified, "success_action_status") or "").strip()
    if status == "200":
        return Answer(200, headers, b"")
    if status == "201":
        inner = "".join(
            f"<{name}>{xml_text(value)}</{name}>"
            for name, value in (
                ("Location", location),
                ("Bucket", verified.bucket or ""),
                ("Key", verified.key),
                ("ETag", etag),
            )
        )
        xml = xml_document("PostResponse", inner, namespace="")
        return Answer(201, [*headers, ("Content-Type", "application/xml")], xml)
    return Answer(204, headers, b"")


def file_etag(upload: FilePart) -> str:
    """The ETag S3 gives a single-part object: the hex MD5 of its content, quoted."""
    md5 = md5_hasher()
    for chunk in file_chunks(upload):
        md5.update(chunk)
    return '"%s"' % md5.hexdigest()


def put_object(
    request: Request,
    address: S3Address,
    verified: VerifiedPost,
    upload: FilePart,
    *,
    max_body: int,
) -> Tuple[Request, Body, Optional[Iterable[bytes]]]:
    """The upload as a ``PutObject`` for an upstream that knows no POST policy: ``(request,
    payload, chunks)``.  The object's headers come from the form (``Content-Type`` else the file
    part's, ``x-amz-meta-*``, ``acl`` as ``x-amz-acl`` ...); a file up to ``max_body`` goes as
    bytes (signed with its hash), a larger one as ``chunks`` (``UNSIGNED_PAYLOAD``: the
    forwarder signs each chunk)."""
    headers: List[Tuple[str, str]] = []
    seen = set()
    for name, value in verified.fields:
        lowered = name.lower()
        wanted = lowered in _OBJECT_FIELDS or lowered.startswith("x-amz-meta-")
        if lowered == "acl":
            name, lowered, wanted = "x-amz-acl", "x-amz-acl", True
        if wanted and lowered not in seen:
            seen.add(lowered)
            headers.append((name, value))
    if "content-type" not in seen and upload.content_type:
        headers.append(("Content-Type", upload.content_type))
    url = f"http://{request.host_header}{_object_path(address, verified.key)}"
    if upload.size <= max_body:
        body = upload.read()
        return Request("PUT", url, headers, body), body, None
    return Request("PUT", url, headers, UNSIGNED_PAYLOAD), UNSIGNED_PAYLOAD, file_chunks(upload)
