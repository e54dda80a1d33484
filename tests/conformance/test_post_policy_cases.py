"""The harness's POST-policy family: AWS's two published browser-upload examples run stage by
stage (the policy's base64, its signature, the policy and fields of ``presign_post``), and copies
changed in one stage fail at exactly that stage.

Expected values are the published ones on disk; where a changed copy needs a new valid signature,
it is made here with ``hmac``/``hashlib`` step by step (the pages' algorithm), not by sigbridge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conformance import post, runner, vectors
from tests._bundled_vectors import bundled_vectors, catalog_of

ROOT = vectors.default_root()
CASES = sorted(p.name for p in (ROOT / "post-policy").iterdir() if (p / "case.json").is_file())


def _results(root: Path) -> Dict[str, runner.Result]:
    jobs = [j for j in runner.plan(catalog_of(root)) if j.scheme == "post-policy"]
    return {job.id.partition("::")[2]: job.run() for job in jobs}


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "post-policy" / name
    shutil.copytree(ROOT / "post-policy" / name, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def _sign_v4(policy_b64: str, secret: str, date: str, region: str) -> str:
    key = ("AWS4" + secret).encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy_b64.encode(), hashlib.sha256).hexdigest()


def _resign(case: Path, policy: bytes) -> None:
    """Replace the SigV4 case's policy, its base64 and its signature consistently."""
    spec = json.loads((case / "case.json").read_text())
    encoded = base64.b64encode(policy).decode()
    (case / "policy.json").write_bytes(policy)
    (case / "policy-base64.txt").write_text(encoded)
    secret = spec["credentials"]["secret_access_key"]
    (case / "signature.txt").write_text(_sign_v4(encoded, secret, spec["date"], spec["region"]))


def test_both_published_examples_are_cases_and_pass() -> None:
    assert CASES == ["aws-doc-sigv2-post", "aws-doc-sigv4-post"]
    results = _results(ROOT)
    assert sorted(results) == [f"post-policy/{name}" for name in CASES]
    for result in results.values():
        assert result.status == runner.PASSED, runner.describe(result)
        assert result.vector is not None
        assert list(result.vector.expected) == ["string-to-sign", "signature", "policy", "fields"]


def test_the_cases_are_read_from_the_published_files() -> None:
    found = {v.case: v for v in bundled_vectors() if v.family == "post-policy"}
    v4 = found["post-policy/aws-doc-sigv4-post"]
    folder = ROOT / "post-policy" / "aws-doc-sigv4-post"
    assert v4.kind == "post-policy" and v4.location == "form"
    assert v4.requires == {"post-policy:form", "post-v4"}
    assert v4.expected["string-to-sign"] == (folder / "policy-base64.txt").read_text().strip()
    assert v4.expected["signature"].startswith("8afdbf40")
    assert v4.expected["policy"].encode() == (folder / "policy.json").read_bytes()
    assert (
        "X-Amz-Credential: AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request\n"
        in (v4.expected["fields"])
    )
    v2 = found["post-policy/aws-doc-sigv2-post"]
    assert v2.requires == {"post-policy:form", "post-v2"}
    # the sample request's fields, up to the file (the submit button after it is not one)
    assert v2.expected["fields"].splitlines()[0] == "key: user/eric/MyPicture.jpg"
    assert "submit" not in v2.expected["fields"] and "file" not in v2.expected["fields"]


def _prefix_base64(case: Path) -> None:
    (case / "policy-base64.txt").write_text("X" + (case / "policy-base64.txt").read_text())


def _zero_signature(case: Path) -> None:
    (case / "signature.txt").write_text("0" * 64)


@pytest.mark.parametrize(
    ("edit", "stage", "words"),
    [
        (_prefix_base64, "string-to-sign", "line 1, column 1: expected 'X'"),
        (_zero_signature, "signature", "expected 0000"),
    ],
)
def test_a_wrong_published_value_fails_at_its_stage(
    tmp_path: Path, edit: Any, stage: str, words: str
) -> None:
    edit(_copy(tmp_path, "aws-doc-sigv4-post"))
    result = _results(tmp_path)["post-policy/aws-doc-sigv4-post"]
    assert result.status == runner.FAILED and result.stage == stage
    assert words in result.message


