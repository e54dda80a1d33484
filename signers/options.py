"""SigV4 options: variation is configuration, not subclasses.  "S3" is a preset of these options."""

from __future__ import annotations

from typing import FrozenSet, Iterable, Optional, Tuple, Union

from .errors import InvalidOption

__all__ = [
    "SigV4Options",
    "SigV4AOptions",
    "DEFAULT_UNSIGNED_HEADERS",
    "SESSION_TOKEN_MODES",
    "MAX_EXPIRES",
    "DEFAULT_EXPIRES",
]

#: Headers never signed unless asked: proxies and HTTP stacks add, drop or rewrite them.
DEFAULT_UNSIGNED_HEADERS: FrozenSet[str] = frozenset(
    {"user-agent", "expect", "transfer-encoding", "x-amzn-trace-id", "connection"}
)

#: ``signed``: X-Amz-Security-Token is part of the canonical request (most services);
#: ``unsigned``: it is sent but added after signing (AWS IoT and a few others require this).
SESSION_TOKEN_MODES = ("signed", "unsigned")

#: AWS rejects a presigned URL whose X-Amz-Expires is outside 1 ... 604800 (seven days).
MAX_EXPIRES = 604800
DEFAULT_EXPIRES = 3600


def _check_scope_part(field: str, value: object) -> str:
    example = "us-east-1" if field == "region" else "ec2"
    if value is None:
        raise InvalidOption(f"option {field!r} is required (e.g. {example!r})", field=field)
    if not isinstance(value, str):
        raise InvalidOption(
            f"option {field!r} must be a string such as {example!r}, got {type(value).__name__}",
            field=field,
        )
    if not value:
        raise InvalidOption(f"option {field!r} is empty", field=field)
    if "/" in value or value != value.strip() or any(c in value for c in "\r\n\t "):
        raise InvalidOption(
            f"option {field!r}: {value!r} may not contain '/' or whitespace", field=field
        )
    return value


