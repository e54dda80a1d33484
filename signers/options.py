"""SigV4 options: variation is configuration, not subclasses.

One options type covers every SigV4 signer: where the signature goes (``placement``: the
``Authorization`` header, or the query string of a presigned URL with its ``expires``), how the
path is canonicalized, whether the payload hash and the session token are signed, and which
headers stay unsigned.  "S3" is a preset of these options (``s3=True``).  SigV4A's options extend
these with a region *set* in place of the region.

An options value is validated once, when built, and immutable afterwards; it also carries what the
signers derive from it on every call (the scope's tail, whether the fast path applies).
:class:`OptionsValue` is that contract, shared with the legacy schemes' options
(:mod:`signers._core.sigv2`, :mod:`signers._core.s3_v2`).
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Dict,
    FrozenSet,
    Iterable,
    NoReturn,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from ._encoding import uri_encode
from .errors import InvalidOption

__all__ = [
    "OptionsValue",
    "SigV4Options",
    "SigV4AOptions",
    "DEFAULT_UNSIGNED_HEADERS",
    "SESSION_TOKEN_MODES",
    "PLACEMENTS",
    "MAX_EXPIRES",
    "DEFAULT_EXPIRES",
    "HEADER_FORM_SPECIAL",
    "QUERY_FORM_SPECIAL",
    "check_expires",
]

#: Headers never signed unless asked: proxies and HTTP stacks add, drop or rewrite them.
DEFAULT_UNSIGNED_HEADERS: FrozenSet[str] = frozenset(
    {"user-agent", "expect", "transfer-encoding", "x-amzn-trace-id", "connection"}
)

#: ``signed``: X-Amz-Security-Token is part of the canonical request (most services);
#: ``unsigned``: it is sent but added after signing (AWS IoT and a few others require this).
SESSION_TOKEN_MODES = ("signed", "unsigned")

#: ``header``: the ``Authorization`` header; ``query``: a presigned URL (X-Amz-* parameters).
PLACEMENTS = ("header", "query")

#: AWS rejects a presigned URL whose X-Amz-Expires is outside 1 ... 604800 (seven days).
MAX_EXPIRES = 604800
DEFAULT_EXPIRES = 3600

# Headers a signer adds itself: an ``unsigned_headers`` option naming one needs the general path.
_ADDED_HEADERS = frozenset({"x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})
#: Header names that need more than canonicalization in the header form (refusals, a declared
#: payload hash, a session token to check): a request carrying one takes the general path.
HEADER_FORM_SPECIAL: FrozenSet[str] = _ADDED_HEADERS | {"authorization"}
#: The same for the query form: refusals and a declared payload hash.  (X-Amz-Security-Token is
#: an ordinary header there: the query form sends the token in the query.)
QUERY_FORM_SPECIAL: FrozenSet[str] = frozenset(
    {"authorization", "x-amz-date", "x-amz-content-sha256"}
)


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


def _default_or_bool(field: str, value: object, default: bool) -> bool:
    return default if value is None else _check_bool(field, value)


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


def _check_choice(field: str, value: object, choices: Tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        listed = " or ".join(repr(c) for c in choices)
        raise InvalidOption(f"option {field!r} is {value!r}; use {listed}", field=field)
    return value


def _check_unsigned_headers(value: object, always_signed: Tuple[str, ...]) -> FrozenSet[str]:
    """The default unsigned headers plus ``value`` (lower-cased); ``always_signed`` are refused."""
    if isinstance(value, str):
        value = [value]
    elif not isinstance(value, Iterable):
        raise TypeError(f"'{type(value).__name__}' object is not iterable")
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


if TYPE_CHECKING:  # (type checkers only: protocols and typing_extensions stay off the import path)
    from typing_extensions import Unpack

    from .protocols import SigV4FamilyKwargs

_O = TypeVar("_O", bound="OptionsValue")


class OptionsValue:
    """An options value: validated once, when built, and immutable afterwards.

    A subclass validates in ``__init__`` (setting its slots with :meth:`_set`) and says how to
    build an equal value again (:meth:`as_kwargs`); comparison, hashing, pickling, ``repr`` and
    :meth:`replace` all go through that keyword form, so a rebuilt value is validated again.
    """

    __slots__ = ()

    def as_kwargs(self) -> Dict[str, object]:
        """The options as keyword arguments that build an equal value."""
        raise NotImplementedError

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def replace(self: _O, **changes: object) -> _O:
        """A copy with some options changed (validated again)."""
        return type(self)(**{**self.as_kwargs(), **changes})

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable; use .replace(...)")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.as_kwargs() == other.as_kwargs()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(map(repr, self.as_kwargs().items())))))

    def __reduce__(self) -> Tuple[object, ...]:
        return (_rebuild, (type(self), self.as_kwargs()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.as_kwargs().items())
        return f"{type(self).__name__}({shown})"


def _rebuild(cls: Type[_O], kwargs: Dict[str, object]) -> _O:
    # pickle support: options are rebuilt (and so validated) from their keyword form
    return cls(**kwargs)


class SigV4Options(OptionsValue):
    """Validated SigV4 settings (keyword-only; see the signers for what each means).

    ``s3=True`` is the preset S3 needs: no path normalization, single path encoding, and (header
    form) the ``x-amz-content-sha256`` header; an option given explicitly overrides the preset.
    ``expires`` (seconds, default 3600) belongs to ``placement="query"``.
    """

    __slots__ = (
        "double_encode",
        "encoded_scope_tail",
        "expires",
        "general_only",
        "header_form_skip",
        "normalize_path",
        "placement",
        "query_form_skip",
        "region",
        "s3",
        "scope_tail",
        "service",
        "session_token",
        "sign_body",
        "token_signed",
        "unsigned_headers",
    )

    region: str
    service: str
    placement: str
    expires: int
    normalize_path: bool
    double_encode: bool
    sign_body: bool
    session_token: str
    unsigned_headers: FrozenSet[str]
    s3: bool
    #: derived: the credential scope after the date (``/region/service/aws4_request``; SigV4A:
    #: ``/service/aws4_request``) and its percent-encoded form (in X-Amz-Credential)
    scope_tail: str
    encoded_scope_tail: str
    #: derived: the session token is part of the canonical request
    token_signed: bool
    #: derived: an option the signers' one-pass path does not cover (it takes the general path)
    general_only: bool
    #: derived: ``unsigned_headers | HEADER_FORM_SPECIAL`` (and ``| QUERY_FORM_SPECIAL``): each
    #: form's one pass tests a name against both at once (merge_headers' ``skip``)
    header_form_skip: FrozenSet[str]
    query_form_skip: FrozenSet[str]

    #: Header names the ``unsigned_headers`` option may not name.
    ALWAYS_SIGNED: Tuple[str, ...] = ("host",)

    def __init__(
        self,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        placement: str = "header",
        expires: Optional[int] = None,
        normalize_path: Optional[bool] = None,
        double_encode: Optional[bool] = None,
        sign_body: Optional[bool] = None,
        session_token: str = "signed",
        unsigned_headers: Union[Iterable[str], str] = (),
        s3: bool = False,
    ) -> None:
        self._set("region", self._check_region(region))
        self._set_common(
            service=service,
            placement=placement,
            expires=expires,
            normalize_path=normalize_path,
            double_encode=double_encode,
            sign_body=sign_body,
            session_token=session_token,
            unsigned_headers=unsigned_headers,
            s3=s3,
        )

    def _check_region(self, region: object) -> str:
        return _check_scope_part("region", region)

    def _scope_parts(self) -> Tuple[str, ...]:
        # what follows the date in the credential scope
        return (self.region, self.service)

    def _set_common(
        self,
        *,
        service: object,
        placement: object,
        expires: object,
        normalize_path: object,
        double_encode: object,
        sign_body: object,
        session_token: object,
        unsigned_headers: object,
        s3: object,
    ) -> None:
        # (each value is checked here: SigV4AOptions passes its keywords on unchecked)
        set_ = self._set
        service = _check_scope_part("service", service)
        set_("service", service)
        s3 = _check_bool("s3", s3)
        set_("s3", s3)
        placement = _check_choice("placement", placement, PLACEMENTS)
        set_("placement", placement)
        if expires is not None and placement != "query":
            raise InvalidOption(
                "option 'expires' belongs to presigned URLs (placement='query')", field="expires"
            )
        set_("expires", DEFAULT_EXPIRES if expires is None else check_expires(expires))
        set_("normalize_path", _default_or_bool("normalize_path", normalize_path, not s3))
        set_("double_encode", _default_or_bool("double_encode", double_encode, not s3))
        set_("sign_body", _default_or_bool("sign_body", sign_body, s3))
        session_token = _check_choice("session_token", session_token, SESSION_TOKEN_MODES)
        set_("session_token", session_token)
        unsigned = _check_unsigned_headers(unsigned_headers, self.ALWAYS_SIGNED)
        set_("unsigned_headers", unsigned)
        parts = (*self._scope_parts(), "aws4_request")
        set_("scope_tail", "".join(["/" + part for part in parts]))
        set_("encoded_scope_tail", "".join(["%2F" + uri_encode(part) for part in parts]))
        set_("token_signed", session_token == "signed")
        set_("general_only", bool(unsigned & _ADDED_HEADERS))
        set_("header_form_skip", unsigned | HEADER_FORM_SPECIAL)
        set_("query_form_skip", unsigned | QUERY_FORM_SPECIAL)

    def as_kwargs(self) -> Dict[str, object]:
        """The options as keyword arguments that build an equal value (defaults left out)."""
        kwargs: Dict[str, object] = {
            "region": self.region,
            "service": self.service,
            "placement": self.placement,
            "normalize_path": self.normalize_path,
            "double_encode": self.double_encode,
            "sign_body": self.sign_body,
            "session_token": self.session_token,
            "unsigned_headers": sorted(self.unsigned_headers - DEFAULT_UNSIGNED_HEADERS),
            "s3": self.s3,
        }
        if self.placement == "query":
            kwargs["expires"] = self.expires
        return kwargs


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


class SigV4AOptions(SigV4Options):
    """SigV4's options with a region *set* in place of the region.

    ``region_set`` is ``"*"``, one region, a comma-separated string or a list of regions
    (``region`` is accepted for one region, as the aws-c-auth vectors name it).  The set is kept
    in :attr:`region` as sent (comma-joined), since it stands where SigV4's region stands: it is
    what the signature is valid for.  ``x-amz-region-set`` is always signed.
    """

    __slots__ = ()

    ALWAYS_SIGNED = ("host", "x-amz-region-set")

    def __init__(
        self,
        *,
        region_set: Union[str, Iterable[str], None] = None,
        region: Optional[str] = None,
        **options: Unpack[SigV4FamilyKwargs],
    ) -> None:
        self._set("region", _check_region_set(region_set, region))
        self._set_common(**{**_COMMON_DEFAULTS, **options})

    def _scope_parts(self) -> Tuple[str, ...]:
        return (self.service,)  # SigV4A's scope has no region: the set travels beside it

    @property
    def region_set(self) -> str:
        """The region set as sent: regions joined with ``,``."""
        return self.region

    @property
    def regions(self) -> Tuple[str, ...]:
        """The region set as a tuple of names (wildcards as given)."""
        return tuple(self.region.split(","))

    def as_kwargs(self) -> Dict[str, object]:
        kwargs = super().as_kwargs()
        kwargs["region_set"] = kwargs.pop("region")
        return kwargs


_COMMON_DEFAULTS: Dict[str, object] = {
    "service": None,
    "placement": "header",
    "expires": None,
    "normalize_path": None,
    "double_encode": None,
    "sign_body": None,
    "session_token": "signed",
    "unsigned_headers": (),
    "s3": False,
}
