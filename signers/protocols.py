"""What a signer is, as types: the :class:`Signer` and :class:`Verifier` protocols, and the keyword
options of the built-in signers (for type checkers: ``get_signer("sigv4", region=...)`` is checked
against :class:`SigV4Kwargs`).

A plug-in needs no import from here: any object with these attributes and methods is a signer.
This module is for type checkers and readers; ``import signers`` does not load it.
"""

from __future__ import annotations

import datetime as _dt
from typing import (
    TYPE_CHECKING,
    FrozenSet,
    Iterable,
    Optional,
    Protocol,
    TypedDict,
    Union,
    runtime_checkable,
)

from .model import Artifacts, Request, SignedRequest

if TYPE_CHECKING:
    from ._arguments import CredentialsLike

__all__ = [
    "Signer",
    "Verifier",
    "SigV4FamilyKwargs",
    "SigV4Kwargs",
    "SigV4AKwargs",
    "SigV2Kwargs",
]


@runtime_checkable
class Signer(Protocol):
    """What a signer provides: a name, a one-line description, the features it covers (for the
    conformance harness), and ``sign``."""

    name: str
    description: str
    features: FrozenSet[str]

    def sign(
        self, request: Request, credentials: CredentialsLike, at: Optional[_dt.datetime] = None
    ) -> SignedRequest: ...


@runtime_checkable
class Verifier(Protocol):
    """A signer that also verifies: ``verify`` raises a
    :class:`~signers.errors.VerificationError` carrying AWS's code, or returns the artifacts."""

    name: str

    # (restated by OptionsSigner.verify, the built-in signers' one: a protocol declares)
    def verify(
        self,
        request: Request,
        credentials: CredentialsLike,
        now: Optional[_dt.datetime] = None,
        max_skew: float = 900,
    ) -> Artifacts: ...


class SigV4FamilyKwargs(TypedDict, total=False):
    """The options SigV4 and SigV4A share (:class:`signers.options.SigV4Options`)."""

    # What a caller may pass, as SigV4Options.__init__ takes it (None: the default or the preset's
    # choice); SigV4Options declares the same names as what a value holds.
    service: str
    placement: str
    expires: Optional[int]
    normalize_path: Optional[bool]
    double_encode: Optional[bool]
    sign_body: Optional[bool]
    session_token: str
    unsigned_headers: Union[Iterable[str], str]
    s3: bool


class SigV4Kwargs(SigV4FamilyKwargs, total=False):
    """The options of ``sigv4`` / ``sigv4-query`` (:class:`signers.options.SigV4Options`)."""

    region: str


class SigV4AKwargs(SigV4FamilyKwargs, total=False):
    """The options of ``sigv4a`` / ``sigv4a-query`` (:class:`signers.options.SigV4AOptions`)."""

    region_set: Union[str, Iterable[str]]
    region: str


class SigV2Kwargs(TypedDict, total=False):
    """The options of ``sigv2`` (:class:`signers.sigv2.SigV2Signer`)."""

    signature_method: str
    placement: Optional[str]
    expires: Union[int, _dt.datetime, None]
