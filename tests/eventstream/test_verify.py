"""Verifying signed event streams: round trips, streams built by the reference (and by the
published aws-c-auth chain), and every way a stream can be wrong."""

from __future__ import annotations

import datetime as dt
import io
import struct
from typing import Any, Iterator, List, Tuple

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from signers import Credentials, Request
from signers.errors import (
    IncompleteSignature,
    InvalidArgument,
    InvalidEventStream,
    InvalidTime,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    SigningError,
    VerificationError,
)
from signers.eventstream import (
    EventStreamSigner,
    HeaderValue,
    Message,
    encode_message,
    sign_initial_request,
    verify_envelope,
    verify_initial_request,
    verify_stream,
)
from tests._support import CREDS, UTC

from . import _reference as ref
from ._vectors import signing_cases

SEED = "9d9ab996c81f32c9d4e6fc166c92584f3741d1cb5ce325cd11a77d1f962c8de2"
REGION, SERVICE = "us-west-2", "transcribe"
T0 = dt.datetime(2019, 1, 27, 22, 37, 54, tzinfo=UTC)
INNER = [
    Message({":event-type": "AudioEvent", ":message-type": "event"}, b"\x00\x01" * 50),
    Message({":event-type": "AudioEvent", "n": HeaderValue.integer(2)}, b"second"),
    Message({}, b"third"),
]


def _signed(messages: List[Message] = INNER, seed: str = SEED) -> Tuple[bytes, List[bytes]]:
    """The stream's bytes and each envelope's bytes, signed one second apart from T0."""
    signer = EventStreamSigner(seed, credentials=CREDS, region=REGION, service=SERVICE)
    envelopes = [
        encode_message(signer.sign(m, T0 + dt.timedelta(seconds=i))) for i, m in enumerate(messages)
    ]
    envelopes.append(encode_message(signer.sign_end(T0 + dt.timedelta(seconds=len(messages)))))
    return b"".join(envelopes), envelopes


def _verify(source: Any, **changes: Any) -> List[Any]:
    arguments = dict(
        seed_signature=SEED,
        credentials=CREDS,
        region=REGION,
        service=SERVICE,
        now=T0 + dt.timedelta(seconds=10),
    )
    arguments.update(changes)
    return list(verify_stream(source, **arguments))


def _collect(source: Any, **changes: Any) -> Tuple[List[Any], BaseException]:
    """What verify_stream yielded before it raised, and what it raised."""
    arguments = dict(
        seed_signature=SEED, credentials=CREDS, region=REGION, service=SERVICE, max_skew=None
    )
    arguments.update(changes)
    yielded: List[Any] = []
    with pytest.raises(SigningError) as caught:
        for item in verify_stream(source, **arguments):
            yielded.append(item)
    return yielded, caught.value


# -- accepted -----------------------------------------------------------------------------------


def test_round_trip() -> None:
    stream, _ = _signed()
    assert _verify(stream) == INNER
    assert _verify(io.BytesIO(stream)) == INNER
    assert _verify(iter([stream[i : i + 7] for i in range(0, len(stream), 7)])) == INNER
    assert _verify(stream, raw=True) == [encode_message(m) for m in INNER]


def test_streams_built_by_the_reference_verify() -> None:
    payloads = [ref.message(ref.header("k", 7, f"v{i}"), b"x" * i) for i in range(3)]
    seconds = [1_548_628_674 + i for i in range(4)]
    stream, _ = ref.signed_stream(CREDS.secret_key, REGION, SERVICE, SEED, payloads, seconds)
    got = _verify(stream, now=None, max_skew=None)
    assert [(m.headers[0][1].value, m.payload) for m in got] == [
        ("v0", b""),
        ("v1", b"x"),
        ("v2", b"xx"),
    ]


