"""Event streams (``application/vnd.amazon.eventstream``) and their SigV4 signatures.

Streaming-input APIs (Transcribe streaming, Lex V2 StartConversation, Bedrock bidirectional
streams) sign in two steps, as the Transcribe guide ("Setting up a streaming transcription")
describes and the SDKs implement:

1. the HTTP request is signed with SigV4, declaring the payload hash
   ``STREAMING-AWS4-HMAC-SHA256-EVENTS`` (sent as ``x-amz-content-sha256``).  Its signature is
   the *seed*;
2. every event-stream message is wrapped in an envelope message whose headers are ``:date``
   (timestamp) and ``:chunk-signature`` (32-byte byte array) and whose payload is the encoded
   message.  The signature is the hex HMAC-SHA256, under the SigV4 signing key of the envelope's
   date, region and service, of the string to sign::

       AWS4-HMAC-SHA256-PAYLOAD
       <YYYYMMDDTHHMMSSZ of the envelope>
       <date>/<region>/<service>/aws4_request
       <hex of the prior signature: the seed for the first envelope>
       <hex SHA-256 of the encoded :date header>
       <hex SHA-256 of the payload>

   The chain ends with an envelope whose payload is empty.

The framing itself (messages, typed headers, CRCs) lives in :mod:`signers._eventstream_codec` and
is re-exported here.  Signing keeps the envelope's time to the whole second, as the Rust and Ruby
SDKs do, so that ``:date`` and the string to sign name the same instant; verification accepts
milliseconds in ``:date`` (the Go SDK and aws-c-auth send them) and signs its whole seconds.
"""

from __future__ import annotations

import datetime as _dt
import hmac
from hashlib import sha256 as _sha256
from typing import (
    TYPE_CHECKING,
    Iterator,
    Literal,
    NoReturn,
    Optional,
    Tuple,
    Type,
    Union,
    overload,
)

from . import _crypto, _eventstream_codec
from ._arguments import check_credentials, check_request
from ._core.sigv4 import credential_scope
from ._eventstream_codec import *  # noqa: F403 (the framing, re-exported: its __all__)
from ._eventstream_codec import (
    MAX_MESSAGE_SIZE,
    MESSAGE_OVERHEAD,
    HeaderType,
    HeaderValue,
    Message,
    Source,
    decode_message,
    encode_headers,
    encode_message,
)
from ._redact import state_repr
from ._time import UTC, amz_date, resolve_time
from .errors import (
    IncompleteSignature,
    InvalidArgument,
    InvalidCredentials,
    InvalidEventStream,
    InvalidOption,
    InvalidRequest,
    InvalidTime,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    SigningError,
)
from .model import Credentials, Request, SignedRequest

if TYPE_CHECKING:
    from .sigv4 import SigV4Signer

__all__ = [
    # signing
    "ALGORITHM",
    "STREAMING_EVENTS_PAYLOAD",
    "CONTENT_TYPE",
    "DATE_HEADER",
    "SIGNATURE_HEADER",
    "date_header",
    "string_to_sign",
    "message_signature",
    "sign_message",
    "EventStreamSigner",
    "sign_initial_request",
    # verification
    "verify_envelope",
    "verify_stream",
    "verify_initial_request",
]
__all__ += _eventstream_codec.__all__  # the framing, re-exported

ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_EVENTS_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-EVENTS"
CONTENT_TYPE = "application/vnd.amazon.eventstream"
DATE_HEADER = ":date"
SIGNATURE_HEADER = ":chunk-signature"

_HEX = frozenset("0123456789abcdef")
_EMPTY_SHA256 = _crypto.EMPTY_SHA256


# -- the signing step, at the level of bytes ------------------------------------------------------


def _wrong_type(
    field: str, expected: str, value: object, error: Type[SigningError] = InvalidRequest
) -> SigningError:
    # The one refusal of a value of the wrong type: one line naming the field and what it takes.
    return error(f"{field}: expected {expected}, got {type(value).__name__}", field=field)


def _check_hex(value: object, field: str, *, exact: Optional[int] = None) -> str:
    if not isinstance(value, str):
        raise _wrong_type(field, "a hex string", value)
    lowered = value.lower()
    if len(lowered) % 2 or not _HEX.issuperset(lowered):
        raise InvalidRequest(f"{field}: not a hex string", field=field)
    if exact is not None and len(lowered) != exact:
        raise InvalidRequest(
            f"{field}: {len(lowered)} hex digits; a SigV4 signature has {exact}", field=field
        )
    return lowered


