"""What the built-in signers share: a signer is a small immutable object around one options value.

Variants are options, not subclasses: a presigned URL is ``placement="query"``, and the scheme name
(``sigv4`` / ``sigv4-query``, ``s3-v2`` / ``s3-v2-query``) follows the placement
(:class:`ByPlacement`).  The options are validated once, when the signer is built
(:class:`~signers.options.OptionsValue`); a signer pickles as its options and shows them in its
``repr``, which holds no secret (a signer holds none).

Every signer verifies through one ``verify()`` (:meth:`OptionsSigner.verify`), which hands its
options to the verification function of its family, imported on first use
(:func:`bind_verification`): :mod:`signers._verification.sigv4` for SigV4 and SigV4A,
:mod:`signers._verification.legacy` for ``sigv2`` and ``s3-v2`` (:class:`LegacySigner`).  The
verification package imports no signer module.
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

__all__ = [
    "ByPlacement",
    "OptionsSigner",
    "LegacySigner",
    "OnePass",
    "Preset",
    "bind_verification",
]

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

    #: The family's verification, ``(options, request, credentials, now, max_skew, max_lifetime)``
    #: to the artifacts: set on the class by :func:`bind_verification`.
    _verify_with: Callable[..., Artifacts]

    # (the Verifier protocol's parameters, plus max_lifetime: every built-in signer's one verify;
    # max_lifetime positional too, as max_skew: a keyword-only one costs each call, measured)
    def verify(
        self,
        request: Request,
        credentials: CredentialsLike,
        now: Optional[_dt.datetime] = None,
        max_skew: float = 900,
        max_lifetime: float = 604800,
    ) -> Artifacts:
        """Verify ``request`` as a server configured with this signer's options would; the
        artifacts on success.

        ``now`` is the server's time (aware; ``None`` = the current time); ``max_skew`` the clock
        skew allowed, in seconds.  ``max_lifetime`` bounds a presigned request's lifetime, in
        seconds: SigV4's ``X-Amz-Expires`` (AWS's own bound, 604800, stays), or how far ahead of
        the server's time a legacy ``Expires`` may lie.  Raises a
        :class:`~signers.errors.VerificationError` carrying AWS's error code otherwise (each
        signer's docstring says what the server checks).
        """
        return self._verify_with(self.options, request, credentials, now, max_skew, max_lifetime)


def bind_verification(cls: Type[_S], module: str) -> Type[_S]:
    """Give ``cls`` (and its subclasses) its verification: ``verify`` of ``module`` (relative to
    ``signers``), imported by the first verification -- verification stays out of ``import
    signers`` -- and then set on the class in the loader's place, so that every later
    :meth:`OptionsSigner.verify` calls it with no loader call between (measured)."""

    load_module = lazy_module(module)  # (the one lazy loader; the import runs on the first call)

    def load(*arguments: Any) -> Artifacts:
        function = load_module().verify
        cls._verify_with = staticmethod(function)
        return function(*arguments)  # type: ignore[no-any-return]

    cls._verify_with = staticmethod(load)
    return cls


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


#: A one-pass signing function: ``(scheme, options, request, credentials, at)`` to the signed
#: request, or ``None`` for a request it does not cover (the general path takes it).
OnePass = Callable[[str, Any, Request, Credentials, Any], Optional[SignedRequest]]


class LegacySigner(OptionsSigner):
    """``sigv2`` and S3's ``s3-v2`` / ``s3-v2-query``: the common case signed in one pass (the
    function ``_one_pass()`` picks for the options, once), every case step by step
    (``_sign_general``); verification is :mod:`signers._verification.legacy`'s, configured with
    this signer's options (see each signer's docstring for what the server checks)."""

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


bind_verification(LegacySigner, "._verification.legacy")
