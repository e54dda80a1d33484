"""The error tree.

Every error sigbridge raises on bad input derives from :class:`SigningError`.  Its ``str()`` is one
line that names the field at fault and never contains a secret; ``field`` carries the field name,
``stage`` the stage that failed, and ``canonical_request`` / ``string_to_sign`` whatever had been
computed when it failed (``None`` otherwise; a session token in them is masked).

The stages: ``request`` (the request as given), ``credentials``, ``time``, ``options``,
``signer`` (finding or building one), ``scope`` (inferring region and service),
``canonical-request`` and ``payload-hash`` (SigV4's first stage), ``event-stream`` /
``event-signature``, ``aws-chunked`` / ``chunk-signature`` (streamed bodies), ``verify`` (a
server's check of a signed request).  Each error class has its default; a raise site inside a
signing stage names the stage.
"""

from __future__ import annotations

from ._redact import MASK, redact

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see signers/__init__)
if TYPE_CHECKING:
    from typing import Iterable, Optional, Tuple

__all__ = [
    "SigningError",
    "InvalidRequest",
    "InvalidCredentials",
    "InvalidTime",
    "InvalidOption",
    "AlreadySigned",
    "AmbiguousScope",
    "InvalidEventStream",
    "UnknownScheme",
    "MissingDependency",
    "CredentialsError",
    "CredentialsNotFound",
    "ConfigFileError",
    "CredentialsServiceError",
    "PROTOCOLS",
    "VerificationError",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "AuthorizationHeaderMalformed",
    "AuthorizationQueryParametersError",
    "InvalidAccessKeyId",
    "InvalidClientTokenId",
    "RequestTimeTooSkewed",
    "AccessDenied",
    "XAmzContentSHA256Mismatch",
    "InvalidArgument",
    "InvalidToken",
    "MissingAuthenticationToken",
    "UnsupportedAuthorization",
    "MissingParameter",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "RequestExpired",
    "EntityTooLarge",
    "EntityTooSmall",
    "InvalidPolicyDocument",
    "MalformedPOSTRequest",
    "PreconditionFailed",
    "MaxPostPreDataLengthExceeded",
    "IncompleteBody",
    "InvalidChunkSizeError",
    "BadDigest",
    "MalformedTrailerError",
]


def _one_line(text: str) -> str:
    # A message is always one line: CR/LF inside a value (which is usually the very thing being
    # reported) are shown escaped rather than breaking the line.
    return text.replace("\r", "\\r").replace("\n", "\\n")


# The keyword records below exist for type checkers only: ``TypedDict`` would load ``typing``
# on ``import signers`` and ``Unpack`` needs typing_extensions before 3.11 (the core has none).
if TYPE_CHECKING:
    from typing import TypedDict

    from typing_extensions import Unpack

    class ErrorContext(TypedDict, total=False):
        """What a raise site may say besides the message (:class:`SigningError`'s keywords, all
        optional): the field at fault, the stage, and what had been computed when it failed."""

        field: Optional[str]
        stage: Optional[str]
        canonical_request: Optional[str]
        string_to_sign: Optional[str]

    class CredentialsContext(TypedDict, total=False):
        """:class:`CredentialsError`'s keyword: ``source``, where the failing source is."""

        source: Optional[str]


# ErrorContext's keys, for the run-time check of keywords a caller passes
_CONTEXT_KEYS = frozenset(("field", "stage", "canonical_request", "string_to_sign"))


class SigningError(ValueError):
    """Base class for every error sigbridge raises about its input."""

    #: the stage an error of this class reports unless its raise site names one
    default_stage: Optional[str] = None

    def __init__(self, message: str, **context: Unpack[ErrorContext]) -> None:
        unknown = context.keys() - _CONTEXT_KEYS
        if unknown:
            raise TypeError(f"unexpected keyword argument {min(unknown)!r}")
        message = _one_line(message)
        super().__init__(message)
        self.message = message
        self.field = context.get("field")
        stage = context.get("stage")
        self.stage = stage if stage is not None else self.default_stage
        canonical_request = context.get("canonical_request")
        self.canonical_request = redact(canonical_request) if canonical_request else None
        self.string_to_sign = context.get("string_to_sign")

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidRequest(SigningError):
    """The request cannot be signed as given (URL, method, a header, the body)."""

    default_stage = "request"


