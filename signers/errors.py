"""The error tree.

Every error sigbridge raises on bad input derives from :class:`SigningError`.  Its ``str()`` is one
line that names the field at fault and never contains a secret; ``field`` carries the field name,
``stage`` the signing stage that failed, and ``canonical_request`` / ``string_to_sign`` whatever
had been computed when it failed (``None`` otherwise).
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "SigningError",
    "InvalidRequest",
    "InvalidCredentials",
    "InvalidTime",
    "InvalidOption",
    "AlreadySigned",
    "UnknownScheme",
]


def _one_line(text: str) -> str:
    # A message is always one line: CR/LF inside a value (which is usually the very thing being
    # reported) are shown escaped rather than breaking the line.
    return text.replace("\r", "\\r").replace("\n", "\\n")


class SigningError(ValueError):
    """Base class for every error sigbridge raises about its input."""

    def __init__(
        self,
        message: str,
        *,
        field: Optional[str] = None,
        stage: Optional[str] = None,
        canonical_request: Optional[str] = None,
        string_to_sign: Optional[str] = None,
    ) -> None:
        message = _one_line(message)
        super().__init__(message)
        self.message = message
        self.field = field
        self.stage = stage
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidRequest(SigningError):
    """The request cannot be signed as given (URL, method, a header, the body)."""


class InvalidCredentials(SigningError):
    """The credentials are missing a part or malformed."""


class InvalidTime(SigningError):
    """A time is naive, unparsable or out of range."""


class InvalidOption(SigningError):
    """A signer option is unknown, missing or out of range."""


class AlreadySigned(InvalidRequest):
    """The request already carries a header or parameter that signing adds."""


class UnknownScheme(SigningError, LookupError):
    """No signer is registered under the requested name."""
