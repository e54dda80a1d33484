"""Verifying a browser POST upload as S3 does (the checks behind :func:`signers.verify_post`).

S3 checks a POST upload in this order (each step as S3 was seen to answer; the sources are
named where each message is raised):

1. the form carries the signing fields of one scheme (``x-amz-algorithm``, ``x-amz-credential``,
   ``x-amz-date``, ``x-amz-signature`` for SigV4; ``AWSAccessKeyId``, ``signature`` for SigV2),
   a ``policy`` and a ``key`` (400 ``InvalidArgument``: "Bucket POST must contain a field named
   ...");  none of them: an anonymous upload, 403 ``AccessDenied``;
2. the SigV4 credential scope is well formed and names this region and ``s3`` (400
   ``InvalidArgument`` naming ``X-Amz-Credential``);
3. the access key is known (403 ``InvalidAccessKeyId``);
4. the signature of the policy *as sent* matches (403 ``SignatureDoesNotMatch``, with the
   policy as the string to sign), and the session token is the credentials' (``InvalidToken``);
5. the policy decodes (400 ``InvalidPolicyDocument``), has not expired (403 ``AccessDenied``
   "Policy expired."), and the form meets its conditions (403 ``AccessDenied`` "Policy
   Condition failed" / "Extra input fields"; 400 ``EntityTooLarge`` / ``EntityTooSmall``).
"""

from __future__ import annotations

import datetime as _dt
from typing import (
    TYPE_CHECKING,
    Any,
    BinaryIO,
    Dict,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    NoReturn,
    Optional,
    Sequence,
    Tuple,
    TypedDict,
    Union,
    cast,
)
from urllib.parse import urlsplit

from . import _crypto
from ._arguments import check_request
from ._multipart import MAX_FILE_BYTES, MAX_FORM_BYTES, FilePart, parse_multipart
from ._post_conditions import (
    EXEMPT_V2,
    EXEMPT_V4,
    FormView,
    Policy,
    check_form,
    decode_policy,
    expired,
    is_expired,
)
from ._time import parse_amz_date, resolve_time
from ._verification.dispatch import Lookup, lookup_credentials
from .endpoints import infer_scope
from .errors import (
    AccessDenied,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidOption,
    InvalidRequest,
    InvalidTime,
    InvalidToken,
    SignatureDoesNotMatch,
)
from .model import Credentials, Request
from .sigv4 import ALGORITHM

__all__ = ["VerifiedPost", "verify_post", "verify_post_request", "Fields", "PostExpected"]

# S3's POST form words.
SERVICE = "s3"
TERMINATOR = "aws4_request"
FILENAME = "${filename}"
TOKEN = "x-amz-security-token"
_V4_MARKERS = ("x-amz-algorithm", "x-amz-credential", "x-amz-signature")
_V2_MARKERS = ("awsaccesskeyid", "signature")
# The required fields in the order they are looked for, by lower-case name -> the spelling S3
# uses in 400 InvalidArgument "Bucket POST must contain a field named '...'.  If it is
# specified, please check the order of the fields." (two spaces), with ArgumentName and an
# empty ArgumentValue.  Recorded for 'X-Amz-Algorithm', 'X-Amz-Signature', 'AWSAccessKeyId',
# 'Signature' (LocalStack's TestS3PresignedPost, validated against S3) and 'key'
# (grafana/k6#1382, nukulb/s3-angular-file-upload#1); for a missing 'X-Amz-Credential',
# 'X-Amz-Date' or 'Policy' next to the other signing fields no answer is published, and the
# same pattern is used.
_V4_REQUIRED = (
    ("x-amz-algorithm", "X-Amz-Algorithm"),
    ("x-amz-credential", "X-Amz-Credential"),
    ("x-amz-date", "X-Amz-Date"),
    ("x-amz-signature", "X-Amz-Signature"),
    ("policy", "Policy"),
    ("key", "key"),
)
_V2_REQUIRED = (
    ("awsaccesskeyid", "AWSAccessKeyId"),
    ("signature", "Signature"),
    ("policy", "Policy"),
    ("key", "key"),
)
_CREDENTIAL_FORM = '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"'
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
_AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")

Fields = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


# -- URL: bucket and region ------------------------------------------------------------------


