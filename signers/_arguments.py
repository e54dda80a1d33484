"""The checks every signer and verifier starts with, and what they take as credentials: a
:class:`~signers.model.Credentials` value or a provider of current ones."""

from __future__ import annotations

from typing import Protocol, Union, runtime_checkable

from .errors import InvalidCredentials, InvalidRequest
from .model import STREAM_BODY_MESSAGE, Credentials, Request, is_stream

__all__ = [
    "CredentialProvider",
    "CredentialsLike",
    "check_arguments",
    "check_credentials",
    "check_request",
    "resolve_credentials",
]


@runtime_checkable
class CredentialProvider(Protocol):
    """Anything that hands out the credentials to sign with now."""

    def credentials(self) -> Credentials:
        """The current credentials, refreshed first when they are about to expire."""
        ...


#: What a signer takes as credentials: the value, or a provider of current ones.
CredentialsLike = Union[Credentials, CredentialProvider]


def check_request(request: object) -> None:
    """The type check of a request argument: one message, wherever a request is taken."""
    if type(request) is not Request and not isinstance(request, Request):
        raise InvalidRequest(
            f"request: expected signers.Request, got {type(request).__name__}", field="request"
        )


def check_credentials(credentials: object) -> Credentials:
    """The type check of a credentials argument where a provider is not taken (a chain of
    chunk or event signatures, a POST policy): one message, wherever it is made."""
    if not isinstance(credentials, Credentials):
        raise InvalidCredentials(
            f"credentials: expected signers.Credentials, got {type(credentials).__name__}",
            field="credentials",
        )
    return credentials


def check_arguments(request: object, credentials: object, *, stream: bool = False) -> Credentials:
    """The type checks every signer starts with (exact types first: they are the common case);
    the credentials to sign with (a provider's current ones: :func:`resolve_credentials`).
    A file-object body is refused unless ``stream`` (verification of an aws-chunked body)."""
    check_request(request)
    if not stream and is_stream(request[3]):  # type: ignore[index]
        raise InvalidRequest(STREAM_BODY_MESSAGE, field="body")
    if type(credentials) is Credentials:
        return credentials
    return resolve_credentials(credentials)


def resolve_credentials(credentials: object) -> Credentials:
    """``credentials`` when they are :class:`Credentials`; else a provider's current ones
    (anything with a ``credentials()`` method, such as ``signers.credentials.default_chain()``,
    asked now: refreshable credentials are refreshed when they are about to expire)."""
    if isinstance(credentials, Credentials):
        return credentials
    method = getattr(credentials, "credentials", None)
    if not callable(method):
        raise InvalidCredentials(
            "credentials: expected signers.Credentials or a provider with a credentials() "
            f"method, got {type(credentials).__name__}",
            field="credentials",
        )
    got = method()
    if not isinstance(got, Credentials):
        raise InvalidCredentials(
            f"credentials: {type(credentials).__name__}.credentials() returned "
            f"{type(got).__name__}, not signers.Credentials",
            field="credentials",
        )
    return got
