"""Event signatures: every published signing vector, the step-by-step reference, the signer's
envelopes, the initial request, and the refusals (naive times, bad seeds, a finished stream)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signers import Credentials, Request, get_signer
from signers._crypto import signing_key
from signers.errors import (
    InvalidCredentials,
    InvalidEventStream,
    InvalidOption,
    InvalidRequest,
    InvalidTime,
)
from signers.eventstream import (
    ALGORITHM,
    STREAMING_EVENTS_PAYLOAD,
    EventStreamSigner,
    HeaderType,
    HeaderValue,
    Message,
    date_header,
    decode_message,
    encode_message,
    message_signature,
    sign_initial_request,
    sign_message,
    string_to_sign,
)
from tests._support import CREDS, UTC

from . import _reference as ref
from ._vectors import header_value, signing_cases

CASES = signing_cases()
SEED = "9d9ab996c81f32c9d4e6fc166c92584f3741d1cb5ce325cd11a77d1f962c8de2"
T0 = dt.datetime(2019, 1, 27, 22, 37, 54, tzinfo=UTC)


def _time(entry: Dict[str, Any]) -> dt.datetime:
    return dt.datetime.strptime(entry["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _ms(entry: Dict[str, Any]) -> int:
    if "epoch_nanoseconds" in entry:
        return int(entry["epoch_nanoseconds"]) // 1_000_000
    return int(_time(entry).timestamp()) * 1000


def _signed_headers(entry: Dict[str, Any]) -> bytes:
    # "date": the encoded :date header of the message's time, built by the reference encoder
    if entry.get("signed_headers") == "date":
        return ref.date_header(_ms(entry))
    return bytes.fromhex(entry["signed_headers_hex"])


def _payload(entry: Dict[str, Any]) -> bytes:
    if "payload_message" in entry:
        inner = entry["payload_message"]
        headers = [(h["name"], HeaderValue(h["type"], header_value(h))) for h in inner["headers"]]
        return encode_message(Message(headers, base64.b64decode(inner["payload"])))
    return bytes.fromhex(entry["payload_hex"])


def _credentials(case: Dict[str, Any]) -> Credentials:
    given = case["credentials"]
    return Credentials(given["access_key_id"], given["secret_access_key"])


def _stamp(entry: Dict[str, Any]) -> str:
    return ref.amz_date(_ms(entry) // 1000)


def test_the_signing_vectors_are_all_there() -> None:
    assert [c["id"] for c in CASES] == [
        "aws-c-auth-sigv4-event-signing",
        "aws-sdk-go-stream-signer",
        "aws-sdk-go-v2-stream-signer",
        "smithy-rs-string-to-sign",
        "smithy-typescript-sign-event",
    ]
    assert sum(len(c["messages"]) for c in CASES) == 4 + 2 + 4 + 1 + 1


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_vector_at_the_level_of_bytes(case: Dict[str, Any]) -> None:
    prior = case["seed_signature"]
    for entry in case["messages"]:
        stamp = _stamp(entry)
        scope = f"{stamp[:8]}/{case['region']}/{case['service']}/aws4_request"
        parts = dict(
            prior_signature=prior,
            date_header=_signed_headers(entry),
            payload=_payload(entry),
            amz_date=stamp,
        )
        if "string_to_sign" in entry:
            assert string_to_sign(scope=scope, **parts) == entry["string_to_sign"]
            continue
        creds = _credentials(case)
        got = message_signature(creds, scope=scope, **parts)
        assert got == entry["signature"]
        key = signing_key(creds.secret_key, stamp[:8], case["region"], case["service"])
        assert message_signature(key, scope=scope, **parts) == got
        prior = got


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["messages"][0].get("signed_headers") == "date"],
    ids=lambda c: c["id"],
)
def test_vector_through_the_encoder(case: Dict[str, Any]) -> None:
    # The :date header this module encodes is the one the vector's signer signed.
    for entry in case["messages"]:
        assert date_header(_ms(entry)) == ref.date_header(_ms(entry))


def test_aws_c_auth_stream_end_to_end() -> None:
    (case,) = [c for c in CASES if "initial_request" in c]
    creds = Credentials(
        case["credentials"]["access_key_id"], case["credentials"]["secret_access_key"]
    )
    initial = case["initial_request"]
    request = Request(initial["method"], initial["url"], [tuple(h) for h in initial["headers"]])
    signer = get_signer(
        "sigv4", region=case["region"], service=case["service"], **initial["options"]
    )
    signed, seed = sign_initial_request(request, creds, _time(initial), signer=signer)
    assert signed.request.header("authorization") == initial["authorization"]
    assert seed == initial["signature"] == case["seed_signature"]
    assert signed.request.header("x-amz-content-sha256") == STREAMING_EVENTS_PAYLOAD
    # the same with the default signer built from region and service
    _, seed_again = sign_initial_request(
        request, creds, _time(initial), region=case["region"], service=case["service"]
    )
    assert seed_again == seed
    stream = EventStreamSigner(
        seed, credentials=creds, region=case["region"], service=case["service"]
    )
    for entry in case["messages"]:
        payload = bytes.fromhex(entry["payload_hex"])
        envelope = stream.sign(payload, _time(entry)) if payload else stream.sign_end(_time(entry))
        assert stream.signature == entry["signature"]
        # the envelope on the wire is exactly the one the reference builds
        assert encode_message(envelope) == ref.envelope(_ms(entry), entry["signature"], payload)
    assert stream.ended and stream.messages_signed == 4


# -- against the step-by-step reference -----------------------------------------------------------

_inner = st.builds(
    Message,
    st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.one_of(st.text(max_size=20), st.binary(max_size=20)),
        max_size=3,
    ),
    st.binary(max_size=200),
)
_times = st.datetimes(
    min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(UTC)
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_inner, _times), min_size=1, max_size=4), _times)
def test_signer_matches_the_reference(messages: List[Any], end: dt.datetime) -> None:
    signer = EventStreamSigner(SEED, credentials=CREDS, region="us-west-2", service="transcribe")
    prior = SEED
    for inner, at in [*messages, (None, end)]:
        envelope = signer.sign(inner, at) if inner is not None else signer.sign_end(at)
        payload = encode_message(inner) if inner is not None else b""
        second = int(at.replace(microsecond=0).timestamp())
        expected = ref.event_signature(
            CREDS.secret_key,
            "us-west-2",
            "transcribe",
            ref.amz_date(second),
            prior,
            ref.date_header(second * 1000),
            payload,
        )
        assert signer.signature == expected
        assert encode_message(envelope) == ref.envelope(second * 1000, expected, payload)
        prior = expected


def test_sign_message_keeps_whole_seconds_and_orders_date_first() -> None:
    at = dt.datetime(2019, 1, 27, 22, 37, 54, 987654, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    envelope, signature = sign_message(
        Message({"k": "v"}, b"p"),
        prior_signature=SEED.upper(),
        credentials=CREDS,
        region="us-east-1",
        service="transcribe",
        at=at,
    )
    (date_name, date_value), (sig_name, sig_value) = envelope.headers
    assert (date_name, sig_name) == (":date", ":chunk-signature")
    assert date_value.type is HeaderType.TIMESTAMP
    assert date_value.datetime == at.replace(microsecond=0)
    assert sig_value == HeaderValue.byte_array(bytes.fromhex(signature))
    assert decode_message(envelope.payload) == Message({"k": "v"}, b"p")
    stamp = ref.amz_date(int(at.timestamp()))
    assert stamp == "20190128T063754Z"
    assert signature == ref.event_signature(
        CREDS.secret_key,
        "us-east-1",
        "transcribe",
        stamp,
        SEED,
        ref.date_header(int(at.timestamp()) * 1000),
        encode_message(Message({"k": "v"}, b"p")),
    )
    # bytes are signed exactly as given; b"" is the end of the stream
    raw = encode_message(Message({"k": "v"}, b"p"))
    assert sign_message(
        raw,
        prior_signature=SEED,
        credentials=CREDS,
        region="us-east-1",
        service="transcribe",
        at=at,
    ) == (envelope, signature)


def test_string_to_sign_is_six_lines() -> None:
    sts = string_to_sign(
        amz_date="20190127T223754Z",
        scope="20190127/us-east-1/transcribe/aws4_request",
        prior_signature=SEED,
        date_header=b"",
        payload=b"",
    )
    lines = sts.split("\n")
    assert lines[0] == ALGORITHM == "AWS4-HMAC-SHA256-PAYLOAD"
    assert (
        lines[4] == lines[5] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert len(lines) == 6


# -- refusals --------------------------------------------------------------------------------------


def _sign(**changes: Any) -> Any:
    arguments: Dict[str, Any] = dict(
        prior_signature=SEED, credentials=CREDS, region="us-east-1", service="transcribe", at=T0
    )
    arguments.update(changes)
    inner = arguments.pop("inner", Message({}, b"x"))
    return sign_message(inner, **arguments)


@pytest.mark.parametrize(
    "changes, error, words",
    [
        ({"at": dt.datetime(2019, 1, 27, 22, 37, 54)}, InvalidTime, "naive datetime"),
        ({"at": "2019-01-27"}, InvalidTime, "expected a timezone-aware datetime"),
        ({"prior_signature": SEED[:-2]}, InvalidRequest, "62 hex digits"),
        ({"prior_signature": "zz" * 32}, InvalidRequest, "not a hex string"),
        ({"prior_signature": None}, InvalidRequest, "expected a hex string"),
        ({"credentials": ("AK", "SK")}, InvalidCredentials, "expected signers.Credentials"),
        ({"region": "us/east"}, InvalidOption, "region"),
        ({"service": ""}, InvalidOption, "service"),
        ({"inner": "text"}, InvalidRequest, "expected an event-stream Message"),
        ({"inner": b"x" * (24 * 1024 * 1024)}, InvalidEventStream, "do not fit an envelope"),
    ],
)
def test_sign_message_refuses(changes: Dict[str, Any], error: Any, words: str) -> None:
    with pytest.raises(error, match=words) as caught:
        _sign(**changes)
    assert "\n" not in str(caught.value)


def test_message_signature_refuses_a_bad_scope_or_time() -> None:
    parts: Dict[str, Any] = dict(
        prior_signature="", date_header=b"", payload=b"", amz_date="20190127T223754Z"
    )
    with pytest.raises(InvalidRequest, match="is not date/region/service/aws4_request"):
        message_signature(CREDS, scope="20190127/us-east-1/transcribe", **parts)
    with pytest.raises(InvalidRequest, match="not on the scope's date"):
        message_signature(CREDS, scope="20190128/us-east-1/transcribe/aws4_request", **parts)
    with pytest.raises(InvalidCredentials, match="expected Credentials or a SigningKey"):
        message_signature(b"key", scope="20190127/r/s/aws4_request", **parts)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match="payload: expected bytes"):
        message_signature(CREDS, scope="20190127/r/s/aws4_request", **{**parts, "payload": "x"})


def test_the_signer_refuses_after_the_end_and_empty_messages() -> None:
    signer = EventStreamSigner(SEED, credentials=CREDS, region="us-east-1", service="transcribe")
    with pytest.raises(InvalidRequest, match="use sign_end"):
        signer.sign(b"", T0)
    with pytest.raises(InvalidTime, match="naive datetime"):
        signer.sign(Message({}, b"x"), dt.datetime(2019, 1, 1))
    assert signer.messages_signed == 0 and signer.signature == SEED
    signer.sign_end(T0)
    with pytest.raises(InvalidRequest, match="already ended"):
        signer.sign(Message({}, b"x"), T0)
    with pytest.raises(InvalidRequest, match="already ended"):
        signer.sign_end(T0)
    with pytest.raises(InvalidRequest, match="64"):
        EventStreamSigner("abcd", credentials=CREDS, region="us-east-1", service="transcribe")


def test_reprs_show_no_secret_or_signature() -> None:
    signer = EventStreamSigner(SEED, credentials=CREDS, region="us-east-1", service="transcribe")
    envelope = signer.sign(Message({"k": "v"}, b"x"), T0)
    for shown in (repr(signer), repr(envelope), str(envelope)):
        assert SEED not in shown and signer.signature not in shown
        assert CREDS.secret_key not in shown
    assert "messages_signed=1" in repr(signer)
    import pickle

    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(signer)


def test_initial_request_refusals() -> None:
    url = "https://transcribestreaming.us-east-1.amazonaws.com/stream-transcription"
    with pytest.raises(InvalidRequest, match="x-amz-content-sha256"):
        sign_initial_request(
            Request("POST", url, {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}),
            CREDS,
            T0,
            region="us-east-1",
            service="transcribe",
        )
    with pytest.raises(InvalidRequest, match="without a body"):
        sign_initial_request(Request("POST", url, body=b"x"), CREDS, T0, region="r", service="s")
    with pytest.raises(InvalidOption, match="not both"):
        sign_initial_request(
            Request("POST", url),
            CREDS,
            T0,
            region="r",
            signer=get_signer("sigv4", region="r", service="s"),
        )
    with pytest.raises(InvalidOption, match="required"):
        sign_initial_request(Request("POST", url), CREDS, T0, region="r")
    with pytest.raises(InvalidTime, match="naive datetime"):
        sign_initial_request(
            Request("POST", url), CREDS, dt.datetime(2019, 1, 1), region="r", service="s"
        )
    # declared already, with the right value: kept, not doubled
    signed, _ = sign_initial_request(
        Request("POST", url, {"X-Amz-Content-Sha256": STREAMING_EVENTS_PAYLOAD}),
        CREDS,
        T0,
        region="us-east-1",
        service="transcribe",
    )
    assert signed.request.header_values("x-amz-content-sha256") == [STREAMING_EVENTS_PAYLOAD]