def test_a_policy_that_lost_its_crlf_fails_at_the_string_to_sign(tmp_path: Path) -> None:
    case = _copy(tmp_path, "aws-doc-sigv4-post")
    policy = (case / "policy.json").read_bytes()
    (case / "policy.json").write_bytes(policy.replace(b"\r\n", b"\n"))
    result = _results(tmp_path)["post-policy/aws-doc-sigv4-post"]
    assert result.stage == "string-to-sign"  # its base64 is no longer the published one


def test_a_policy_presign_post_would_not_write_fails_at_the_policy_stage(tmp_path: Path) -> None:
    case = _copy(tmp_path, "aws-doc-sigv4-post")
    policy = (case / "policy.json").read_bytes()
    _resign(case, policy.replace(b"20151229T000000Z", b"20151229T000001Z"))
    result = _results(tmp_path)["post-policy/aws-doc-sigv4-post"]
    assert result.status == runner.FAILED and result.stage == "policy"
    assert result.message == 'condition ["eq", "$x-amz-date", "20151229T000001Z"] is missing'
    assert '["eq", "$x-amz-date", "20151229T000000Z"] is not in the published policy' in (
        result.diff
    )


def test_the_expiration_is_compared_as_an_instant(tmp_path: Path) -> None:
    case = _copy(tmp_path, "aws-doc-sigv4-post")
    policy = (case / "policy.json").read_bytes()
    # the same instant written another way: presign_post writes it its own way, and passes
    _resign(case, policy.replace(b"2015-12-30T12:00:00.000Z", b"2015-12-30T13:00:00+01:00"))
    assert _results(tmp_path)["post-policy/aws-doc-sigv4-post"].status == runner.PASSED


def _presign_changed(monkeypatch: Any, change: Any) -> None:
    real = post.PostPolicyAPI.presign_post

    def presign_post(*args: Any, **kwargs: Any) -> Any:
        return change(real(*args, **kwargs), kwargs)

    monkeypatch.setattr(post.PostPolicyAPI, "presign_post", staticmethod(presign_post))


def test_a_presign_post_that_miscounts_expires_fails_at_the_policy_stage(
    monkeypatch: Any,
) -> None:
    real = post.PostPolicyAPI.presign_post
    _presign_changed(monkeypatch, lambda made, kw: real(**dict(kw, expires=kw["expires"] - 1)))
    result = _results(ROOT)["post-policy/aws-doc-sigv4-post"]
    assert result.status == runner.FAILED and result.stage == "policy"
    assert result.message == (
        "expiration: expected 2015-12-30T12:00:00.000Z, got 2015-12-30T11:59:59Z"
    )


def test_a_presigned_signature_not_of_its_own_policy_fails_at_the_fields_stage(
    monkeypatch: Any,
) -> None:
    def tamper(made: Any, _: Any) -> Any:
        fields = dict(made.fields)
        fields["x-amz-signature"] = "f" * 64
        return made._replace(fields=fields)

    _presign_changed(monkeypatch, tamper)
    result = _results(ROOT)["post-policy/aws-doc-sigv4-post"]
    assert result.status == runner.FAILED and result.stage == "fields"
    assert result.message.startswith("field 'x-amz-signature': ffff")
    assert "is not the signature of the form's policy" in result.message


def _edit_form(case: Path, change: Any) -> None:
    spec = json.loads((case / "case.json").read_text())
    spec["form"] = change(spec["form"])
    (case / "case.json").write_text(json.dumps(spec))


def test_a_published_field_value_presign_post_does_not_make(tmp_path: Path) -> None:
    case = _copy(tmp_path, "aws-doc-sigv4-post")
    ecdsa = "AWS4-ECDSA-P256-SHA256"
    _edit_form(case, lambda form: [[n, ecdsa if n == "X-Amz-Algorithm" else v] for n, v in form])
    result = _results(tmp_path)["post-policy/aws-doc-sigv4-post"]
    assert result.status == runner.FAILED and result.stage == "fields"
    assert result.message == (
        "field 'X-Amz-Algorithm': expected 'AWS4-ECDSA-P256-SHA256', got 'AWS4-HMAC-SHA256'"
    )