class InvalidCredentials(SigningError):
    """The credentials are missing a part or malformed."""

    default_stage = "credentials"


class InvalidTime(SigningError):
    """A time is naive, unparsable or out of range."""

    default_stage = "time"


class InvalidOption(SigningError):
    """A signer option is unknown, missing or out of range."""

    default_stage = "options"


class AlreadySigned(InvalidRequest):
    """The request already carries a header or parameter that signing adds."""


class AmbiguousScope(InvalidRequest):
    """The SigV4 region or signing name cannot be told from the request: its host is not an AWS
    endpoint, names no region, or contradicts the API the request names.  The message says which
    of ``--service`` / ``--region`` to pass and why; ``field`` is ``service`` or ``region``."""

    default_stage = "scope"


class InvalidEventStream(InvalidRequest):
    """Bytes that are not a well-formed event stream (``application/vnd.amazon.eventstream``):
    a bad CRC, a length out of range, a truncated or oversized message, a malformed header."""

    default_stage = "event-stream"


class UnknownScheme(SigningError, LookupError):
    """No signer is registered under the requested name."""

    default_stage = "signer"


class MissingDependency(SigningError):
    """A scheme needs an optional package that is not installed (``field`` names the package).

    The message says which extra to install, e.g. ``pip install 'sigbridge[sigv4a]'``.
    """

    default_stage = "signer"


# -- obtaining credentials (signers.credentials) -----------------------------------------------
#
# A credential source (environment, shared files, credential_process, STS, container endpoint,
# EC2 instance metadata) that is configured but cannot deliver.  These derive from
# InvalidCredentials, so one ``except InvalidCredentials`` covers credentials that are missing,
# malformed, or could not be obtained.  ``source`` names where: a file and line, an endpoint, an
# environment variable; never a secret.


class CredentialsError(InvalidCredentials):
    """A credential source is configured but failed; ``source`` says which and where."""

    def __init__(self, message: str, *, source: Optional[str] = None) -> None:
        super().__init__(message, stage="credentials")
        self.source = source


class CredentialsNotFound(CredentialsError):
    """No source in a chain holds credentials."""


class ConfigFileError(CredentialsError):
    """A shared config or credentials file is malformed; ``path`` and ``line`` locate it."""

    def __init__(self, message: str, *, path: str, line: Optional[int] = None) -> None:
        source = path if line is None else f"{path} line {line}"
        super().__init__(message, source=source)
        self.path = path
        self.line = line


class CredentialsServiceError(CredentialsError):
    """A credentials service (STS, a container endpoint, IMDS) answered with an error.

    ``code`` is AWS's error code when the answer carried one (``AccessDenied``,
    ``ExpiredTokenException`` ...), ``status`` the HTTP status.
    """

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        status: Optional[int] = None,
        **context: Unpack[CredentialsContext],
    ) -> None:
        super().__init__(message, **context)
        self.code = code
        self.status = status


# -- verification ------------------------------------------------------------------------------
#
# A verifier answers as AWS does: every failure carries the AWS error code, the HTTP status AWS
# uses, and the name JSON-protocol services give the same failure (they say
# ``InvalidSignatureException`` where query and S3 services say ``SignatureDoesNotMatch``).  The
# class is the condition; ``code`` is what AWS calls it on the wire, which for a few conditions
# depends on the service (S3 or not), so a raise site may override it.

#: Protocol families an AWS error can be rendered for.
PROTOCOLS = ("s3", "query", "json")


