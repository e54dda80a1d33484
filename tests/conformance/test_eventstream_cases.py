"""The harness's event-stream family: every signing vector (each message's string to sign and
signature in its chain, the initial request where there is one) and every framing vector
(decoded and compared with its JSON, re-encoded; the negative ones refused), and copies changed in
one place that fail at exactly that stage.  The cases are counted from the files on disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conformance import events, runner, vectors
from tests._bundled_vectors import bundled_vectors, catalog_of

ROOT = vectors.default_root()
EVENTS = ROOT / "eventstream"
GO = EVENTS / "framing" / "aws-sdk-go"
SMITHY = EVENTS / "framing" / "smithy-rs"


def _results(root: Path) -> Dict[str, runner.Result]:
    jobs = [j for j in runner.plan(catalog_of(root)) if j.scheme == "eventstream"]
    return {job.id.partition("::")[2]: job.run() for job in jobs}


def _on_disk() -> Dict[str, str]:
    """Case path -> kind, from the files (independently of the loader)."""
    found = {
        f"eventstream/signing/{p.stem}": "event-signing"
        for p in (EVENTS / "signing").glob("*.json")
    }
    for kind in ("positive", "negative"):
        for path in (GO / "encoded" / kind).iterdir():
            found[f"eventstream/framing/aws-sdk-go/encoded/{kind}/{path.name}"] = "event-framing"
    for path in SMITHY.iterdir():
        if path.name.startswith(("valid_", "invalid_")):
            found[f"eventstream/framing/smithy-rs/{path.name}"] = "event-framing"
    return found


def test_every_vector_file_is_a_case_and_passes() -> None:
    on_disk = _on_disk()
    assert len(on_disk) == 5 + 9 + 11
    results = _results(ROOT)
    assert sorted(results) == sorted(on_disk)
    for case, result in results.items():
        assert result.status == runner.PASSED, runner.describe(result)
        assert result.vector is not None and result.vector.kind == on_disk[case]
        assert result.vector.requires == {"eventstream:message", result.vector.kind}


def test_the_stages_of_each_kind() -> None:
    found = {v.case: v for v in bundled_vectors() if v.family == "eventstream"}
    c_auth = found["eventstream/signing/aws-c-auth-sigv4-event-signing"]
    assert list(c_auth.expected) == [
        "initial-authorization",
        "initial-signature",
        "message-1-signature",
        "message-2-signature",
        "message-3-signature",
        "message-4-signature",
    ]
    assert c_auth.request is not None and c_auth.request.method == "POST"
    smithy = found["eventstream/signing/smithy-rs-string-to-sign"]
    assert list(smithy.expected) == ["message-1-string-to-sign"] and smithy.credentials is None
    positive = found["eventstream/framing/aws-sdk-go/encoded/positive/all_headers"]
    assert list(positive.expected) == ["decoded", "encoded"]
    assert positive.expected["encoded"] == (GO / "encoded/positive/all_headers").read_bytes().hex()
    decoded = json.loads(positive.expected["decoded"])
    assert decoded["message_crc"] == -1415188212 & 0xFFFFFFFF  # (the file writes it signed)
    negative = found["eventstream/framing/smithy-rs/invalid_prelude_checksum"]
    assert negative.expected == {"refusal": "PreludeChecksumMismatch(0x8BB495FB, 0xDEADBEEF)"}


def test_negative_vectors_are_refused_by_both_decoders() -> None:
    negative = [
        r
        for r in _results(ROOT).values()
        if r.vector is not None and r.vector.kind == "event-framing" and r.vector.data["refused"]
    ]
    assert len(negative) == 4 + 8
    assert all(r.status == runner.PASSED and r.vector is not None for r in negative)
    assert all(list(r.vector.expected) == ["refusal"] for r in negative if r.vector)


# -- changed copies -------------------------------------------------------------------------------


def _copy_tree(tmp_path: Path) -> Path:
    shutil.copytree(EVENTS, tmp_path / "eventstream")
    for path in (tmp_path / "eventstream").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return tmp_path / "eventstream"


def _edit_json(path: Path, change: Any) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))


def test_a_wrong_signature_in_the_chain_fails_at_that_message(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    path = copy / "signing" / "aws-c-auth-sigv4-event-signing.json"
    _edit_json(path, lambda d: d["messages"][2].update(signature="0" * 64))
    result = _results(tmp_path)["eventstream/signing/aws-c-auth-sigv4-event-signing"]
    assert result.status == runner.FAILED and result.stage == "message-3-signature"
    assert result.message.startswith("first difference at line 1, column 1: expected '0'")


def test_a_wrong_initial_request_fails_before_the_chain(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    path = copy / "signing" / "aws-c-auth-sigv4-event-signing.json"
    _edit_json(
        path,
        lambda d: d["initial_request"].update(
            authorization=d["initial_request"]["authorization"].replace(", Sig", ",Sig")
        ),
    )
    result = _results(tmp_path)["eventstream/signing/aws-c-auth-sigv4-event-signing"]
    assert result.stage == "initial-authorization"
    assert "␠" in result.diff  # the missing space, made visible


def test_a_string_to_sign_with_a_crlf_shows_it(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    path = copy / "signing" / "smithy-rs-string-to-sign.json"
    _edit_json(
        path,
        lambda d: d["messages"][0].update(
            string_to_sign=d["messages"][0]["string_to_sign"].replace("\n", "\r\n", 1)
        ),
    )
    result = _results(tmp_path)["eventstream/signing/smithy-rs-string-to-sign"]
    assert result.stage == "message-1-string-to-sign"
    assert "CARRIAGE RETURN" in result.message and "␍" in result.diff


def test_an_expected_envelope_is_compared(tmp_path: Path) -> None:
    """``envelope_hex`` (no published vector gives one) is compared where a case has it."""
    copy = _copy_tree(tmp_path)
    path = copy / "signing" / "aws-c-auth-sigv4-event-signing.json"
    _edit_json(path, lambda d: d["messages"][0].update(envelope_hex="00"))
    result = _results(tmp_path)["eventstream/signing/aws-c-auth-sigv4-event-signing"]
    assert result.stage == "message-1-envelope"


def test_a_changed_decoded_header_fails_at_decoded(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    _edit_json(
        copy / "framing/aws-sdk-go/decoded/positive/int32_header",
        lambda d: d["headers"][0].update(value=40973),
    )
    result = _results(tmp_path)["eventstream/framing/aws-sdk-go/encoded/positive/int32_header"]
    assert result.status == runner.FAILED and result.stage == "decoded"
    assert "line 6, column 20: expected '3'" in result.message
    assert '-␠␠␠␠␠␠"value":␠40973⏎' in result.diff and '+␠␠␠␠␠␠"value":␠40972⏎' in result.diff


def test_a_positive_file_placed_among_the_negative_ones_fails_the_refusal(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    go = copy / "framing" / "aws-sdk-go"
    shutil.copy(go / "encoded/positive/int32_header", go / "encoded/negative/not_really")
    (go / "decoded/negative/not_really").write_text("Prelude checksum mismatch")
    result = _results(tmp_path)["eventstream/framing/aws-sdk-go/encoded/negative/not_really"]
    assert result.status == runner.FAILED and result.stage == "refusal"
    assert result.message == (
        "decode_message decoded a message the case refuses (Prelude checksum mismatch)"
    )


def test_a_negative_file_placed_among_the_positive_ones_fails_to_decode(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    _edit_json(
        copy / "framing/smithy-rs/expected.json",
        lambda d: d["cases"].update(invalid_message_checksum={"decodes": True}),
    )
    result = _results(tmp_path)["eventstream/framing/smithy-rs/invalid_message_checksum"]
    assert result.status == runner.FAILED and result.stage == "decoded"
    assert result.message.startswith("InvalidEventStream: ")


def test_known_differences_are_data(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)

    def wrong_and_known(document: Dict[str, Any]) -> None:
        document["messages"][0]["signature"] = "0" * 64
        document["xfail"] = "a known difference"

    _edit_json(copy / "signing/aws-sdk-go-stream-signer.json", wrong_and_known)
    result = _results(tmp_path)["eventstream/signing/aws-sdk-go-stream-signer"]
    assert result.status == runner.XFAILED
    assert result.message.startswith("a known difference (fails at message-1-signature")


@pytest.mark.parametrize(
    ("edit", "case", "reason"),
    [
        (lambda c: (c / "framing/smithy-rs/valid_extra").write_bytes(b"\0"),
         "eventstream/framing/smithy-rs/valid_extra", "valid_extra has no entry in expected.json"),
        (lambda c: (c / "signing/broken.json").write_text("{"),
         "eventstream/signing/broken", "broken.json: not valid JSON"),
        (lambda c: (c / "framing/aws-sdk-go/decoded/positive/empty_message").unlink(),
         "eventstream/framing/aws-sdk-go/encoded/positive/empty_message",
         "decoded/positive/empty_message is missing"),
    ],
)  # fmt: skip
def test_what_cannot_be_read_is_a_load_failure(
    tmp_path: Path, edit: Any, case: str, reason: str
) -> None:
    edit(_copy_tree(tmp_path))
    problems = dict(vectors.scan(tmp_path).problems)
    assert list(problems) == [case] and reason in problems[case]


def test_the_capability_declares_its_features() -> None:
    (info,) = [i for i in runner.capabilities() if i.name == "eventstream"]
    assert info.features == {"eventstream:message", "event-signing", "event-framing"}
    assert info.factory is events.EventStreamAPI


def _ids(capsys: Any, *argv: str) -> List[str]:
    from signers.cli import main

    assert main(["conformance", "--list", *argv]) == 0
    return [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]


@pytest.mark.slow
def test_case_globs_select_them(capsys: Any) -> None:
    every = _ids(capsys, "--scheme", "eventstream")
    assert len(every) == 25 and all(i.startswith("eventstream::eventstream/") for i in every)
    negative = _ids(capsys, "--case", "negative/*")
    assert negative == [i for i in every if "/encoded/negative/" in i] and len(negative) == 4
    assert len(_ids(capsys, "--case", "eventstream/signing/*")) == 5
    assert _ids(capsys, "--case", "invalid_*") == [i for i in every if "/invalid_" in i]
    assert _ids(capsys, "--case", "*::*framing/smithy-rs/valid_*") == [
        i for i in every if "/smithy-rs/valid_" in i
    ]
