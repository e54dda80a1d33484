"""The browser POST probes (:mod:`conformance.probe.catalogue_post`): their forms read back by an
independent route, the control passing every one, and each broken POST verifier caught.

The forms are parsed here with the standard library's ``email`` parser and their signatures
recomputed step by step (hashlib and hmac: the POST-policy tests' reference), so each accept probe
is shown to be a correct upload and each refuse probe to break exactly the one thing it names.
The mutants (:mod:`.mutants_post`) sit behind the same small S3 store as the other mutants.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.parser
import email.policy
import json
from typing import Any, Dict, Tuple

import pytest

from conformance.probe.catalogue import CATALOGUES, for_service
from conformance.probe.catalogue_post import PROBES
from conformance.probe.context import Context, ProbeConfig
from conformance.probe.model import Sent
from conformance.probe.wire import Endpoint, Redactor
from signers import Credentials
from tests.post_policy import _reference as ref

from . import mutants, mutants_post
from .fakes import FakeS3
from .support import probe, verdicts

CREDENTIALS = Credentials(mutants.AK, mutants.SECRET)
URL = "http://127.0.0.1:9000"
POST_SCHEMES = ("post-v4", "post-v2")

#: mutant -> (the probe that catches it, the verdict)
CAUGHT_BY: Dict[str, Tuple[str, str]] = {
    "accepts-any-form": ("post-v4/anonymous", "insecure"),
    "checks-signature-only": ("post-v4/key-outside-policy", "insecure"),
    "skips-policy-expiry": ("post-v4/expired-policy", "insecure"),
    "ignores-uncovered-fields": ("post-v4/extra-field", "insecure"),
}


def _built(probe_id: str) -> Tuple[Sent, Context]:
    config = ProbeConfig(url=URL, credentials=CREDENTIALS, bucket="bucket", region="us-east-1")
    ctx = Context(config, Endpoint(URL), Redactor([CREDENTIALS.secret_key]), "p/run/", "bucket")
    found = next(p for p in PROBES if p.id == probe_id)
    return found.build(ctx), ctx


def _form(sent: Sent) -> Tuple[Dict[str, str], bytes]:
    """The form's fields and the file, read with the email package's MIME parser."""
    content_type = dict(sent.headers)["Content-Type"]
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + sent.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    fields: Dict[str, str] = {}
    data = b""
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True)
        if name == "file":
            data = content
        else:
            fields[str(name)] = content.decode("utf-8")
    return fields, data


def _signature_holds(fields: Dict[str, str], secret: str = mutants.SECRET) -> bool:
    if "x-amz-signature" in fields:
        _, date, region, _, _ = fields["x-amz-credential"].split("/")
        return ref.sign_v4(fields["policy"], secret, date, region) == fields["x-amz-signature"]
    return ref.sign_v2(fields["policy"], secret) == fields["signature"]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _policy(fields: Dict[str, str]) -> Any:
    return json.loads(base64.b64decode(fields["policy"]))


def test_the_post_catalogue_is_registered_for_s3_only() -> None:
    assert "catalogue_post" in CATALOGUES
    ids = {p.id for p in PROBES}
    assert len(ids) == len(PROBES) == 12
    assert ids <= {p.id for p in for_service(True)}
    assert not ids & {p.id for p in for_service(False)}


@pytest.mark.parametrize("probe_id", ["post-v4/upload", "post-v2/upload"])
def test_accept_probes_are_signed_uploads(probe_id: str) -> None:
    sent, _ = _built(probe_id)
    fields, data = _form(sent)
    assert sent.method == "POST" and sent.target == "/bucket/" and data
    assert _signature_holds(fields)
    conditions = _policy(fields)["conditions"]
    assert {"bucket": "bucket"} in conditions and {"key": fields["key"]} in conditions
    assert sent.writes == (fields["key"],)


def test_each_refuse_probe_breaks_what_it_names() -> None:
    forms = {p.id: _form(_built(p.id)[0]) for p in PROBES}
    tampered, _ = forms["post-v4/tampered-policy"]
    assert (
        not _signature_holds(tampered)
        and _policy(tampered)["expiration"] == "2099-01-01T00:00:00.000Z"
    )
    assert not _signature_holds(forms["post-v4/wrong-secret"][0])
    unknown, _ = forms["post-v4/unknown-key"]
    assert unknown["x-amz-credential"].startswith("AKIAPROBEUNKNOWNKEY0/") and _signature_holds(
        unknown
    )
    expired, _ = forms["post-v4/expired-policy"]
    assert _signature_holds(expired) and str(_policy(expired)["expiration"]) < _now()
    outside, _ = forms["post-v4/key-outside-policy"]
    assert (
        _signature_holds(outside) and {"key": outside["key"]} not in _policy(outside)["conditions"]
    )
    extra, _ = forms["post-v4/extra-field"]
    assert _signature_holds(extra) and "x-amz-meta-unsigned" in extra
    assert "x-amz-meta-unsigned" not in base64.b64decode(extra["policy"]).decode()
    for probe_id, too in (("post-v4/file-too-large", 11), ("post-v4/file-too-small", 0)):
        fields, data = forms[probe_id]
        assert (
            _signature_holds(fields)
            and ["content-length-range", 1, 10] in _policy(fields)["conditions"]
        )
        assert (len(data) >= too) if too else data == b""
    anonymous, _ = forms["post-v4/anonymous"]
    assert set(anonymous) == {"key"}


def test_no_signature_made_is_shown() -> None:
    for found in PROBES:
        sent, ctx = _built(found.id)
        fields, _ = _form(sent)
        shown = ctx.redactor(sent.body.decode("utf-8", "replace"))
        for name in ("x-amz-signature", "signature"):
            if name in fields and found.id != "post-v4/wrong-secret":
                assert fields[name] not in shown


def _run(authenticate: object) -> Dict[str, str]:
    with FakeS3(authenticate) as server:  # type: ignore[arg-type]
        result = probe(server.url, CREDENTIALS, create_bucket=True, schemes=POST_SCHEMES)
        assert server.keys() == [], "the probe left objects behind"
    return verdicts(result)


@pytest.mark.slow
def test_the_control_passes_every_post_probe() -> None:
    found = _run(mutants_post.honest)
    assert found == {p.id: "pass" for p in PROBES}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CAUGHT_BY))
def test_post_mutant_is_caught(name: str) -> None:
    assert set(CAUGHT_BY) == set(mutants_post.MUTANTS)
    probe_id, verdict = CAUGHT_BY[name]
    found = _run(mutants_post.MUTANTS[name])
    assert found[probe_id] == verdict, f"{name}: {probe_id} is {found[probe_id]}"