class VerificationError(SigningError):
    """A request failed verification.  ``code``/``http_status`` are AWS's answer to it.

    ``json_code`` is the ``__type`` JSON-protocol services use; :meth:`code_for` picks by
    protocol.  ``details`` are extra ``(name, value)`` elements AWS adds to its XML error
    (``HeadersNotSigned``, ``ServerTime``, ``X-Amz-Expires`` ...).  ``canonical_request`` /
    ``string_to_sign`` are what the server computed (S3 returns them with
    ``SignatureDoesNotMatch``); no secret is ever carried.
    """

    code = "AccessDenied"
    http_status = 403
    json_code = "AccessDeniedException"
    default_stage = "verify"

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        http_status: Optional[int] = None,
        json_code: Optional[str] = None,
        details: Iterable[Tuple[str, str]] = (),
        **context: Unpack[ErrorContext],
    ) -> None:
        super().__init__(message, **context)
        # Instance attributes shadow the class defaults only when a raise site overrides them.
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status
        if json_code is not None:
            self.json_code = json_code
        # (the signature a client sent is a credential for that request: masked like a token)
        self.details: Tuple[Tuple[str, str], ...] = tuple(
            (name, MASK if name == "SignatureProvided" else value) for name, value in details
        )

    def code_for(self, protocol: str) -> str:
        """The code AWS uses for this failure in ``protocol`` (``s3``, ``query``, ``json``)."""
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol: {protocol!r} is not one of {', '.join(PROTOCOLS)}")
        return self.json_code if protocol == "json" else self.code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class SignatureDoesNotMatch(VerificationError):
    """The signature (or, outside S3, the credential scope) is not what the server computed."""

    code = "SignatureDoesNotMatch"
    http_status = 403
    json_code = "InvalidSignatureException"


class IncompleteSignature(VerificationError):
    """A component of the Authorization header is missing or malformed (query and JSON services)."""

    code = "IncompleteSignature"
    http_status = 400
    json_code = "IncompleteSignatureException"


class AuthorizationHeaderMalformed(VerificationError):
    """S3's answer to a malformed Authorization header or a credential scope it does not serve."""

    code = "AuthorizationHeaderMalformed"
    http_status = 400
    json_code = "IncompleteSignatureException"


class AuthorizationQueryParametersError(VerificationError):
    """A presigned URL's X-Amz-* parameters are missing, repeated or out of range."""

    code = "AuthorizationQueryParametersError"
    http_status = 400
    json_code = "IncompleteSignatureException"


class InvalidAccessKeyId(VerificationError):
    """The access key is not known to the server (S3's code; see :class:`InvalidClientTokenId`)."""

    code = "InvalidAccessKeyId"
    http_status = 403
    json_code = "UnrecognizedClientException"


class InvalidClientTokenId(InvalidAccessKeyId):
    """An unknown access key as query-protocol services (STS, SQS, IAM ...) report it."""

    code = "InvalidClientTokenId"
    http_status = 403
    json_code = "UnrecognizedClientException"


class RequestTimeTooSkewed(VerificationError):
    """The request time is more than the allowed skew away from the server's clock."""

    code = "RequestTimeTooSkewed"
    http_status = 403
    json_code = "InvalidSignatureException"


class AccessDenied(VerificationError):
    """Denied with no more specific code: an expired presigned URL, headers not signed."""

    code = "AccessDenied"
    http_status = 403
    json_code = "AccessDeniedException"


class XAmzContentSHA256Mismatch(VerificationError):
    """The ``x-amz-content-sha256`` header does not match the SHA-256 of the body received."""

    code = "XAmzContentSHA256Mismatch"
    http_status = 400
    json_code = "InvalidSignatureException"


class InvalidArgument(VerificationError):
    """A request value AWS refuses outright (two auth mechanisms, a bad x-amz-content-sha256)."""

    code = "InvalidArgument"
    http_status = 400
    json_code = "InvalidParameterException"


class InvalidToken(VerificationError):
    """The session token sent is not the one issued with the access key (or none was expected)."""

    code = "InvalidToken"
    http_status = 400
    json_code = "UnrecognizedClientException"


class MissingAuthenticationToken(VerificationError):
    """The request carries no signature at all."""

    code = "MissingAuthenticationToken"
    http_status = 403
    json_code = "MissingAuthenticationTokenException"


class UnsupportedAuthorization(VerificationError):
    """A recognized scheme for which no verifier is available (``InvalidRequest``, as S3 says)."""

    code = "InvalidRequest"
    http_status = 400
    json_code = "IncompleteSignatureException"


# -- the query services' answers to SigV2 ------------------------------------------------------
#
# Query APIs (EC2, SQS, SimpleDB, ...) report a problem with a SigV2 parameter with their generic
# parameter codes, listed among the "common errors" of every query API reference.


class MissingParameter(IncompleteSignature):
    """A required SigV2 parameter (``Signature``, ``SignatureMethod`` ...) is missing."""

    code = "MissingParameter"
    http_status = 400