def _split_scope(scope: object) -> Tuple[str, str, str]:
    parts = scope.split("/") if isinstance(scope, str) else []
    if len(parts) != 4 or parts[3] != "aws4_request" or not all(parts[:3]):
        raise InvalidRequest(
            f"scope: {scope!r} is not date/region/service/aws4_request", field="scope"
        )
    if len(parts[0]) != 8 or not parts[0].isdigit():
        raise InvalidRequest(f"scope: date {parts[0]!r} is not YYYYMMDD", field="scope")
    return parts[0], parts[1], parts[2]


def date_header(at: Union[_dt.datetime, int]) -> bytes:
    """The encoded ``:date`` header of a time (aware datetime, kept to the millisecond, or
    milliseconds since the epoch): the bytes whose SHA-256 the string to sign carries."""
    return encode_headers(((DATE_HEADER, HeaderValue.timestamp(at)),))


def string_to_sign(
    *, amz_date: str, scope: str, prior_signature: str, date_header: bytes, payload: bytes
) -> str:
    """The event string to sign: algorithm, time, scope, prior signature (hex, as given) and the
    hex SHA-256 of the header bytes and of the payload, joined by newlines.  Pure."""
    return "\n".join(
        (
            ALGORITHM,
            amz_date,
            scope,
            prior_signature,
            _sha256(date_header).hexdigest(),
            _sha256(payload).hexdigest() if payload else _EMPTY_SHA256,
        )
    )


def message_signature(
    key: Union[Credentials, _crypto.SigningKey],
    *,
    prior_signature: str,
    date_header: bytes,
    payload: bytes,
    amz_date: str,
    scope: str,
) -> str:
    """The hex signature of one envelope, from bytes: ``date_header`` is the encoded header
    bytes signed (normally the ``:date`` header), ``payload`` the envelope's payload (the encoded
    inner message; empty for the end of the stream), ``prior_signature`` the hex signature before
    it (the seed for the first; any even number of hex digits, even none, as published vectors
    use), ``amz_date`` ``YYYYMMDDTHHMMSSZ`` and ``scope`` ``date/region/service/aws4_request``.

    ``key`` is the credentials (the signing key of the scope is derived and cached) or a
    precomputed :class:`~signers._crypto.SigningKey` of the scope.
    """
    prior = _check_hex(prior_signature, "prior_signature")
    for field, value in (("date_header", date_header), ("payload", payload)):
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise _wrong_type(field, "bytes", value)
    date, region, service = _split_scope(scope)
    if not isinstance(amz_date, str) or amz_date[:8] != date:
        raise InvalidRequest(
            f"amz_date: {amz_date!r} is not on the scope's date {date}", field="amz_date"
        )
    sts = string_to_sign(
        amz_date=amz_date,
        scope=scope,
        prior_signature=prior,
        date_header=bytes(date_header),
        payload=bytes(payload),
    ).encode("utf-8")
    if isinstance(key, Credentials):
        return _crypto.sigv4_signature(key.secret_key, date, region, service, sts)
    if isinstance(key, _crypto.SigningKey):
        return key.hexdigest(sts)
    raise _wrong_type("key", "Credentials or a SigningKey", key, InvalidCredentials)


# -- signing messages -----------------------------------------------------------------------------


def _check_scope_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value or "/" in value or value != value.strip():
        raise InvalidOption(f"{field}: {value!r} is not a region/service name", field=field)
    return value


def _inner_bytes(inner: object) -> bytes:
    if isinstance(inner, Message):
        return encode_message(inner)
    if isinstance(inner, (bytes, bytearray, memoryview)):
        return bytes(inner)
    raise _wrong_type("message", "an event-stream Message or its encoded bytes", inner)


