"""``sigbridge call``'s library part: API operations as requests, AWS's error answers, and the
signed request shown with its secrets masked.

An operation named with the service table (:mod:`signers.services`) becomes a request as the
AWS SDKs send it, for the protocols whose wire form the table fully describes:

* ``json`` (ECS, DynamoDB, Auto Scaling Plans ...): ``POST /`` with
  ``X-Amz-Target: <targetPrefix>.<Operation>``, ``Content-Type: application/x-amz-json-<v>``
  and the JSON document as the body (``{}`` when none is given);
* ``query`` and ``ec2`` (STS, IAM, EC2, SimpleDB ...): ``POST /`` with a form body
  ``Action=<Operation>&Version=<apiVersion>&<Name>=<Value>...`` (RFC 3986 encoding).

``rest-json`` / ``rest-xml`` operations bind their members to paths, headers and query strings
(S3, Lambda, OpenSearch's API ...), and ``smithy-rpc-v2-cbor`` sends CBOR; the table does not
carry those bindings, so those operations are refused with a pointer to the URL form.

The endpoint is ``https://<endpointPrefix>.<region>.<dnsSuffix>/``, or the partition's global
host for the APIs that only have one (IAM, Organizations, Cost Explorer ...: a global endpoint
in the table that is neither a pre-2014 legacy host nor STS's, whose regional hosts serve), or
SimpleDB's US East host, which names no region.  botocore's endpoint resolver agrees for the
commercial and China partitions (tests/call); ``--endpoint-url`` overrides it.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from typing import Any, FrozenSet, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .._encoding import uri_encode
from .._redact import MASK, redact, redact_headers
from ..errors import InvalidOption, InvalidRequest
from ..model import Credentials, Request
from ..services import ServiceInfo, operations, service

__all__ = [
    "SUPPORTED_PROTOCOLS",
    "Operation",
    "Endpoint",
    "find_operation",
    "operation_request",
    "endpoint_for",
    "AwsError",
    "aws_error",
    "masked_request",
    "scrub",
    "SIGNATURE_CODES",
]

#: Protocols whose requests are built from the table alone, in the order one is preferred.
SUPPORTED_PROTOCOLS = ("json", "query", "ec2")
_FORM = "application/x-www-form-urlencoded; charset=utf-8"

#: Error codes that mean "the signature did not match" (query/S3 and JSON spellings).
SIGNATURE_CODES = frozenset({"SignatureDoesNotMatch", "InvalidSignatureException"})


class Operation(NamedTuple):
    """An operation of a service, and the protocol its request is built in."""

    service: ServiceInfo
    name: str
    protocol: str


class Endpoint(NamedTuple):
    """Where an operation is sent, the region it signs for, and why."""

    url: str
    region: str
    source: str


def find_operation(service_name: str, operation: str) -> Operation:
    """The operation ``operation`` of ``service_name`` (a botocore name or a unique signing
    name / endpoint prefix / service id); one-line errors with close matches otherwise."""
    info = service(service_name)
    names = operations(info.name)
    if operation not in names:
        lowered = {name.lower(): name for name in names}
        close = [lowered[m] for m in difflib.get_close_matches(operation.lower(), lowered, n=3)]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InvalidOption(
            f"service {info.name!r} has no operation {operation!r}{hint}", field="operation"
        )
    protocol = next((p for p in info.protocols if p in SUPPORTED_PROTOCOLS), None)
    if protocol is None:
        raise InvalidOption(
            f"service {info.name!r} speaks {'/'.join(info.protocols)}, whose operations bind "
            "to paths and headers the service table does not describe; send the request in "
            "the URL form: sigbridge call METHOD https://... [-H ...] [-d ...]",
            field="operation",
        )
    return Operation(info, operation, protocol)


def _json_document(text: str) -> bytes:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidRequest(
            f"parameters: not a JSON document ({str(exc).splitlines()[0]})", field="parameters"
        ) from None
    if not isinstance(value, dict):
        raise InvalidRequest(
            f"parameters: expected a JSON object, got {type(value).__name__}", field="parameters"
        )
    return text.encode("utf-8", "surrogateescape")


def _scalar(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise InvalidRequest(
        f"parameter {name!r}: a query API takes flat names (e.g. Filter.1.Name=...), not a "
        f"JSON {type(value).__name__}",
        field="parameters",
    )


def _query_pairs(arguments: Sequence[str]) -> List[Tuple[str, str]]:
    pairs: List[Tuple[str, str]] = []
    for argument in arguments:
        if argument.lstrip().startswith("{"):
            document = json.loads(_json_document(argument).decode("utf-8", "surrogateescape"))
            pairs.extend((str(k), _scalar(str(k), v)) for k, v in document.items())
            continue
        name, eq, value = argument.partition("=")
        if not eq or not name:
            raise InvalidRequest(
                f"parameter {argument!r}: expected Name=Value (e.g. Filter.1.Name=vpc-id)",
                field="parameters",
            )
        pairs.append((name, value))
    return pairs


def operation_request(operation: Operation, arguments: Sequence[str], endpoint_url: str) -> Request:
    """The request of ``operation`` with ``arguments`` (a JSON document for the JSON protocol;
    ``Name=Value`` pairs, or a flat JSON object, for query/ec2) sent to ``endpoint_url``."""
    info = operation.service
    url = endpoint_url if endpoint_url.endswith("/") else endpoint_url + "/"
    if operation.protocol == "json":
        if len(arguments) > 1:
            raise InvalidRequest(
                f"parameters: {info.name} takes one JSON document, got {len(arguments)} arguments",
                field="parameters",
            )
        body = _json_document(arguments[0]) if arguments else b"{}"
        headers = [
            ("Content-Type", f"application/x-amz-json-{info.json_version or '1.0'}"),
            ("X-Amz-Target", f"{info.target_prefix}.{operation.name}"),
        ]
        return Request("POST", url, headers, body)
    pairs = [("Action", operation.name), ("Version", info.api_version), *_query_pairs(arguments)]
    text = "&".join(uri_encode(n) + "=" + uri_encode(v) for n, v in pairs)
    return Request("POST", url, [("Content-Type", _FORM)], text.encode("utf-8", "surrogateescape"))


# -- endpoints ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _partitions() -> Tuple[Tuple[str, str, Any], ...]:
    """``(partition id, DNS suffix, region pattern)`` from the service table's data file."""
    import pkgutil

    data = pkgutil.get_data("signers", "_data/services.json")
    if data is None:  # pragma: no cover - a broken install
        raise InvalidOption("service table signers/_data/services.json is missing")
    rows = json.loads(data.decode("utf-8"))["partitions"]
    return tuple((row[0], row[1], re.compile(row[4])) for row in rows)