class InvalidParameterValue(IncompleteSignature):
    """A SigV2 parameter has a value AWS refuses (an unknown ``SignatureMethod``, a bad time)."""

    code = "InvalidParameterValue"
    http_status = 400


class InvalidParameterCombination(IncompleteSignature):
    """SigV2 parameters that must not be used together (``Timestamp`` and ``Expires``)."""

    code = "InvalidParameterCombination"
    http_status = 400


class RequestExpired(RequestTimeTooSkewed):
    """Query services' code for a SigV2 request outside its time window.

    A ``Timestamp`` more than the allowed skew away from the server's clock, or an ``Expires``
    that passed more than the allowed skew ago ("Request has expired. Timestamp date is ...").
    A subclass of :class:`RequestTimeTooSkewed`: the condition is the same, the code differs.
    """

    code = "RequestExpired"
    http_status = 400


# -- S3's answers to browser POST uploads (POST policies) --------------------------------------
#
# The codes and statuses are those of S3's error table (ErrorResponses) and of S3's answers as
# recorded by others where the table and the wire disagree (see signers/post_policy.py).


class EntityTooLarge(VerificationError):
    """The upload is larger than the policy's ``content-length-range`` (or the server) allows."""

    code = "EntityTooLarge"
    http_status = 400
    json_code = "InvalidParameterException"


class EntityTooSmall(VerificationError):
    """The upload is smaller than the policy's ``content-length-range`` allows."""

    code = "EntityTooSmall"
    http_status = 400
    json_code = "InvalidParameterException"


class InvalidPolicyDocument(VerificationError):
    """A POST policy that is not a policy: bad base64, bad JSON, a condition of the wrong shape."""

    code = "InvalidPolicyDocument"
    http_status = 400
    json_code = "InvalidParameterException"


class MalformedPOSTRequest(VerificationError):
    """The body of a POST upload is not well-formed multipart/form-data."""

    code = "MalformedPOSTRequest"
    http_status = 400
    json_code = "InvalidParameterException"


class PreconditionFailed(VerificationError):
    """A POST upload whose body is not multipart/form-data (S3 answers 412 with a Condition)."""

    code = "PreconditionFailed"
    http_status = 412
    json_code = "InvalidParameterException"


class MaxPostPreDataLengthExceeded(VerificationError):
    """The form fields before the file of a POST upload are over the limit (S3: 20 KiB)."""

    code = "MaxPostPreDataLengthExceeded"
    http_status = 400
    json_code = "InvalidParameterException"


# -- S3's answers to aws-chunked bodies ----------------------------------------------------------
#
# The codes S3 gives a chunked upload it refuses, as S3-compatible servers recorded them against
# S3 itself (versity/versitygw issues 1653, 1660, 1666, 1683, 1685, 1690, 1692 and 1694, where the
# expected answers are S3's): malformed framing and truncation IncompleteBody; a short chunk that
# is not the last InvalidChunkSizeError; a checksum that does not match BadDigest ("The CRC32C you
# specified did not match the calculated checksum."); trailing data that breaks the format
# MalformedTrailerError.  A chunk or trailer signature that does not match is
# SignatureDoesNotMatch.


class IncompleteBody(VerificationError):
    """An aws-chunked body that ends early or breaks the chunk format, or whose decoded length is
    not the ``x-amz-decoded-content-length`` declared."""

    code = "IncompleteBody"
    http_status = 400
    json_code = "InvalidParameterException"


class InvalidChunkSizeError(VerificationError):
    """A chunk that is not the last is under 8 KiB (S3's minimum), or over the server's limit."""

    code = "InvalidChunkSizeError"
    http_status = 403
    json_code = "InvalidParameterException"


class BadDigest(VerificationError):
    """The payload does not match the ``x-amz-checksum-*`` value sent (header or trailer)."""

    code = "BadDigest"
    http_status = 400
    json_code = "InvalidParameterException"


class MalformedTrailerError(VerificationError):
    """The trailer of an aws-chunked body is malformed, undeclared in ``x-amz-trailer``, or
    missing one that was declared."""

    code = "MalformedTrailerError"
    http_status = 400
    json_code = "InvalidParameterException"