def sign_message(
    inner: Union[Message, bytes],
    *,
    prior_signature: str,
    credentials: Credentials,
    region: str,
    service: str,
    at: Optional[_dt.datetime],
) -> Tuple[Message, str]:
    """Wrap ``inner`` in a signed envelope; return ``(envelope, signature)``.

    ``inner`` is a :class:`Message` (encoded here) or bytes signed exactly as given (normally an
    encoded message; ``b""`` makes the final, empty envelope).  ``prior_signature`` is the seed or
    the previous envelope's signature (64 hex digits).  ``at`` is the envelope's time: aware
    (naive is an error), kept to the whole second; ``None`` is now.  The envelope's headers are
    ``:date`` then ``:chunk-signature``.
    """
    prior = _check_hex(prior_signature, "prior_signature", exact=64)
    credentials = check_credentials(credentials)
    region = _check_scope_name(region, "region")
    service = _check_scope_name(service, "service")
    payload = _inner_bytes(inner)
    # The envelope adds 16 bytes of framing and two headers (15 + 52 bytes): check its size
    # here, with a message that says which limit, before any signing work.
    envelope_size = MESSAGE_OVERHEAD + 67 + len(payload)
    if envelope_size > MAX_MESSAGE_SIZE:
        raise InvalidEventStream(
            f"message: {len(payload)} bytes do not fit an envelope of at most "
            f"{MAX_MESSAGE_SIZE} bytes",
            field="message",
        )
    time = resolve_time(at)
    stamp = amz_date(time)
    date_value = HeaderValue.timestamp(time)
    signature = message_signature(
        credentials,
        prior_signature=prior,
        date_header=encode_headers(((DATE_HEADER, date_value),)),
        payload=payload,
        amz_date=stamp,
        scope=credential_scope(stamp[:8], region, service),
    )
    envelope = Message(
        (
            (DATE_HEADER, date_value),
            (SIGNATURE_HEADER, HeaderValue.byte_array(bytes.fromhex(signature))),
        ),
        payload,
    )
    return envelope, signature


class EventStreamSigner:
    """Signs the messages of one stream in order, chaining each signature to the next.

    ``EventStreamSigner(seed, credentials=..., region=..., service=...)`` with the seed from
    :func:`sign_initial_request`; :meth:`sign` wraps each message, :meth:`sign_end` makes the
    final empty envelope, after which the signer refuses more.  The time of each envelope is an
    argument.  Not for use by several threads at once: order is the point.
    """

    __slots__ = ("_count", "_credentials", "_ended", "_prior", "_region", "_service")

    def __init__(
        self, seed_signature: str, *, credentials: Credentials, region: str, service: str
    ) -> None:
        self._prior = _check_hex(seed_signature, "seed_signature", exact=64)
        self._credentials = check_credentials(credentials)
        self._region = _check_scope_name(region, "region")
        self._service = _check_scope_name(service, "service")
        self._count = 0
        self._ended = False

    # Read-only views of the chain's state (alike in shape to streaming.ChunkSigner's).
    @property
    def signature(self) -> str:
        """The latest signature (the seed before the first message)."""
        return self._prior

    @property
    def messages_signed(self) -> int:
        """Envelopes signed so far, the final empty one included."""
        return self._count

    @property
    def ended(self) -> bool:
        return self._ended

    def _sign(self, inner: Union[Message, bytes], at: Optional[_dt.datetime]) -> Message:
        if self._ended:
            raise InvalidRequest(
                "event stream: already ended with the final empty message", field="message"
            )
        envelope, signature = sign_message(
            inner,
            prior_signature=self._prior,
            credentials=self._credentials,
            region=self._region,
            service=self._service,
            at=at,
        )
        self._prior = signature
        self._count += 1
        return envelope

    def sign(self, message: Union[Message, bytes], at: Optional[_dt.datetime]) -> Message:
        """The signed envelope of ``message`` (a Message, or its encoded bytes, not empty)."""
        if isinstance(message, (bytes, bytearray, memoryview)) and not message:
            raise InvalidRequest(
                "message: empty bytes would end the stream; use sign_end()", field="message"
            )
        return self._sign(message, at)

    def sign_end(self, at: Optional[_dt.datetime]) -> Message:
        """The final envelope, with an empty payload; the stream is over after it."""
        envelope = self._sign(b"", at)
        self._ended = True
        return envelope

    def __repr__(self) -> str:
        return state_repr(self, "_region", "_service", "messages_signed", "_ended")

    def __reduce__(self) -> NoReturn:
        raise TypeError("EventStreamSigner is not picklable (it holds credentials)")


# -- the initial HTTP request ---------------------------------------------------------------------


def _sigv4_signer(
    signer: Optional[SigV4Signer], region: Optional[str], service: Optional[str]
) -> SigV4Signer:
    if signer is not None:
        if region is not None or service is not None:
            raise InvalidOption(
                "give either signer= or region= and service=, not both", field="signer"
            )
        return signer
    if region is None or service is None:
        raise InvalidOption(
            "option 'region' and 'service' are required (or give signer=)", field="region"
        )
    from .registry import get_signer

    return get_signer("sigv4", region=region, service=service)