def test_a_field_missing_from_the_published_form(tmp_path: Path) -> None:
    case = _copy(tmp_path, "aws-doc-sigv4-post")
    _edit_form(case, lambda form: [p for p in form if p[0] != "X-Amz-Date"])
    result = _results(tmp_path)["post-policy/aws-doc-sigv4-post"]
    assert result.stage == "fields"
    assert result.message == "field 'x-amz-date' is not in the published form"


def test_the_sigv2_key_prefix_rule(tmp_path: Path) -> None:
    """The SigV2 page's user typed the key under the policy's prefix: a ``${filename}`` key
    covers it; a key outside the prefix does not."""
    case = _copy(tmp_path, "aws-doc-sigv2-post")
    body = case / "sample-request-body.txt"
    body.write_bytes(body.read_bytes().replace(b"user/eric/MyPicture.jpg", b"user/bob/x.jpg"))
    result = _results(tmp_path)["post-policy/aws-doc-sigv2-post"]
    assert result.stage == "fields"
    assert result.message == "field 'key': expected 'user/bob/x.jpg', got 'user/eric/${filename}'"


def test_known_differences_are_data(tmp_path: Path) -> None:
    case = _copy(tmp_path, "aws-doc-sigv2-post")
    (case / "signature.txt").write_text("AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    context = json.loads((case / "context.json").read_text())
    context["xfail"] = "a known difference"
    (case / "context.json").write_text(json.dumps(context))
    result = _results(tmp_path)["post-policy/aws-doc-sigv2-post"]
    assert result.status == runner.XFAILED and result.message.startswith("a known difference")
    context["unchecked"] = {"signature": "the page's signature is not ours to check"}
    del context["xfail"]
    (case / "context.json").write_text(json.dumps(context))
    result = _results(tmp_path)["post-policy/aws-doc-sigv2-post"]
    assert result.status == runner.PASSED
    assert result.vector is not None and "signature" in result.vector.unchecked


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"timestamp": None}, "'timestamp' (the instant to presign at) is missing"),
        ({"colour": "blue"}, "not colour"),
    ],
)
def test_a_broken_sidecar_is_a_load_failure(
    tmp_path: Path, change: Dict[str, Any], reason: str
) -> None:
    case = _copy(tmp_path, "aws-doc-sigv4-post")
    context = json.loads((case / "context.json").read_text())
    context.update(change)
    (case / "context.json").write_text(json.dumps({k: v for k, v in context.items() if v}))
    catalog = vectors.scan(tmp_path)
    assert [(c, reason in why) for c, why in catalog.problems] == [
        ("post-policy/aws-doc-sigv4-post", True)
    ]


def _ids(capsys: Any, *argv: str) -> List[str]:
    from signers.cli import main

    assert main(["conformance", "--list", *argv]) == 0
    return [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]


@pytest.mark.slow
def test_case_globs_and_scheme_select_them(capsys: Any) -> None:
    both = [
        "post-policy::post-policy/aws-doc-sigv2-post",
        "post-policy::post-policy/aws-doc-sigv4-post",
    ]
    assert _ids(capsys, "--case", "aws-doc-sigv*-post") == both
    assert _ids(capsys, "--case", "post-policy::*") == both
    assert _ids(capsys, "--scheme", "post-policy") == both
    assert _ids(capsys, "--case", "post-policy/*v4*") == both[1:]


def test_a_feature_the_capability_lacks_is_a_skip_with_the_reason(tmp_path: Path) -> None:
    case = _copy(tmp_path, "aws-doc-sigv4-post")
    context = json.loads((case / "context.json").read_text())
    context["requires"] = ["post-v5"]
    (case / "context.json").write_text(json.dumps(context))
    result = _results(tmp_path)["post-policy/aws-doc-sigv4-post"]
    assert result.status == runner.SKIPPED
    assert result.message == "post-policy lacks feature(s) post-v5"
    (info,) = [i for i in runner.capabilities() if i.name == "post-policy"]
    assert info.features == {"post-policy:form", "post-v4", "post-v2", "session-token"}
