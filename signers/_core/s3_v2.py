"""Amazon S3's legacy scheme (HMAC-SHA1) as the specification states it: canonical amz headers,
canonical resource, string to sign, signature, and the bucket addressing options.  Pure functions,
shared by the signers (:mod:`signers.s3_v2`), verification and migration; see
:mod:`signers.s3_v2` for the algorithm.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Union

from .. import _crypto
from .._encoding import percent_decode
from ..errors import InvalidOption, InvalidRequest
from ..model import Request

__all__ = [
    "S3V2Options",
    "SUB_RESOURCES",
    "RESPONSE_OVERRIDES",
    "ADDRESSING_MODES",
    "QUERY_AUTH_PARAMETERS",
    "bucket_from_host",
    "trim",
    "canonical_amz_headers",
    "canonical_resource",
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
    merged: Dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if not key.startswith(_AMZ_PREFIX):
            continue
        value = trim(value)
        previous = merged.get(key)
        merged[key] = value if previous is None else previous + "," + value
    return "".join([n + ":" + merged[n] + "\n" for n in sorted(merged)])


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
    own: List[Pair] = []
    auth: List[Pair] = []
    for pair in query_pairs:
        (auth if pair[0] in QUERY_AUTH_PARAMETERS else own).append(pair)
    return own, auth


# -- options -----------------------------------------------------------------------------------


class S3V2Options:
    """Validated bucket-addressing settings shared by the header and presigned forms."""

    __slots__ = ("addressing", "bucket", "sub_resources", "virtual_host_suffix")

    def __init__(
        self,
        *,
        addressing: str = "auto",
        bucket: Optional[str] = None,
        virtual_host_suffix: Optional[str] = None,
        extra_sub_resources: Union[Iterable[str], str] = (),
    ) -> None:
        if addressing not in ADDRESSING_MODES:
            raise InvalidOption(
                f"option 'addressing' is {addressing!r}; use one of {', '.join(ADDRESSING_MODES)}",
                field="addressing",
            )
        for field, value in (("bucket", bucket), ("virtual_host_suffix", virtual_host_suffix)):
            if value is not None and (
                not isinstance(value, str) or not value or "/" in value or value != value.strip()
            ):
                raise InvalidOption(
                    f"option {field!r} must be a non-empty name without '/' or spaces, "
                    f"got {value!r}",
                    field=field,
                )
        if bucket is not None and addressing in ("path", "cname"):
            raise InvalidOption(
                f"option 'bucket' conflicts with addressing={addressing!r} "
                "(path-style carries the bucket in the path, cname in the host)",
                field="bucket",
            )
        if isinstance(extra_sub_resources, str):
            extra_sub_resources = [extra_sub_resources]
        extra = []
        for name in extra_sub_resources:
            if not isinstance(name, str) or not name or "=" in name or "&" in name:
                raise InvalidOption(
                    f"option 'extra_sub_resources': {name!r} is not a query parameter name",
                    field="extra_sub_resources",
                )
            extra.append(name)
        self.addressing = addressing
        self.bucket = bucket
        self.virtual_host_suffix = virtual_host_suffix
        self.sub_resources: FrozenSet[str] = SUB_RESOURCES | frozenset(extra)

    def resolve_bucket(self, host: str) -> Optional[str]:
        """The bucket the Host addresses (it goes first in the resource), or ``None``."""
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

    def __repr__(self) -> str:
        return (
            f"S3V2Options(addressing={self.addressing!r}, bucket={self.bucket!r}, "
            f"virtual_host_suffix={self.virtual_host_suffix!r})"
        )


def host_name(request: Request, header: Optional[str]) -> str:
    """The host name a request addresses (no port): of its Host header value ``header``, else
    of its URL."""
    if header is None:
        return request.host
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