def sign_initial_request(
    request: Request,
    credentials: Credentials,
    at: Optional[_dt.datetime] = None,
    *,
    region: Optional[str] = None,
    service: Optional[str] = None,
    signer: Optional[SigV4Signer] = None,
) -> Tuple[SignedRequest, str]:
    """Sign the HTTP request that opens an event stream; return ``(signed, seed_signature)``.

    The request declares ``x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-EVENTS`` (added
    when absent; another value is an error) and has no body of its own: the events follow it,
    each signed.  It is signed with ``signer`` (default: ``get_signer("sigv4", region=...,
    service=...)``); its signature seeds :class:`EventStreamSigner`.
    """
    check_request(request)
    declared = request.header_values("x-amz-content-sha256")
    if declared and [value.strip() for value in declared] != [STREAMING_EVENTS_PAYLOAD]:
        raise InvalidRequest(
            f"header 'x-amz-content-sha256' is {declared[0]!r}; an event stream's request "
            f"declares {STREAMING_EVENTS_PAYLOAD}",
            field="x-amz-content-sha256",
        )
    body = request.body
    if not isinstance(body, bytes) or body:
        raise InvalidRequest(
            "body: an event stream's request is signed without a body (each event is signed "
            "on its own); give body=b''",
            field="body",
        )
    if not declared:
        request = request.with_headers(("x-amz-content-sha256", STREAMING_EVENTS_PAYLOAD))
    signed = _sigv4_signer(signer, region, service).sign(request, credentials, at)
    seed = signed.signature
    if not (isinstance(seed, str) and len(seed) == 64 and _HEX.issuperset(seed)):
        raise InvalidOption(
            "signer: event streams chain SigV4 (HMAC-SHA256) signatures; this signer's is "
            "not 64 hex digits",
            field="signer",
        )
    return signed, seed


def verify_initial_request(
    request: Request,
    credentials: Credentials,
    *,
    region: str,
    service: str,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
) -> str:
    """Verify the request that opened an event stream, as the server would; return its
    signature, the seed of the stream.  Raises a :class:`~signers.errors.VerificationError`."""
    from .registry import get_signer

    declared = request.header("x-amz-content-sha256")
    if declared is None or declared.strip() != STREAMING_EVENTS_PAYLOAD:
        raise InvalidArgument(
            f"x-amz-content-sha256 is {declared!r}; an event stream's request declares "
            f"{STREAMING_EVENTS_PAYLOAD}",
            field="x-amz-content-sha256",
        )
    verifier = get_signer("sigv4", region=region, service=service)
    return str(verifier.verify(request, credentials, now, max_skew).signature)


# -- verification ---------------------------------------------------------------------------------


def _where(number: Optional[int]) -> str:
    return "event stream message" if number is None else f"event stream message {number}"


def _envelope_parts(envelope: Message, where: str) -> Tuple[HeaderValue, bytes]:
    date_value = signature_value = None
    for name, value in envelope.headers:
        if name == DATE_HEADER:
            date_value = value
        elif name == SIGNATURE_HEADER:
            signature_value = value
        else:
            raise IncompleteSignature(
                f"{where}: header {name!r} is not covered by the signature; an envelope "
                f"carries only {DATE_HEADER} and {SIGNATURE_HEADER}",
                field=name,
            )
    if date_value is None or date_value.type is not HeaderType.TIMESTAMP:
        raise IncompleteSignature(
            f"{where}: no {DATE_HEADER} header of type TIMESTAMP", field=DATE_HEADER
        )
    if (
        signature_value is None
        or signature_value.type is not HeaderType.BYTE_ARRAY
        or len(signature_value.value) != 32  # type: ignore[arg-type]
    ):
        raise IncompleteSignature(
            f"{where}: no {SIGNATURE_HEADER} header of 32 bytes", field=SIGNATURE_HEADER
        )
    return date_value, signature_value.value  # type: ignore[return-value]


