"""The reprs of objects holding state (one helper, ``signers._redact.state_repr``): the fields
each class shows, written out here, and no secret among them; and the signature ``help()``
shows for the one ``verify()`` every built-in signer shares."""

from __future__ import annotations

import datetime as dt
import inspect

import signers
import signers.streaming
from signers import Credentials, Request
from signers._redact import state_repr
from signers.eventstream import EventStreamSigner

AT = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "session-token-value"
CREDS = Credentials("AKIDEXAMPLE", SECRET, TOKEN)
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"


class _Holder:
    def __init__(self) -> None:
        self._region = "us-east-1"
        self.count = 3
        self.done = False


def test_state_repr_names_each_field_by_its_public_name() -> None:
    assert state_repr(_Holder(), "_region", "count", "done") == (
        "_Holder(region='us-east-1', count=3, done=False)"
    )
    assert state_repr(_Holder()) == "_Holder()"


def test_chunk_signer_repr() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="s3")
    chain = signers.streaming.chunk_signer(signer, CREDS, seed_signature=SEED, at=AT)
    shown = repr(chain)
    assert shown == "ChunkSigner(scope='20200101/us-east-1/s3/aws4_request', state='chunks')"
    assert SECRET not in shown and TOKEN not in shown and SEED not in shown


def test_event_stream_signer_repr() -> None:
    chain = EventStreamSigner(SEED, credentials=CREDS, region="us-east-1", service="transcribe")
    chain.sign(b"hello", AT)
    shown = repr(chain)
    assert shown == (
        "EventStreamSigner(region='us-east-1', service='transcribe', messages_signed=1, "
        "ended=False)"
    )
    assert SECRET not in shown and TOKEN not in shown and SEED not in shown


def test_verified_repr() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="ec2")
    signed = signer.sign(Request("GET", "https://ec2.amazonaws.com/?Action=X"), CREDS, AT)
    verified = signers.verify(signed.request, {"AKIDEXAMPLE": CREDS}, AT)
    shown = repr(verified)
    assert shown == (
        "Verified(scheme='sigv4', access_key='AKIDEXAMPLE', region='us-east-1', "
        "service='ec2', signed_headers=('host', 'x-amz-date', 'x-amz-security-token'), "
        "payload_checked=True)"
    )
    assert SECRET not in shown and TOKEN not in shown and signed.signature not in shown


def test_every_built_in_signer_shows_one_typed_documented_verify() -> None:
    for name in ("sigv4", "sigv4-query", "sigv2", "s3-v2", "s3-v2-query"):
        verify = type(
            signers.get_signer(name, region="us-east-1", service="s3")
            if name.startswith("sigv4")
            else signers.get_signer(name)
        ).verify
        parameters = inspect.signature(verify).parameters
        assert list(parameters) == [
            "self",
            "request",
            "credentials",
            "now",
            "max_skew",
            "max_lifetime",
        ]
        assert parameters["max_lifetime"].default == 604800
        assert parameters["max_skew"].default == 900
        assert "max_lifetime" in (verify.__doc__ or "")
        assert "VerificationError" in (verify.__doc__ or "")