@functools.lru_cache(maxsize=None)
def _regional_despite_global() -> FrozenSet[str]:
    # The services whose global host is the pre-2014 legacy name (make_services' curated list)
    # or STS's partition endpoint: they have regional hosts, which the SDKs use today.
    from .make_services import LEGACY_GLOBAL_HOSTS

    return frozenset(LEGACY_GLOBAL_HOSTS.values()) | {"sts"}


# Regional hosts that name no region: SimpleDB in US East was never given a regional name.
_REGIONAL_EXCEPTIONS = {("sdb", "us-east-1"): "sdb.amazonaws.com"}


def _partition(region: str) -> Optional[Tuple[str, str]]:
    for pid, suffix, pattern in _partitions():
        if pattern.match(region):
            return pid, suffix
    return None


def endpoint_for(info: ServiceInfo, region: Optional[str], region_source: str) -> Endpoint:
    """The AWS endpoint of ``info`` for ``region`` (see the module docstring)."""
    found = _partition(region) if region else None
    pid, suffix = found if found is not None else ("aws", "amazonaws.com")
    if info.name not in _regional_despite_global():
        hosts = [
            g
            for g in info.global_endpoints
            if g.partition == pid and "fips" not in g.host and "dualstack" not in g.host
        ]
        if hosts:
            own = [g for g in hosts if g.host.endswith("." + suffix)] or hosts
            chosen = min(own, key=lambda g: (len(g.host), g.host))
            signs = chosen.region or region or ""
            return Endpoint(
                f"https://{chosen.host}/",
                signs,
                f"global endpoint {chosen.host} of {info.name} signs for {signs}",
            )
    if not region:
        raise InvalidOption(
            f"region: {info.name} needs one; pass --region, or set AWS_REGION or the "
            "profile's region",
            field="region",
        )
    if found is None:
        raise InvalidOption(
            f"region {region!r} is in no AWS partition the service table knows; pass "
            "--endpoint-url",
            field="region",
        )
    host = _REGIONAL_EXCEPTIONS.get((info.name, region)) or (
        f"{info.endpoint_prefix}.{region}.{suffix}"
    )
    return Endpoint(f"https://{host}/", region, region_source)


# -- AWS's answers --------------------------------------------------------------------------------


class AwsError(NamedTuple):
    """What an error answer says: AWS's code and message, and the parsed answer for ``diff``."""

    code: Optional[str]
    message: Optional[str]
    server: Any  # signers.diagnose.ServerError


def aws_error(headers: Iterable[Tuple[str, str]], body: bytes) -> AwsError:
    """AWS's code and message from an error answer: the XML (S3, query) or JSON (``__type``)
    body, else the ``x-amzn-ErrorType`` header."""
    from ..diagnose import parse_server_error

    text = body.decode("utf-8", "replace")
    server = parse_server_error(text) if text.strip() else None
    code = server.code if server is not None else None
    message = server.message if server is not None else None
    if server is not None and code is None and text.lstrip()[:1] not in ("<", "{"):
        message = None  # a body that is neither XML nor JSON is not AWS's message
    if code is None:
        lowered = {n.lower(): v for n, v in headers}
        kind = lowered.get("x-amzn-errortype") or lowered.get("x-amz-error-code")
        if kind:
            code = kind.split(":", 1)[0].strip() or None
        if message is None:
            message = lowered.get("x-amz-error-message")
    return AwsError(code, message, server)


# -- what -v shows --------------------------------------------------------------------------------


def masked_request(request: Request, body_length: int, extra: Mapping[str, str]) -> List[str]:
    """The request line and headers as sent, signature and token masked (the access key shown);
    ``extra`` are headers added after signing."""
    target = request.path or "/"
    if request.query:
        target += "?" + redact(request.query)
    lines = [f"{request.method} {target} HTTP/1.1"]
    if not request.has_header("host"):
        lines.append(f"Host: {request.host_header}")
    lines.extend(f"{n}: {v}" for n, v in redact_headers(request.headers))
    lines.extend(f"{n}: {v}" for n, v in extra.items())
    if body_length:
        lines.append(f"({body_length} bytes of body, not shown)")
    return lines


def scrub(text: str, credentials: Optional[Credentials]) -> str:
    """``text`` with the secret key and the session token (as written, and percent-encoded as
    a URL carries it) replaced by a mask: a last guard on everything printed about a request."""
    if credentials is None:
        return text
    secrets = [credentials.secret_key]
    if credentials.token:
        secrets += [credentials.token, uri_encode(credentials.token)]
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, MASK)
    return text