def verify_envelope(
    envelope: Message,
    *,
    prior_signature: str,
    credentials: Credentials,
    region: str,
    service: str,
    now: Optional[_dt.datetime] = None,
    max_skew: Optional[float] = 900,
    number: Optional[int] = None,
) -> Tuple[bytes, str]:
    """Check one envelope's signature; return ``(payload, signature)``, the payload being the
    inner message's bytes (empty for the end of the stream).

    ``now`` is the server's time (aware; ``None`` = now); ``max_skew`` the seconds ``:date``
    may differ from it (``None``: no time check, for recorded streams).  ``number`` names the
    message in errors.  Raises :class:`~signers.errors.SignatureDoesNotMatch`,
    :class:`~signers.errors.RequestTimeTooSkewed` or
    :class:`~signers.errors.IncompleteSignature`.
    """
    where = _where(number)
    if not isinstance(envelope, Message):
        raise InvalidRequest(f"{where}: expected a Message, got {type(envelope).__name__}")
    prior = _check_hex(prior_signature, "prior_signature", exact=64)
    credentials = check_credentials(credentials)
    date_value, sent = _envelope_parts(envelope, where)
    try:
        signed_at = date_value.datetime
    except InvalidTime:
        raise IncompleteSignature(
            f"{where}: {DATE_HEADER} {date_value.value!r} ms is not a valid time",
            field=DATE_HEADER,
        ) from None
    if max_skew is not None:
        server_time = resolve_time(now, field="now")
        skew = abs((signed_at - server_time).total_seconds())
        if skew > max_skew:
            raise RequestTimeTooSkewed(
                f"{where}: {DATE_HEADER} {signed_at.isoformat()} is {skew:.0f} s from the "
                f"server's time (allowed: {max_skew:g} s)",
                field=DATE_HEADER,
            )
    stamp = amz_date(signed_at.astimezone(UTC))
    expected = message_signature(
        credentials,
        prior_signature=prior,
        date_header=encode_headers(((DATE_HEADER, date_value),)),
        payload=envelope.payload,
        amz_date=stamp,
        scope=credential_scope(
            stamp[:8], _check_scope_name(region, "region"), _check_scope_name(service, "service")
        ),
    )
    if not hmac.compare_digest(bytes.fromhex(expected), sent):
        raise SignatureDoesNotMatch(
            f"{where}: the signature does not match the one computed from the prior "
            f"signature, {DATE_HEADER} and payload",
            field=SIGNATURE_HEADER,
            stage="event-signature",
        )
    return envelope.payload, expected


# The overloads tie raw= to what is yielded; they repeat the signature as typing requires.
@overload
def verify_stream(
    source: Source,
    *,
    seed_signature: str,
    credentials: Credentials,
    region: str,
    service: str,
    now: Optional[_dt.datetime] = ...,
    max_skew: Optional[float] = ...,
    raw: Literal[False] = ...,
    max_message_size: int = ...,
) -> Iterator[Message]: ...


@overload
def verify_stream(
    source: Source,
    *,
    seed_signature: str,
    credentials: Credentials,
    region: str,
    service: str,
    now: Optional[_dt.datetime] = ...,
    max_skew: Optional[float] = ...,
    raw: Literal[True],
    max_message_size: int = ...,
) -> Iterator[bytes]: ...


def verify_stream(
    source: Source,
    *,
    seed_signature: str,
    credentials: Credentials,
    region: str,
    service: str,
    now: Optional[_dt.datetime] = None,
    max_skew: Optional[float] = 900,
    raw: bool = False,
    max_message_size: int = MAX_MESSAGE_SIZE,
) -> Iterator[Union[Message, bytes]]:
    """Verify a signed event stream, yielding each inner message only once its envelope's
    signature checked; the stream must end with the final empty envelope and nothing after.

    ``source`` is bytes, a binary file object or an iterable of byte chunks, read one message
    at a time.  ``now`` / ``max_skew`` as for :func:`verify_envelope` (``now=None`` reads the
    clock at each message).  ``raw=True`` yields the verified payload bytes undecoded.
    Messages are numbered from 1 in errors.  Framing errors raise
    :class:`~signers.errors.InvalidEventStream`; a stream cut at a message boundary raises
    :class:`~signers.errors.IncompleteSignature`.
    """
    from ._eventstream_codec import _messages, _Reader

    # Arguments are checked here, at the call; the generator below does the reading.
    prior = _check_hex(seed_signature, "seed_signature", exact=64)
    credentials = check_credentials(credentials)
    region = _check_scope_name(region, "region")
    service = _check_scope_name(service, "service")
    reader = _Reader(source)

    def verified(prior: str) -> Iterator[Union[Message, bytes]]:
        number = 0
        for envelope in _messages(reader, max_message_size):
            number += 1
            payload, prior = verify_envelope(
                envelope,
                prior_signature=prior,
                credentials=credentials,
                region=region,
                service=service,
                now=now,
                max_skew=max_skew,
                number=number,
            )
            if not payload:
                if reader.read(1):
                    raise InvalidEventStream(
                        f"event stream: data after the final empty message (message {number})",
                        field="event stream",
                    )
                return
            if raw:
                yield payload
                continue
            try:
                inner = decode_message(payload, max_message_size=max_message_size)
            except InvalidEventStream as exc:
                raise InvalidEventStream(
                    f"event stream message {number}: its signed payload is not a message "
                    f"({exc.message})",
                    field="event stream",
                ) from None
            yield inner
        raise IncompleteSignature(
            f"event stream: ended after {number} messages without the final empty message",
            field="event stream",
        )

    return verified(prior)