def split_url(url: object) -> Tuple[str, str, str]:
    """``(scheme, host, path)`` of a bucket URL; a bad URL is an :class:`InvalidRequest`."""
    if not isinstance(url, str):
        raise InvalidRequest(f"url: expected str, got {type(url).__name__}", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError as exc:
        raise InvalidRequest(f"url: {url!r} is not a valid URL ({exc})", field="url") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InvalidRequest(f"url: {url!r} is not an absolute http(s) URL", field="url")
    if parts.query or parts.fragment:
        raise InvalidRequest(f"url: {url!r}: a POST upload URL takes no query", field="url")
    return parts.scheme.lower(), host.lower(), parts.path


def _s3_label(host: str) -> int:
    """Index of the ``s3``/``s3-...`` label of an AWS S3 host name, or -1."""
    if not host.endswith(_AWS_SUFFIXES):
        return -1
    labels = host.split(".")
    return next(
        (i for i, label in enumerate(labels) if label == "s3" or label.startswith("s3-")), -1
    )


def bucket_of(url: str, *, strict: bool) -> Optional[str]:
    """The bucket a POST to ``url`` uploads to: virtual-hosted (``bucket.s3.region...``) or
    path-style (``host/bucket``).  ``None`` when the URL does not say (only when not strict)."""
    _, host, path = split_url(url)
    index = _s3_label(host)
    if index > 0:
        bucket: Optional[str] = ".".join(host.split(".")[:index])
        rest = path.strip("/")
    else:
        segments = path.strip("/").split("/", 1)
        bucket = segments[0] or None
        rest = segments[1] if len(segments) > 1 else ""
    if strict and (bucket is None or rest):
        raise InvalidRequest(
            f"url: cannot tell the bucket from {url!r} (expected https://BUCKET.s3.REGION."
            "amazonaws.com/ or https://HOST/BUCKET); pass bucket=",
            field="url",
        )
    return bucket if not rest else None


def region_of(url: str) -> Optional[str]:
    _, host, _ = split_url(url)
    scope = infer_scope(host)
    return scope.region if scope.service == SERVICE else None


def check_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidOption(f"{field}: expected a non-empty str, got {value!r}", field=field)
    if not value.isascii() or not value.isprintable() or "/" in value or " " in value:
        raise InvalidOption(
            f"{field}: {value!r} has a '/', a space or a non-ASCII character", field=field
        )
    return value


# -- verification ------------------------------------------------------------------------------


class VerifiedPost:
    """A POST upload that verified.

    ``scheme`` is ``post-v4`` or ``post-v2``; ``fields`` the form's ``(name, value)`` pairs with
    ``${filename}`` substituted; ``policy`` the decoded policy document; ``key`` the object key;
    ``bucket`` the bucket checked (or, when none was given, the one the policy names);
    ``content_length_range`` the ``(min, max)`` the policy allows (``None``: no limit), for a
    caller that enforces it while reading the file; ``file`` the upload when the request was
    parsed by :func:`verify_post_request`.  ``repr`` shows no signature or token.
    """

    __slots__ = (
        "access_key",
        "bucket",
        "content_length_range",
        "expiration",
        "fields",
        "file",
        "key",
        "policy",
        "region",
        "request_time",
        "scheme",
    )
    scheme: str
    access_key: str
    key: str
    bucket: Optional[str]
    region: Optional[str]
    fields: Tuple[Tuple[str, str], ...]
    policy: Dict[str, Any]
    expiration: _dt.datetime
    request_time: Optional[_dt.datetime]
    content_length_range: Optional[Tuple[int, int]]
    file: Optional[FilePart]

    def __init__(self, **values: Any) -> None:
        for name in self.__slots__:
            object.__setattr__(self, name, values.get(name))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("VerifiedPost is immutable")

    def _with_file(self, file: FilePart) -> VerifiedPost:
        values = {name: getattr(self, name) for name in self.__slots__}
        values["file"] = file
        return VerifiedPost(**values)

    def __repr__(self) -> str:
        return (
            f"VerifiedPost(scheme={self.scheme!r}, access_key={self.access_key!r}, "
            f"bucket={self.bucket!r}, key={self.key!r}, region={self.region!r})"
        )


class _Form:
    """The fields by lower-case name: values in order, and the spelling first sent."""

    def __init__(self, fields: object) -> None:
        if isinstance(fields, Mapping):
            pairs: Iterable[Any] = fields.items()
        elif isinstance(fields, (str, bytes)) or not isinstance(fields, Iterable):
            raise InvalidRequest(
                f"fields: expected a mapping or (name, value) pairs, got {type(fields).__name__}",
                field="fields",
            )
        else:
            pairs = fields
        self.pairs: List[Tuple[str, str]] = []
        self.values: Dict[str, List[str]] = {}
        self.spelling: Dict[str, str] = {}
        for pair in pairs:
            if not (isinstance(pair, tuple) and len(pair) == 2) or not all(
                isinstance(part, str) for part in pair
            ):
                raise InvalidRequest(
                    f"fields: expected (str, str) pairs, got {pair!r}"[:200], field="fields"
                )
            name, value = pair
            low = name.lower()
            self.pairs.append((name, value))
            self.values.setdefault(low, []).append(value)
            self.spelling.setdefault(low, name)

    def one(self, low: str, shown: str) -> Optional[str]:
        values = self.values.get(low)
        if not values or values == [""]:
            return None
        if len(values) > 1:
            # S3's answer to a repeated signing field is not published; refused as ambiguous.
            raise _argument(
                f"Bucket POST must contain exactly one field named '{shown}'.", shown, ""
            )
        return values[0]

    def require(self, required: Sequence[Tuple[str, str]]) -> Dict[str, str]:
        found: Dict[str, str] = {}
        for low, shown in required:
            value = self.one(low, shown)
            if value is None:
                raise _argument(
                    f"Bucket POST must contain a field named '{shown}'.  If it is specified, "
                    "please check the order of the fields.",
                    shown,
                    "",
                )
            found[low] = value
        return found


def _argument(message: str, name: str, value: str) -> InvalidArgument:
    return InvalidArgument(
        message, field=name, details=[("ArgumentName", name), ("ArgumentValue", value)]
    )


class _Auth(NamedTuple):
    scheme: str
    access_key: str
    region: Optional[str]
    date: str  # the credential date (SigV4)
    request_time: Optional[_dt.datetime]
    signature: str
    policy: str


def _v4_auth(found: Dict[str, str], region: Optional[str]) -> _Auth:
    """The SigV4 fields, checked.  S3's answers are 400 InvalidArgument naming the field, as
    captured: a region that is not the bucket's (CulturalMe/meteor-slingshot#150,
    aws/aws-sdk-js#2529), an empty access key (outline/outline#7060), a malformed x-amz-date
    (michaeldyrynda/s3upload#1, S3's own spelling "formated").  Not published for a POST, and
    taken from S3's answers to presigned URLs (whose "Error parsing the X-Amz-Credential
    parameter; " prefix is dropped): a malformed credential, its date format, terminator and
    service, an algorithm other than AWS4-HMAC-SHA256, a credential date that is not the day of
    x-amz-date (whether S3 checks that for a POST at all is not recorded)."""
    algorithm = found["x-amz-algorithm"]
    if algorithm != ALGORITHM:
        # S3's text for a presigned URL; none is published for a POST.
        raise _argument(
            f'X-Amz-Algorithm only supports "{ALGORITHM}"', "X-Amz-Algorithm", algorithm
        )
    stamp = found["x-amz-date"]
    try:
        request_time = parse_amz_date(stamp)
    except InvalidTime:
        # (S3's spelling, as captured)
        raise _argument(
            "X-Amz-Date must be formated via ISO8601 Long format", "X-Amz-Date", stamp
        ) from None
    credential = found["x-amz-credential"]
    parts = credential.split("/")

    def bad(message: str, *extra: Tuple[str, str]) -> NoReturn:
        error = _argument(message, "X-Amz-Credential", credential)
        error.details += extra
        raise error

    if len(parts) != 5 or not (credential.isascii() and credential.isprintable()):
        bad(f"the Credential is mal-formed; expecting {_CREDENTIAL_FORM}.")
    access_key, date, scope_region, service, terminator = parts
    if not access_key:
        bad("a non-empty Access Key (AKID) must be provided in the credential.")
    if "" in parts or " " in credential:
        bad(f"the Credential is mal-formed; expecting {_CREDENTIAL_FORM}.")
    if len(date) != 8 or not date.isdigit():
        bad(
            f'incorrect date format "{date}". This date in the credential must be in the '
            'format "yyyyMMdd".'
        )
    if terminator != TERMINATOR:
        bad(f'incorrect terminal "{terminator}". This endpoint uses "{TERMINATOR}".')
    if service != SERVICE:
        bad(f'incorrect service "{service}". This endpoint belongs to "{SERVICE}".')
    if region is not None and scope_region != region:
        bad(f"the region '{scope_region}' is wrong; expecting '{region}'", ("Region", region))
    if date != stamp[:8]:
        # S3's text for a presigned URL; for a POST it is not published.
        bad(
            f'Invalid credential date "{date}". This date is not the same as X-Amz-Date: '
            f'"{stamp[:8]}".'
        )
    return _Auth(
        "post-v4",
        access_key,
        scope_region,
        date,
        request_time,
        found["x-amz-signature"],
        found["policy"],
    )


def _check_signature(auth: _Auth, credentials: Credentials) -> None:
    message = auth.policy.encode("utf-8")
    if auth.scheme == "post-v4":
        assert auth.region is not None
        key = _crypto.signing_key(credentials.secret_key, auth.date, auth.region, SERVICE)
        expected = key.hexdigest(message)
    else:
        expected = _crypto.hmac_base64(credentials.secret_key, "sha1", message)
    if not _crypto.constant_time_equal(auth.signature, expected):
        raise SignatureDoesNotMatch(
            _MISMATCH,
            field="x-amz-signature" if auth.scheme == "post-v4" else "signature",
            string_to_sign=auth.policy,
            # S3's elements, in its order: the string to sign is the policy as sent
            details=[
                ("AWSAccessKeyId", auth.access_key),
                ("StringToSign", auth.policy),
                ("SignatureProvided", auth.signature),
                ("StringToSignBytes", " ".join("%02x" % b for b in message)),
            ],
        )


def _check_token(form: _Form, credentials: Credentials) -> None:
    # Session credentials: the form carries their token (and the policy names it).  Repeated
    # fields join with "," as S3 reads them (DevPay sent two tokens that way).
    sent = form.values.get(TOKEN)
    if not credentials.token_matches(None if sent is None else ",".join(sent)):
        raise InvalidToken("The provided token is malformed or otherwise invalid.", field=TOKEN)


def _filename(name: Optional[str]) -> Optional[str]:
    """What ``${filename}`` becomes: "only the text following the last slash (/) or backslash
    (\\) is used"; with no file name the variable stays as it is (S3 kept it literally when the
    file part had no filename parameter; the documentation says it becomes empty)."""
    if name is None:
        return None
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _authentication(form: _Form, region: Optional[str]) -> Tuple[_Auth, frozenset]:  # type: ignore[type-arg]
    """The scheme's signing fields, checked, and the fields its coverage rule exempts."""
    values = form.values
    if any(name in values for name in _V4_MARKERS):
        found = form.require(_V4_REQUIRED)
        auth = _v4_auth(found, region)
        exempt = EXEMPT_V4
    elif any(name in values for name in _V2_MARKERS):
        found = form.require(_V2_REQUIRED)
        auth = _Auth(
            "post-v2", found["awsaccesskeyid"], None, "", None, found["signature"], found["policy"]
        )
        exempt = EXEMPT_V2
    else:
        # No signature at all: S3 takes the upload as anonymous, which a bucket that is not
        # publicly writable refuses (LocalStack's recording: 403 "Access Denied"); so is a form
        # with a policy but no signing fields.
        raise AccessDenied("Access Denied", field="policy")
    return auth, exempt


if TYPE_CHECKING:  # (type checkers only: the core needs no typing_extensions at run time)
    from typing_extensions import Unpack


class PostExpected(TypedDict, total=False):
    """What the server expects of a POST upload: the keywords both entry points take."""

    now: Optional[_dt.datetime]
    region: Optional[str]
    bucket: Optional[str]


# (alike diagnose.diff_canonical's signature in shape only: two values, then optional keywords)
def verify_post(
    fields: Fields,
    lookup: Lookup,
    *,
    content_length: Optional[int] = None,
    filename: Optional[str] = None,
    **expected: Unpack[PostExpected],
) -> VerifiedPost:
    """Verify a browser POST upload's form fields as S3 does; a :class:`VerifiedPost`.

    ``fields``: the form's fields (a mapping or ``(name, value)`` pairs in order), the file part
    excluded.  ``lookup``: access key -> :class:`~signers.model.Credentials` or ``None`` (a
    mapping or a callable, as for :func:`signers.verify`).  ``now``: the time the policy must not
    have expired at (default now).  ``region``/``bucket``: what this server answers for
    (``None`` accepts the credential's region / leaves the ``bucket`` condition unchecked).
    ``content_length``: the file's size for ``content-length-range`` (``None``: returned as
    :attr:`VerifiedPost.content_length_range` to enforce while reading).  ``filename``: the
    upload's file name, for ``${filename}``.

    Raises :class:`~signers.errors.VerificationError` subclasses with S3's codes and messages.
    """
    form = _Form(fields)
    checked_at = resolve_time(expected.pop("now", None), field="now")
    region, bucket = expected.pop("region", None), expected.pop("bucket", None)
    if expected:
        raise TypeError(f"unexpected keyword argument {next(iter(expected))!r}")
    if content_length is not None and (
        isinstance(content_length, bool)
        or not isinstance(content_length, int)
        or content_length < 0
    ):
        raise InvalidOption(
            f"content_length: expected a non-negative int, got {content_length!r}",
            field="content_length",
        )
    if region is not None:
        region = check_name(region, "region")
    if bucket is not None:
        bucket = check_name(bucket, "bucket")
    if filename is not None and not isinstance(filename, str):
        raise InvalidOption(f"filename: expected str, got {filename!r}", field="filename")

    auth, exempt = _authentication(form, region)
    credentials = lookup_credentials(lookup, auth.access_key)
    if credentials is None:
        raise InvalidAccessKeyId(
            "The AWS Access Key Id you provided does not exist in our records.",
            field="access_key",
            details=[("AWSAccessKeyId", auth.access_key)],
        )
    _check_signature(auth, credentials)
    _check_token(form, credentials)
    policy = decode_policy(auth.policy)
    if is_expired(policy, checked_at):
        raise expired()

    # "All variables within the form are expanded prior to validating the POST policy."
    base = _filename(filename)
    values = form.values
    if base is not None:
        form.pairs = [(n, v.replace(FILENAME, base)) for n, v in form.pairs]
        values = {}
        for name, value in form.pairs:
            values.setdefault(name.lower(), []).append(value)
    view = FormView({n: ",".join(v) for n, v in values.items()}, form.spelling, bucket)
    allowed = check_form(policy, view, exempt, content_length)
    return VerifiedPost(
        scheme=auth.scheme,
        access_key=auth.access_key,
        key=view.values["key"],
        bucket=bucket if bucket is not None else _policy_bucket(policy),
        region=auth.region,
        fields=tuple(form.pairs),
        policy=policy.document,
        expiration=policy.expiration,
        request_time=auth.request_time,
        content_length_range=allowed,
        file=None,
    )


def _policy_bucket(policy: Policy) -> Optional[str]:
    for condition in policy.conditions:
        if (
            condition.operator == "eq"
            and condition.name is not None
            and condition.name.lower() == "$bucket"
        ):
            return str(condition.operands[0])
    return None


def verify_post_request(
    request: Request,
    lookup: Lookup,
    *,
    max_form_bytes: int = MAX_FORM_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
    **expected: Unpack[PostExpected],
) -> VerifiedPost:
    """Parse a POST upload request (multipart/form-data) and :func:`verify_post` it; the body
    is bytes or a binary file (read in chunks as the form is parsed).

    ``bucket``/``region`` default to what the request URL says (virtual-hosted or path-style;
    the region of an S3 endpoint).  The result carries the upload as :attr:`VerifiedPost.file`.
    """
    check_request(request)
    if request.method.upper() != "POST":
        raise InvalidRequest(
            f"method: a browser upload is a POST, not {request.method!r}", field="method"
        )
    body = request.body
    if not isinstance(body, bytes) and not callable(getattr(body, "read", None)):
        raise InvalidRequest(
            "body: the request body (bytes or a binary file) is needed to read the form",
            field="body",
        )
    fields, file = parse_multipart(
        request.header("content-type") or "",
        body if isinstance(body, bytes) else cast(BinaryIO, body),  # (checked above)
        max_form_bytes=max_form_bytes,
        max_file_bytes=max_file_bytes,
    )
    url = request.url.split("?", 1)[0]
    if expected.get("bucket") is None:
        expected["bucket"] = bucket_of(url, strict=False)
    if expected.get("region") is None:
        expected["region"] = region_of(url)
    verified = verify_post(
        fields, lookup, content_length=file.size, filename=file.filename, **expected
    )
    return verified._with_file(file)