def test_signature_header_first_and_milliseconds_in_date_verify() -> None:
    # smithy-rs puts :chunk-signature first; the Go SDK and aws-c-auth send milliseconds in
    # :date and sign the whole second in the string to sign.
    ms = 1_548_628_674_789
    stamp = ref.amz_date(ms // 1000)
    payload = ref.message(b"", b"audio")
    first = ref.event_signature(
        CREDS.secret_key, REGION, SERVICE, stamp, SEED, ref.date_header(ms), payload
    )
    end = ref.event_signature(
        CREDS.secret_key, REGION, SERVICE, stamp, first, ref.date_header(ms + 1), b""
    )
    stream = ref.envelope(ms, first, payload, date_first=False) + ref.envelope(ms + 1, end, b"")
    assert _verify(stream, max_skew=None) == [Message({}, b"audio")]


def test_the_aws_c_auth_chain_verifies() -> None:
    (case,) = [c for c in signing_cases() if "initial_request" in c]
    creds = Credentials(
        case["credentials"]["access_key_id"], case["credentials"]["secret_access_key"]
    )
    stream = b""
    for entry in case["messages"]:
        second = int(
            dt.datetime.strptime(entry["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
            .replace(tzinfo=UTC)
            .timestamp()
        )
        stream += ref.envelope(
            second * 1000, entry["signature"], bytes.fromhex(entry["payload_hex"])
        )
    payloads = _verify(
        stream,
        seed_signature=case["seed_signature"],
        credentials=creds,
        region=case["region"],
        service=case["service"],
        max_skew=None,
        raw=True,
    )
    assert payloads == [b"A", b"B", b"C"]
    # the events are not messages themselves: decoding them is refused, after verification
    with pytest.raises(InvalidEventStream, match="message 1: its signed payload is not a message"):
        _verify(
            stream,
            seed_signature=case["seed_signature"],
            credentials=creds,
            region=case["region"],
            service=case["service"],
            max_skew=None,
        )


def test_the_initial_request_round_trip() -> None:
    request = Request(
        "POST",
        "https://transcribestreaming.us-west-2.amazonaws.com/stream-transcription",
        {"content-type": "application/vnd.amazon.eventstream"},
    )
    signed, seed = sign_initial_request(request, CREDS, T0, region=REGION, service=SERVICE)
    assert (
        verify_initial_request(signed.request, CREDS, region=REGION, service=SERVICE, now=T0)
        == seed
    )
    with pytest.raises(SignatureDoesNotMatch):
        verify_initial_request(
            signed.request.with_headers(("content-type", "text/plain")),
            CREDS,
            region=REGION,
            service=SERVICE,
            now=T0,
        )
    with pytest.raises(InvalidArgument, match="x-amz-content-sha256"):
        verify_initial_request(request, CREDS, region=REGION, service=SERVICE, now=T0)


# -- refused ------------------------------------------------------------------------------------


def test_wrong_seed_credentials_or_scope() -> None:
    stream, _ = _signed()
    for changes in (
        {"seed_signature": "0" * 64},
        {"credentials": Credentials("AKIDEXAMPLE", "another-secret")},
        {"region": "us-east-1"},
        {"service": "transcribestreaming"},
    ):
        yielded, error = _collect(stream, **changes)
        assert yielded == []
        assert isinstance(error, SignatureDoesNotMatch)
        assert str(error).startswith("event stream message 1: ")
        assert error.code == "SignatureDoesNotMatch"
        assert SEED not in str(error) and SEED not in repr(error)


def test_reordered_dropped_and_repeated_messages() -> None:
    _, envelopes = _signed()
    first, second, third, end = envelopes
    for order, number, verified in (
        ([first, third, second, end], 2, 1),
        ([first, third, end], 2, 1),
        ([first, first, second, third, end], 2, 1),
        ([second, first, third, end], 1, 0),
        ([first, second, third, third, end], 4, 3),
    ):
        yielded, error = _collect(b"".join(order))
        assert isinstance(error, SignatureDoesNotMatch), order
        assert f"message {number}:" in str(error)
        assert yielded == INNER[:verified]


def test_missing_end_and_truncation() -> None:
    stream, envelopes = _signed()
    boundaries = {sum(len(e) for e in envelopes[:i]) for i in range(len(envelopes))}
    for cut in range(len(stream)):
        yielded, error = _collect(stream[:cut])
        if cut in boundaries:
            assert isinstance(error, IncompleteSignature)
            assert "without the final empty message" in str(error)
        else:
            assert isinstance(error, InvalidEventStream)
            assert "truncated" in str(error)
        assert yielded == INNER[: len(yielded)]
        assert len(yielded) <= sum(1 for b in boundaries if 0 < b <= cut)


def test_nothing_may_follow_the_end() -> None:
    stream, envelopes = _signed()
    yielded, error = _collect(stream + envelopes[0])
    assert isinstance(error, InvalidEventStream)
    assert "data after the final empty message (message 4)" in str(error)
    assert yielded == INNER
    yielded, error = _collect(stream + b"\x00")
    assert isinstance(error, InvalidEventStream)


def test_time_skew() -> None:
    stream, _ = _signed()
    with pytest.raises(RequestTimeTooSkewed, match=r"message 1: :date .* is 3600 s from"):
        _verify(stream, now=T0 + dt.timedelta(hours=1))
    # the last message is 3 s after T0: a 2-second window fails there
    yielded, error = _collect(stream, now=T0, max_skew=2)
    assert isinstance(error, RequestTimeTooSkewed) and "message 4:" in str(error)
    assert yielded == INNER
    with pytest.raises(RequestTimeTooSkewed):  # now=None reads the clock: 2019 is long past
        _verify(stream, now=None)
    with pytest.raises(InvalidTime, match="naive datetime"):
        _verify(stream, now=dt.datetime(2019, 1, 27))
    assert _verify(stream, now=None, max_skew=None) == INNER


def _envelope_with(headers: bytes, payload: bytes = b"") -> bytes:
    return ref.message(headers, payload)


@pytest.mark.parametrize(
    "headers, error, words",
    [
        (ref.header(":chunk-signature", 6, b"\x00" * 32), IncompleteSignature, "no :date"),
        (ref.date_header(0), IncompleteSignature, "no :chunk-signature"),
        (
            ref.header(":date", 5, 0) + ref.header(":chunk-signature", 6, b"\x00" * 32),
            IncompleteSignature,
            "no :date header of type TIMESTAMP",
        ),
        (
            ref.date_header(0) + ref.header(":chunk-signature", 6, b"\x00" * 31),
            IncompleteSignature,
            "of 32 bytes",
        ),
        (
            ref.date_header(0)
            + ref.header(":chunk-signature", 6, b"\x00" * 32)
            + ref.header("x", 7, "y"),
            IncompleteSignature,
            "header 'x' is not covered",
        ),
        (
            ref.header(":date", 8, 2**62) + ref.header(":chunk-signature", 6, b"\x00" * 32),
            IncompleteSignature,
            "not a valid time",
        ),
        (
            ref.date_header(0) + ref.header(":chunk-signature", 6, b"\x00" * 32),
            SignatureDoesNotMatch,
            "message 1: the signature does not match",
        ),
    ],
)
def test_malformed_envelopes(headers: bytes, error: Any, words: str) -> None:
    yielded, caught = _collect(_envelope_with(headers))
    assert yielded == []
    assert isinstance(caught, error), caught
    assert words in str(caught)
    assert isinstance(caught, VerificationError)


def _reseal_each(data: bytes, lengths: List[int]) -> bytes:
    """Recompute both CRCs of each message (boundaries as originally laid out)."""
    out = b""
    at = 0
    for length in lengths:
        chunk = data[at : at + length]
        prelude = chunk[:8]
        body = prelude + struct.pack(">I", ref.crc32(prelude)) + chunk[12:-4]
        out += body + struct.pack(">I", ref.crc32(body))
        at += length
    return out


STREAM, ENVELOPES = _signed()


def _crc_positions() -> frozenset:  # type: ignore[type-arg]
    positions = set()
    start = 0
    for envelope in ENVELOPES:
        end = start + len(envelope)
        positions.update(range(start + 8, start + 12))
        positions.update(range(end - 4, end))
        start = end
    return frozenset(positions)


# Resealing recomputes the CRCs, which would undo a change made to a CRC itself.
CRC_POSITIONS = _crc_positions()


def _mutated(position: int, flip: int, reseal: bool) -> bytes:
    damaged = bytearray(STREAM)
    damaged[position] ^= flip
    data = bytes(damaged)
    return _reseal_each(data, [len(e) for e in ENVELOPES]) if reseal else data


def _assert_refused_with_a_verified_prefix(data: bytes) -> None:
    yielded, error = _collect(data)
    assert isinstance(error, SigningError)
    assert yielded == INNER[: len(yielded)]


@pytest.mark.slow
def test_every_single_byte_change_is_refused() -> None:
    # Each byte, one bit flipped, with the CRCs left as they were and with them recomputed
    # (so that the signature, not the CRC, has to catch it).
    for position in range(len(STREAM)):
        for reseal in (False, True):
            if reseal and position in CRC_POSITIONS:
                continue
            _assert_refused_with_a_verified_prefix(_mutated(position, 0x01, reseal))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(STREAM) - 1), st.integers(1, 255), st.booleans())
def test_any_single_byte_change_is_refused(position: int, flip: int, reseal: bool) -> None:
    assume(not (reseal and position in CRC_POSITIONS))
    _assert_refused_with_a_verified_prefix(_mutated(position, flip, reseal))


def _counting(stream: bytes) -> Iterator[bytes]:
    yield from (stream[i : i + 1] for i in range(len(stream)))


def test_no_message_is_yielded_before_its_envelope_is_read_and_checked() -> None:
    _, envelopes = _signed()
    bad_second = bytearray(envelopes[1])
    bad_second[-40] ^= 0x55  # inside the signed payload; CRCs recomputed below
    data = _reseal_each(
        b"".join([envelopes[0], bytes(bad_second), *envelopes[2:]]), [len(e) for e in envelopes]
    )
    yielded, error = _collect(_counting(data))
    assert yielded == INNER[:1]
    assert isinstance(error, SignatureDoesNotMatch) and "message 2:" in str(error)


def test_arguments_are_checked_at_the_call() -> None:
    # verify_stream returns a generator, but refuses bad arguments before any iteration
    with pytest.raises(SigningError, match="seed_signature"):
        verify_stream(
            b"", seed_signature="0" * 63, credentials=CREDS, region=REGION, service=SERVICE
        )
    with pytest.raises(SigningError, match="region"):
        verify_stream(b"", seed_signature=SEED, credentials=CREDS, region="", service=SERVICE)


def test_verify_envelope_alone() -> None:
    signer = EventStreamSigner(SEED, credentials=CREDS, region=REGION, service=SERVICE)
    envelope = signer.sign(INNER[0], T0)
    payload, signature = verify_envelope(
        envelope,
        prior_signature=SEED,
        credentials=CREDS,
        region=REGION,
        service=SERVICE,
        now=T0,
    )
    assert payload == encode_message(INNER[0]) and signature == signer.signature
    with pytest.raises(SignatureDoesNotMatch, match=r"^event stream message: "):
        verify_envelope(
            envelope,
            prior_signature="1" * 64,
            credentials=CREDS,
            region=REGION,
            service=SERVICE,
            now=T0,
        )


def _peak_while(run: Any) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_memory_stays_in_the_order_of_one_message(tmp_path: Any) -> None:
    # Verifying from a file: the peak at 10·n messages is about that at n (no whole-stream
    # buffer), and both are in the order of a message (64 KiB payloads here).
    inner = Message({":event-type": "AudioEvent"}, bytes(range(256)) * 256)
    peaks = []
    for count in (4, 40):
        path = tmp_path / f"stream-{count}"
        signer = EventStreamSigner(SEED, credentials=CREDS, region=REGION, service=SERVICE)
        with open(path, "wb") as out:
            for _ in range(count):
                out.write(encode_message(signer.sign(inner, T0)))
            out.write(encode_message(signer.sign_end(T0)))

        def run(path: Any = path, count: int = count) -> None:
            with open(path, "rb") as source:
                seen = 0
                for message in verify_stream(
                    source,
                    seed_signature=SEED,
                    credentials=CREDS,
                    region=REGION,
                    service=SERVICE,
                    max_skew=None,
                ):
                    seen += message == inner
                assert seen == count

        peaks.append(_peak_while(run))
    assert peaks[1] < 1.5 * peaks[0]
    assert peaks[1] < 8 * len(encode_message(inner))
