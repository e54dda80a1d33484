"""sigbridge: sign and verify AWS API requests with every signature version still in use.

Sign a request::

    import datetime, signers

    signer = signers.get_signer("sigv4", region="us-east-1", service="sts")
    request = signers.Request("GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15")
    creds = signers.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    signed = signer.sign(request, creds, at=datetime.datetime.now(datetime.timezone.utc))
    signed.headers  # the original headers plus X-Amz-Date and Authorization

Everything public is re-exported here; submodules starting with ``_`` are private.
"""

from __future__ import annotations

from ._cache import set_cache_size
from ._lazy import lazy_attributes
from .errors import (
    AccessDenied,
    AlreadySigned,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    BadDigest,
    IncompleteBody,
    IncompleteSignature,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidChunkSizeError,
    InvalidClientTokenId,
    InvalidCredentials,
    InvalidOption,
    InvalidParameterCombination,
    InvalidParameterValue,
    InvalidRequest,
    InvalidTime,
    InvalidToken,
    MalformedTrailerError,
    MissingAuthenticationToken,
    MissingDependency,
    MissingParameter,
    RequestExpired,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    SigningError,
    UnknownScheme,
    UnsupportedAuthorization,
    VerificationError,
    XAmzContentSHA256Mismatch,
)
from .model import (
    UNSIGNED_PAYLOAD,
    Artifacts,
    Credentials,
    PayloadHash,
    Request,
    SignedRequest,
)
from .registry import ENTRY_POINT_GROUP, available, get_signer, load_errors, schemes

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "ENTRY_POINT_GROUP",
    "UNSIGNED_PAYLOAD",
    "AlreadySigned",
    "Artifacts",
    "Credentials",
    "InvalidCredentials",
    "InvalidOption",
    "InvalidRequest",
    "InvalidTime",
    "MigrationError",
    "MigrationResult",
    "MissingDependency",
    "PayloadHash",
    "Request",
    "SignedRequest",
    "Signer",
    "Verifier",
    "SigningError",
    "UnknownScheme",
    "available",
    "get_signer",
    "load_errors",
    "migrate",
    "schemes",
    "set_cache_size",
    "AccessDenied",
    "AuthorizationHeaderMalformed",
    "AuthorizationQueryParametersError",
    "IncompleteSignature",
    "InvalidAccessKeyId",
    "InvalidArgument",
    "InvalidClientTokenId",
    "InvalidToken",
    "MissingAuthenticationToken",
    "MissingParameter",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "RequestExpired",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
    "UnsupportedAuthorization",
    "VerificationError",
    "XAmzContentSHA256Mismatch",
    "IncompleteBody",
    "InvalidChunkSizeError",
    "BadDigest",
    "MalformedTrailerError",
    "Verified",
    "verify",
    "PresignedPost",
    "VerifiedPost",
    "presign_post",
    "verify_post",
]


# Verification and migration load on first use: most programs only sign, and ``import signers``
# stays light (the benchmark suite measures it).  So does everything not needed to sign: no module
# on this import path imports typing, re, enum or threading at run time (each writes
# ``TYPE_CHECKING = False``, the constant type checkers read as true, instead of importing
# typing.TYPE_CHECKING); tests/performance/test_import_footprint.py holds it.
TYPE_CHECKING = False
_LAZY: dict[str, str] = {
    "migrate": "._tools.migrate",
    "MigrationError": "._tools.migrate",
    "MigrationResult": "._tools.migrate",
    "Signer": ".protocols",
    "Verifier": ".protocols",
    "verify": "._verification",
    "Verified": "._verification",
    "presign_post": ".post_policy",
    "PresignedPost": ".post_policy",
    "verify_post": ".post_policy",
    "VerifiedPost": ".post_policy",
}

if TYPE_CHECKING:
    from ._tools.migrate import MigrationError, MigrationResult, migrate
    from ._verification import Verified, verify
    from .post_policy import PresignedPost, VerifiedPost, presign_post, verify_post
    from .protocols import Signer, Verifier


__getattr__, __dir__ = lazy_attributes(_LAZY, globals())
