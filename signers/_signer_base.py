"""What the built-in signers share: a signer is a small immutable object around one options value.

Variants are options, not subclasses: a presigned URL is ``placement="query"``, and the scheme name
(``sigv4`` / ``sigv4-query``, ``s3-v2`` / ``s3-v2-query``) follows the placement
(:class:`ByPlacement`).  The options are validated once, when the signer is built
(:class:`~signers.options.OptionsValue`); a signer pickles as its options and shows them in its
``repr``, which holds no secret (a signer holds none).

The legacy schemes' signers (``sigv2``, ``s3-v2``) verify through
:mod:`signers._verification.legacy` with their scheme name and options (:class:`LegacySigner`);
the verification package imports no signer module.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, Callable, FrozenSet, Generic, Optional, Tuple, Type, TypeVar

from ._arguments import resolve_credentials
from ._lazy import lazy_module
from .errors import InvalidOption
from .model import Artifacts, Credentials, Request, SignedRequest

if TYPE_CHECKING:
    from ._arguments import CredentialsLike

__all__ = ["ByPlacement", "OptionsSigner", "LegacySigner", "OnePass", "Preset"]

_T = TypeVar("_T")
_S = TypeVar("_S", bound="OptionsSigner")


class ByPlacement(Generic[_T]):
    """A class attribute with one value per placement: the class reads the header one, an
    instance the one of its ``options.placement`` (``name``, ``description``, ``features``)."""

    def __init__(self, header: _T, query: _T) -> None:
        self.header, self.query = header, query

    def __get__(self, obj: object, owner: type) -> _T:
        if obj is not None and obj.options.placement == "query":  # type: ignore[attr-defined]
            return self.query
        return self.header


class OptionsSigner:
    """A signer built from keyword options: ``OPTIONS(**options)`` validates them once, and the
    signer is immutable afterwards.  ``name`` is a class attribute (or a :class:`ByPlacement`)."""

    OPTIONS: type
    name: Any

    __slots__ = ("_scheme", "options")
    options: Any
    _scheme: str  # (the instance's name, read on every call without the descriptor)

    def __init__(self, **options: object) -> None:
        object.__setattr__(self, "options", self.OPTIONS(**options))
        object.__setattr__(self, "_scheme", self.name)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; build a new one")

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild_signer, (type(self), self.options))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options!r})"


class Preset(Generic[_S]):
    """A registry factory: a signer class with some options preset (``s3v4``: the S3 preset;
    ``sigv4-query``: the query placement).  The preset ``placement`` is fixed; the other preset
    options are defaults the caller may override.  Carries the ``name``, ``description`` and
    ``features`` the registry reads."""

    def __init__(
        self,
        cls: Type[_S],
        name: str,
        description: str,
        *,
        placement: str = "header",
        **preset: object,
    ) -> None:
        self.cls, self.name, self.description = cls, name, description
        self.placement, self.preset = placement, preset
        features: ByPlacement[FrozenSet[str]] = _class_attribute(cls, "features")
        self.features = features.query if placement == "query" else features.header

    def __call__(self, **options: object) -> _S:
        if options.get("placement", self.placement) != self.placement:
            raise InvalidOption(
                f"option 'placement': {self.name!r} signs with placement={self.placement!r}",
                field="placement",
            )
        return self.cls(**{**self.preset, **options, "placement": self.placement})

    def __repr__(self) -> str:
        return f"Preset({self.cls.__name__}, {self.name!r})"


def _class_attribute(cls: type, name: str) -> Any:
    # the attribute as defined on the class (a descriptor itself, not what it gives)
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    raise AttributeError(name)


def _rebuild_signer(cls: Any, options: Any) -> Any:
    # pickle support: a signer is rebuilt from its (validated) options
    return cls(**options.as_kwargs())


_legacy_verification = lazy_module("._verification.legacy")


#: A one-pass signing function: ``(scheme, options, request, credentials, at)`` to the signed
#: request, or ``None`` for a request it does not cover (the general path takes it).
OnePass = Callable[[str, Any, Request, Credentials, Any], Optional[SignedRequest]]


class LegacySigner(OptionsSigner):
    """``sigv2`` and S3's ``s3-v2`` / ``s3-v2-query``: the common case signed in one pass (the
    function ``_one_pass()`` picks for the options, once), every case step by step
    (``_sign_general``); verification is the scheme's, configured with this signer's options (see
    each signer's docstring for what the server checks)."""

    __slots__ = ("_fast",)
    _fast: Optional[OnePass]

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        object.__setattr__(self, "_fast", self._one_pass())

    def _one_pass(self) -> Optional[OnePass]:
        raise NotImplementedError

    def sign(
        self, request: Request, credentials: CredentialsLike, at: Optional[_dt.datetime] = None
    ) -> SignedRequest:
        """Sign ``request``; the result carries the new request, what signing added and the
        artifacts.  ``at`` is the signing time (aware; ``None`` = now)."""
        fast = self._fast
        if (
            fast is not None
            and type(request) is Request
            and type(credentials) is Credentials
            and type(request[3]) is bytes  # (any other body: the step-by-step path judges it)
        ):
            signed = fast(self._scheme, self.options, request, credentials, at)
            if signed is not None:
                return signed
        return self._sign_general(request, resolve_credentials(credentials), at)

    def _sign_general(
        self, request: Request, credentials: Credentials, at: Optional[_dt.datetime] = None
    ) -> SignedRequest:
        raise NotImplementedError

    # (the Verifier protocol's parameters restated, plus max_lifetime: an implementation declares)
    def verify(
        self,
        request: Request,
        credentials: CredentialsLike,
        now: Optional[_dt.datetime] = None,
        max_skew: float = 900,
        *,
        max_lifetime: float = 604800,
    ) -> Artifacts:
        """Verify ``request`` as the server would; the artifacts on success.

        ``now`` is the server's time (aware; ``None`` = the current time); ``max_lifetime``
        bounds how far ahead of it an ``Expires`` may lie.  Raises a
        :class:`~signers.errors.VerificationError` carrying AWS's error code otherwise (see
        :mod:`signers._verification.legacy`).
        """
        return _legacy_verification().verify(  # type: ignore[no-any-return]
            self._scheme,
            self.options,
            request,
            credentials,
            now,
            max_skew,
            max_lifetime=max_lifetime,
        )
