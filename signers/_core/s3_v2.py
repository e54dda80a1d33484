"""Amazon S3's legacy scheme (HMAC-SHA1) as the specification states it: canonical amz headers,
canonical resource, string to sign, signature, and the signer's options (bucket addressing, where
the signature goes).  Pure functions, shared by the signer (:mod:`signers.s3_v2`), verification
and migration; see :mod:`signers.s3_v2` for the algorithm.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Union

from .. import _crypto
from .._encoding import percent_decode, percent_decode_str
from .._time import resolve_time
from ..errors import InvalidOption, InvalidRequest
from ..model import Request
from ..options import OptionsValue
from .sigv2 import partition_pairs

# What signers.s3_v2 re-exports (the public stages and options); the other names here serve the
# one-pass paths of the signer and of verification.
__all__ = [
    "S3V2Options",
    "SUB_RESOURCES",
    "RESPONSE_OVERRIDES",
    "ADDRESSING_MODES",
    "QUERY_AUTH_PARAMETERS",
    "bucket_from_host",
    "canonical_amz_headers",
    "canonical_resource",
    "canonical_resource_of",
    "string_to_sign",
    "compute_signature",
    "authorization_header",
    "parse_authorization",
    "split_query_auth",
    "host_name",
    "single_header",
]

Pair = Tuple[str, str]

#: The sub-resources S3 signs (as listed in its REST authentication documentation).
# (tests/reference/legacy_reference.py keeps its own copy on purpose: an independent route)
SUB_RESOURCES: FrozenSet[str] = frozenset(
    {
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
    }
)

#: The ``response-*`` query parameters that override response headers of GET Object; signed too.
RESPONSE_OVERRIDES: FrozenSet[str] = frozenset(
    {
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
    }
)

ADDRESSING_MODES = ("auto", "virtual", "path", "cname")

#: ``header``: ``Authorization: AWS key:signature``; ``query``: a presigned URL.
PLACEMENTS = ("header", "query")
#: A presigned URL's lifetime when neither ``expires`` nor ``expires_at`` is given, in seconds.
DEFAULT_EXPIRES = 3600

#: The presigned form's parameters (what migration strips from a presigned URL).
QUERY_AUTH_PARAMETERS: FrozenSet[str] = frozenset(
    {"AWSAccessKeyId", "Expires", "Signature", "x-amz-security-token"}
)

_AMZ_PREFIX = "x-amz-"
_AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")


# -- pure functions ----------------------------------------------------------------------------


def bucket_from_host(host: str, virtual_host_suffix: Optional[str] = None) -> Optional[str]:
    """The bucket a virtual-hosted S3 host name addresses, or ``None``.

    ``host`` has no port.  On AWS the bucket is everything before the last label that is ``s3``
    or starts with ``s3-`` (``my.bucket.s3.us-west-2.amazonaws.com`` -> ``my.bucket``;
    ``s3.amazonaws.com`` -> ``None``).  With ``virtual_host_suffix`` (a custom endpoint such as
    ``objects.example.net``), ``<bucket>.<suffix>`` names ``<bucket>``.
    """
    return _bucket_of(host.lower().rstrip("."), virtual_host_suffix)


def _bucket_of(host: str, virtual_host_suffix: Optional[str]) -> Optional[str]:
    # bucket_from_host of a host already lower-cased, without a trailing dot
    if virtual_host_suffix:
        suffix = "." + virtual_host_suffix.lower().strip(".")
        if host.endswith(suffix) and len(host) > len(suffix):
            return host[: -len(suffix)]
    if not host.endswith(_AWS_SUFFIXES):
        return None
    # The last label that is "s3" or starts with "s3-" begins after the last ".s3." or ".s3-";
    # a host that starts with such a label and has no later one names no bucket.
    end = host.rfind(".s3.")
    other = host.rfind(".s3-")
    if other > end:
        end = other
    return host[:end] if end > 0 else None


def trim(value: str) -> str:
    # Unfold (a line break and the whitespace around it become one space) and trim around the
    # colon; other inner whitespace is kept as sent.  Request headers never hold a line break (the
    # raw parser unfolds obs-fold), but this function also reads raw values.
    if "\n" in value or "\r" in value:
        lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        value = " ".join([line.strip(" \t") for line in lines])
    return value.strip(" \t")


def canonical_amz_headers(headers: Iterable[Pair]) -> str:
    """The ``x-amz-*`` lines: lower-cased names, sorted, repeated names joined with ``,``.

    Each line ends with a newline; no ``x-amz-*`` header gives the empty string.
    """
    merged: Dict[str, List[str]] = {}
    for name, value in headers:
        key = name.lower()
        if not key.startswith(_AMZ_PREFIX):
            continue
        merged.setdefault(key, []).append(trim(value))
    return "".join([n + ":" + ",".join(merged[n]) + "\n" for n in sorted(merged)])


def amz_query_pairs(request: Request) -> List[Pair]:
    """The ``x-amz-*`` query parameters of ``request``, decoded: S3 reads them as ``x-amz-*``
    headers in a presigned URL (the session token among them), so they are signed as such."""
    if "x-amz-" not in request[7].lower():
        return []  # (none: the usual presigned URL, without splitting its query)
    return [
        (n, percent_decode_str(v))
        for n, v in request.query_pairs()
        if n.lower().startswith(_AMZ_PREFIX)
    ]


def canonical_resource(
    path: str,
    query_pairs: Sequence[Pair],
    bucket: Optional[str] = None,
    sub_resources: FrozenSet[str] = SUB_RESOURCES,
) -> str:
    """``[/bucket]`` + the path as sent + ``?`` and the signed sub-resources.

    ``query_pairs`` are the raw (still percent-encoded) query pairs; a name is signed when it is
    in ``sub_resources`` or :data:`RESPONSE_OVERRIDES`.  Sub-resources sort by name (stably:
    repeats keep their order), values are percent-decoded (``+`` stays ``+``), and an empty value
    is written as the bare name (``?acl`` and ``?acl=`` sign alike).
    """
    resource = path or "/"
    if bucket is not None:
        resource = "/" + bucket + resource
    signed = [
        (name, value)
        for name, value in query_pairs
        if name in sub_resources or name in RESPONSE_OVERRIDES
    ]
    if not signed:
        return resource
    signed.sort(key=lambda pair: pair[0])
    parts = []
    for name, value in signed:
        if value:
            decoded = percent_decode(value).decode("utf-8", "surrogateescape")
            parts.append(name + "=" + decoded)
        else:
            parts.append(name)
    return resource + "?" + "&".join(parts)


def string_to_sign(
    method: str,
    content_md5: str,
    content_type: str,
    date: str,
    amz_headers: str,
    resource: str,
) -> str:
    """Verb, Content-MD5, Content-Type and Date lines, the amz header lines, the resource."""
    return f"{method}\n{content_md5}\n{content_type}\n{date}\n{amz_headers}{resource}"


def compute_signature(secret_key: str, text: str) -> str:
    """Base64 of HMAC-SHA1 of ``text`` under ``secret_key``."""
    return _crypto.hmac_base64(secret_key, "sha1", text.encode("utf-8", "surrogateescape"))


def authorization_header(access_key: str, signature: str) -> str:
    """``AWS <access key>:<signature>``."""
    return f"AWS {access_key}:{signature}"


def parse_authorization(value: str) -> Optional[Tuple[str, str]]:
    """``(access key, signature)`` of an ``AWS key:signature`` header value, else ``None``."""
    if not value.startswith("AWS ") or ":" not in value:
        return None
    access_key, _, signature = value[4:].strip().partition(":")
    if not access_key or not signature:
        return None
    return access_key, signature


def split_query_auth(query_pairs: Sequence[Pair]) -> Tuple[List[Pair], List[Pair]]:
    """Split raw query pairs into ``(the caller's own, the presigned form's)``."""
    return partition_pairs(query_pairs, QUERY_AUTH_PARAMETERS)


# -- options -----------------------------------------------------------------------------------


def _check_name(field: str, value: object) -> None:
    if value is not None and (
        not isinstance(value, str) or not value or "/" in value or value != value.strip()
    ):
        raise InvalidOption(
            f"option {field!r} must be a non-empty name without '/' or spaces, got {value!r}",
            field=field,
        )


def _check_sub_resources(names: Union[Iterable[str], str]) -> FrozenSet[str]:
    if isinstance(names, str):
        names = [names]
    extra = []
    for name in names:
        if not isinstance(name, str) or not name or "=" in name or "&" in name:
            raise InvalidOption(
                f"option 'extra_sub_resources': {name!r} is not a query parameter name",
                field="extra_sub_resources",
            )
        extra.append(name)
    return SUB_RESOURCES | frozenset(extra)


def _check_expiry(
    placement: str, expires: Optional[int], expires_at: Optional[_dt.datetime]
) -> Tuple[Optional[int], Optional[_dt.datetime]]:
    """``(expires, expires_at)`` of a presigned URL: one of them, ``expires`` by default."""
    if placement != "query":
        if expires is not None or expires_at is not None:
            field = "expires" if expires is not None else "expires_at"
            raise InvalidOption(
                f"option {field!r} belongs to presigned URLs (placement='query')", field=field
            )
        return None, None
    if expires is not None and expires_at is not None:
        raise InvalidOption(
            "options 'expires' and 'expires_at' both given; use one", field="expires_at"
        )
    if expires is not None and (
        isinstance(expires, bool) or not isinstance(expires, int) or expires < 1
    ):
        raise InvalidOption(
            f"option 'expires' must be a positive number of seconds, got {expires!r}",
            field="expires",
        )
    if expires_at is not None:
        return None, resolve_time(expires_at, field="expires_at")
    return DEFAULT_EXPIRES if expires is None else expires, None


_UNKNOWN = object()  # (resolve_bucket: a host not seen yet)


class S3V2Options(OptionsValue):
    """Validated settings of S3's legacy signer: bucket addressing (``addressing``, ``bucket``,
    ``virtual_host_suffix``, ``extra_sub_resources``; see :mod:`signers.s3_v2`) and where the
    signature goes (``placement``: ``"header"``, or ``"query"`` for a presigned URL with
    ``expires`` seconds, default 3600, or an absolute ``expires_at``).  A verifier reads the
    addressing options only: they place the bucket in the resource."""

    __slots__ = (
        "_buckets",
        "addressing",
        "bucket",
        "expires",
        "expires_at",
        "placement",
        "sub_resources",
        "virtual_host_suffix",
    )

    _buckets: Dict[str, Optional[str]]
    addressing: str
    bucket: Optional[str]
    virtual_host_suffix: Optional[str]
    sub_resources: FrozenSet[str]
    placement: str
    expires: Optional[int]
    expires_at: Optional[_dt.datetime]

    def __init__(
        self,
        *,
        addressing: str = "auto",
        bucket: Optional[str] = None,
        virtual_host_suffix: Optional[str] = None,
        extra_sub_resources: Union[Iterable[str], str] = (),
        placement: str = "header",
        expires: Optional[int] = None,
        expires_at: Optional[_dt.datetime] = None,
    ) -> None:
        if addressing not in ADDRESSING_MODES:
            raise InvalidOption(
                f"option 'addressing' is {addressing!r}; use one of {', '.join(ADDRESSING_MODES)}",
                field="addressing",
            )
        _check_name("bucket", bucket)
        _check_name("virtual_host_suffix", virtual_host_suffix)
        if bucket is not None and addressing in ("path", "cname"):
            raise InvalidOption(
                f"option 'bucket' conflicts with addressing={addressing!r} "
                "(path-style carries the bucket in the path, cname in the host)",
                field="bucket",
            )
        set_ = self._set
        set_("sub_resources", _check_sub_resources(extra_sub_resources))
        set_("addressing", addressing)
        set_("bucket", bucket)
        set_("virtual_host_suffix", virtual_host_suffix)
        if placement not in PLACEMENTS:
            raise InvalidOption(
                f"option 'placement' is {placement!r}; use 'header' or 'query'", field="placement"
            )
        set_("placement", placement)
        expiry = _check_expiry(placement, expires, expires_at)
        set_("expires", expiry[0])
        set_("expires_at", expiry[1])
        # resolve_bucket's answers by host as given (a client sends a few hosts): derived, so not
        # in as_kwargs (equality, hashing and pickling ignore it); bounded
        set_("_buckets", {})

    def as_kwargs(self) -> Dict[str, Any]:
        kwargs: Dict[str, Any] = {
            "addressing": self.addressing,
            "bucket": self.bucket,
            "virtual_host_suffix": self.virtual_host_suffix,
            "extra_sub_resources": sorted(self.sub_resources - SUB_RESOURCES),
            "placement": self.placement,
        }
        if self.expires_at is not None:
            kwargs["expires_at"] = self.expires_at
        elif self.expires is not None:
            kwargs["expires"] = self.expires
        return kwargs

    def resolve_bucket(self, host: str) -> Optional[str]:
        """The bucket the Host addresses (it goes first in the resource), or ``None``."""
        known = self._buckets
        found: Any = known.get(host, _UNKNOWN)  # (a host seen before: no work, measured)
        if found is not _UNKNOWN:
            return found  # type: ignore[no-any-return]
        bucket = self._resolve_bucket(host)
        if len(known) < 256:
            known[host] = bucket
        return bucket

    def _resolve_bucket(self, host: str) -> Optional[str]:
        host = host.lower().rstrip(".")
        mode = self.addressing
        if mode == "path":
            return None
        if mode == "cname":
            return host
        found = _bucket_of(host, self.virtual_host_suffix)
        if self.bucket is not None:
            if found is not None and found != self.bucket:
                raise InvalidOption(
                    f"option 'bucket' is {self.bucket!r} but the host names bucket {found!r}",
                    field="bucket",
                )
            return self.bucket
        if found is None and mode == "virtual":
            raise InvalidRequest(
                f"bucket: host {host!r} names no bucket; give bucket=, "
                "virtual_host_suffix= or addressing='path'",
                field="bucket",
            )
        return found


def canonical_resource_of(
    options: S3V2Options, request: Request, host_header: Optional[str]
) -> str:
    """The canonicalized resource of ``request`` as a server with ``options`` reads it.

    ``host_header`` is the value of the Host header as sent (``None``: none was sent, the URL's
    host counts); the bucket it addresses goes first (:meth:`S3V2Options.resolve_bucket`, which
    raises when the host does not fit the options), then :func:`canonical_resource`.
    """
    authority, path, query = request[5], request[6], request[7]
    if host_header is None and ":" not in authority:
        host = authority  # (host_name's first case, without the call: the one-pass paths)
    else:
        host = host_name(request, host_header)
    bucket = options.resolve_bucket(host)
    if not query:  # (the common case, without splitting a query)
        return (path or "/") if bucket is None else "/" + bucket + (path or "/")
    return canonical_resource(path, request.query_pairs(), bucket, options.sub_resources)


def host_name(request: Request, header: Optional[str]) -> str:
    """The host name a request addresses (no port): of its Host header value ``header``, else
    of its URL."""
    if header is None:
        authority = request[5]
        return authority if ":" not in authority else request.host
    header = header.strip()
    if header.startswith("["):
        return header[: header.find("]") + 1]
    return header.rpartition(":")[0] if ":" in header else header


def single_header(request: Request, name: str) -> str:
    """The one value of header ``name``, trimmed (the empty string when absent)."""
    values = request.header_values(name)
    if len(values) > 1:
        raise InvalidRequest(
            f"header {name!r} appears {len(values)} times; send it once", field=name
        )
    return trim(values[0]) if values else ""