def _check_bool(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidOption(f"option {field!r} must be True or False, got {value!r}", field=field)
    return value


def check_expires(value: object, *, field: str = "expires") -> int:
    """Validate a presigned URL lifetime in seconds (1 ... 604800), as AWS does."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOption(
            f"option {field!r} must be whole seconds from 1 to {MAX_EXPIRES}, got {value!r}",
            field=field,
        )
    if not 1 <= value <= MAX_EXPIRES:
        raise InvalidOption(
            f"option {field!r} is {value}; AWS accepts 1 to {MAX_EXPIRES} seconds (7 days)",
            field=field,
        )
    return value


def _check_session_token(value: object) -> str:
    if value not in SESSION_TOKEN_MODES:
        raise InvalidOption(
            f"option 'session_token' is {value!r}; use 'signed' or 'unsigned'",
            field="session_token",
        )
    return str(value)


def _check_unsigned_headers(
    value: Union[Iterable[str], str], *, always_signed: Iterable[str] = ("host",)
) -> FrozenSet[str]:
    """The default unsigned headers plus ``value`` (lower-cased); ``always_signed`` are refused."""
    if isinstance(value, str):
        value = [value]
    names = []
    for name in value:
        if not isinstance(name, str) or not name:
            raise InvalidOption(
                f"option 'unsigned_headers': {name!r} is not a header name",
                field="unsigned_headers",
            )
        lowered = name.lower()
        if lowered in always_signed:
            raise InvalidOption(
                f"option 'unsigned_headers': {lowered!r} must always be signed",
                field="unsigned_headers",
            )
        names.append(lowered)
    return DEFAULT_UNSIGNED_HEADERS | frozenset(names)


class SigV4Options:
    """Validated SigV4 settings shared by the header and the query signers.

    ``s3=True`` is the preset S3 needs: no path normalization, single path encoding, and (header
    form) the ``x-amz-content-sha256`` header; an option given explicitly overrides the preset.
    """

    __slots__ = (
        "double_encode",
        "normalize_path",
        "region",
        "s3",
        "service",
        "session_token",
        "sign_body",
        "unsigned_headers",
    )

    def __init__(
        self,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        normalize_path: Optional[bool] = None,
        double_encode: Optional[bool] = None,
        sign_body: Optional[bool] = None,
        session_token: str = "signed",
        unsigned_headers: Union[Iterable[str], str] = (),
        s3: bool = False,
    ) -> None:
        self.region = _check_scope_part("region", region)
        self.service = _check_scope_part("service", service)
        self.s3 = _check_bool("s3", s3)
        self.normalize_path = (
            not s3 if normalize_path is None else _check_bool("normalize_path", normalize_path)
        )
        self.double_encode = (
            not s3 if double_encode is None else _check_bool("double_encode", double_encode)
        )
        self.sign_body = s3 if sign_body is None else _check_bool("sign_body", sign_body)
        self.session_token = _check_session_token(session_token)
        self.unsigned_headers: FrozenSet[str] = _check_unsigned_headers(unsigned_headers)

    def __repr__(self) -> str:
        return (
            f"SigV4Options(region={self.region!r}, service={self.service!r}, "
            f"normalize_path={self.normalize_path}, double_encode={self.double_encode}, "
            f"sign_body={self.sign_body}, session_token={self.session_token!r}, s3={self.s3})"
        )


def _check_region_set(region_set: object, region: object) -> str:
    """The SigV4A region set as sent: regions (``*`` and ``us-*`` style wildcards allowed) joined
    with ``,``.  ``region`` (one region, as the aws-c-auth vectors' context gives it) stands in
    for it when ``region_set`` is not given."""
    if region_set is not None and region is not None:
        raise InvalidOption(
            "options 'region_set' and 'region' are both given; sigv4a signs for a region set: "
            "give region_set only",
            field="region_set",
        )
    field = "region_set"
    if region_set is None:
        if region is None:
            raise InvalidOption(
                "option 'region_set' is required (e.g. '*', 'us-east-1' or "
                "['us-east-1', 'us-west-2'])",
                field=field,
            )
        region_set, field = region, "region"
    if isinstance(region_set, str):
        regions = region_set.split(",")
    elif isinstance(region_set, (list, tuple)):
        regions = list(region_set)
    else:
        raise InvalidOption(
            f"option {field!r} must be a string or a list of regions, "
            f"got {type(region_set).__name__}",
            field=field,
        )
    if not regions or regions == [""]:
        raise InvalidOption(f"option {field!r} is empty; give '*' for every region", field=field)
    for name in regions:
        if not isinstance(name, str):
            raise InvalidOption(f"option {field!r}: {name!r} is not a region name", field=field)
        if not name or not (name.isascii() and name.isprintable()) or any(c in name for c in " ,/"):
            raise InvalidOption(
                f"option {field!r}: {name!r} is not a region name (no empty names, spaces, "
                "',' or '/')",
                field=field,
            )
    return ",".join(regions)


class SigV4AOptions:
    """Validated SigV4A settings shared by the header and the query signers.

    The SigV4 options with a region *set* in place of the region: ``region_set`` is ``"*"``, one
    region, a comma-separated string or a list of regions (``region`` is accepted for one region,
    as the aws-c-auth vectors name it).  ``x-amz-region-set`` is always signed.
    """

    __slots__ = (
        "double_encode",
        "normalize_path",
        "region_set",
        "s3",
        "service",
        "session_token",
        "sign_body",
        "unsigned_headers",
    )

    def __init__(
        self,
        *,
        region_set: Union[str, Iterable[str], None] = None,
        region: Optional[str] = None,
        service: Optional[str] = None,
        normalize_path: Optional[bool] = None,
        double_encode: Optional[bool] = None,
        sign_body: Optional[bool] = None,
        session_token: str = "signed",
        unsigned_headers: Union[Iterable[str], str] = (),
        s3: bool = False,
    ) -> None:
        self.region_set = _check_region_set(region_set, region)
        self.service = _check_scope_part("service", service)
        self.s3 = _check_bool("s3", s3)
        self.normalize_path = (
            not s3 if normalize_path is None else _check_bool("normalize_path", normalize_path)
        )
        self.double_encode = (
            not s3 if double_encode is None else _check_bool("double_encode", double_encode)
        )
        self.sign_body = s3 if sign_body is None else _check_bool("sign_body", sign_body)
        self.session_token = _check_session_token(session_token)
        self.unsigned_headers: FrozenSet[str] = _check_unsigned_headers(
            unsigned_headers, always_signed=("host", "x-amz-region-set")
        )

    @property
    def regions(self) -> Tuple[str, ...]:
        """The region set as a tuple of names (wildcards as given)."""
        return tuple(self.region_set.split(","))

    def __repr__(self) -> str:
        return (
            f"SigV4AOptions(region_set={self.region_set!r}, service={self.service!r}, "
            f"normalize_path={self.normalize_path}, double_encode={self.double_encode}, "
            f"sign_body={self.sign_body}, session_token={self.session_token!r}, s3={self.s3})"
        )
