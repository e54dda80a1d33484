"""The conformance harness: every (signer, vector) pair, the loader, the diffs, reports and CLI.

Expected values come from the published vectors on disk; the crafted cases below are copies of
published ones with one deliberate change, so the harness must notice exactly that change.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from conformance import cli, report, runner, vectors
from conformance.__main__ import main as conformance_main
from conformance.diff import first_difference, text_diff, visible
from tests._bundled_vectors import bundled_catalog, bundled_vectors

ROOT = vectors.default_root()
JOBS = runner.plan(bundled_catalog())


# -- every pair the runner produces --------------------------------------------------------------


@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_vector(job: runner.Job) -> None:
    result = job.run()
    if result.status == runner.SKIPPED:
        pytest.skip(result.message)
    if result.status == runner.XFAILED:
        pytest.xfail(result.message)
    assert result.status == runner.PASSED, f"{result.message}\n{result.diff}"


# -- the requirement, counted from the files on disk --------------------------------------------


def _folder_cases(suite: str, location: str) -> List[str]:
    """Case folders of an aws-c-auth suite with at least one file for ``location``."""
    return sorted(
        p.name
        for p in (ROOT / suite).iterdir()
        if p.is_dir() and (p / "request.txt").is_file() and any(p.glob(f"{location}-*.txt"))
    )


def _results(scheme: str, suite: str) -> Dict[str, runner.Result]:
    out = {}
    for job in JOBS:
        if job.scheme == scheme and job.vector is not None and job.vector.suite == suite:
            out[job.vector.case] = job.run()
    return out


@pytest.mark.parametrize(("scheme", "location"), [("sigv4", "header"), ("sigv4-query", "query")])
def test_every_aws_c_auth_v4_case_passes(scheme: str, location: str) -> None:
    on_disk = _folder_cases("v4", location)
    assert len(on_disk) >= 30
    results = _results(scheme, "v4")
    assert sorted(results) == [f"v4/{name}" for name in on_disk]
    failed = {case: r.message for case, r in results.items() if r.status != runner.PASSED}
    assert not failed


def test_every_aws4_testsuite_case_passes() -> None:
    on_disk = sorted(
        p.relative_to(ROOT).with_suffix("").as_posix()
        for p in (ROOT / "aws4_testsuite").rglob("*.req")
    )
    assert len(on_disk) >= 30
    results = _results("sigv4", "aws4_testsuite")
    expected_cases = []
    for path in on_disk:
        folder, _, stem = path.rpartition("/")
        expected_cases.append(folder if folder.endswith("/" + stem) else path)
    assert sorted(results) == sorted(expected_cases)
    failed = {case: r.message for case, r in results.items() if r.status != runner.PASSED}
    assert not failed
    # The nested groups are there, and the token cases are among them.
    assert "aws4_testsuite/normalize-path/get-space" in results
    assert "aws4_testsuite/post-sts-token/post-sts-header-after" in results


@pytest.mark.parametrize(("scheme", "location"), [("sigv4a", "header"), ("sigv4a-query", "query")])
def test_every_v4a_case_passes_or_has_nothing_to_compare(scheme: str, location: str) -> None:
    pytest.importorskip("cryptography")
    on_disk = sorted(p.name for p in (ROOT / "v4a").iterdir() if (p / "context.json").is_file())
    with_files = _folder_cases("v4a", location)
    assert len(on_disk) == 40 and len(with_files) == 38
    results = _results(scheme, "v4a")
    assert sorted(case.split("/")[-1] for case in results) == on_disk
    for case, result in results.items():
        name = case.split("/")[-1]
        if name in with_files:
            assert result.status == runner.PASSED, (case, result.message)
            assert set(result.vector.expected) >= {"signature", "signed-request"}  # type: ignore[union-attr]
        else:  # get-vanilla-query-order-key / -value ship only context.json and request.txt
            assert result.status == runner.SKIPPED
            assert result.message == f"the case has no {location}-*.txt files to compare"


def test_v4a_cases_are_skipped_with_the_reason_without_cryptography(monkeypatch: Any) -> None:
    import signers

    monkeypatch.delitem(sys.modules, "signers._ecdsa", raising=False)
    monkeypatch.delattr(signers, "_ecdsa", raising=False)
    for name in [n for n in sys.modules if n.split(".")[0] == "cryptography"] + ["cryptography"]:
        monkeypatch.setitem(sys.modules, name, None)  # an import of any of them now fails
    v4a = [
        job
        for job in JOBS
        if job.vector is not None and job.vector.family == "sigv4a" and job.vector.expected
    ]
    assert {job.scheme for job in v4a} == {"sigv4a", "sigv4a-query"}
    for job in v4a[:3] + v4a[-3:]:
        result = job.run()
        assert result.status == runner.SKIPPED
        assert result.message == (
            "sigv4a needs the 'cryptography' package: pip install 'sigbridge[sigv4a]'"
        )


def test_job_ids_are_unique_and_readable() -> None:
    ids = [job.id for job in JOBS]
    assert len(ids) == len(set(ids))
    assert "sigv4-query::v4/get-vanilla-query" in ids
    assert "sigv4::aws4_testsuite/normalize-path/get-space" in ids
    assert "sigv4a::v4a/get-vanilla" in ids and "sigv4a-query::v4a/get-vanilla" in ids


# -- the loader ---------------------------------------------------------------------------------


def _by_id() -> Dict[str, vectors.Vector]:
    return {v.id: v for v in bundled_vectors()}


def test_loader_reads_the_folder_format() -> None:
    found = _by_id()
    header = found["sigv4:header::v4/post-sts-header-after"]
    query = found["sigv4:query::v4/post-sts-header-after"]
    assert header.family == "sigv4" and header.location == "header" and header.suite == "v4"
    assert header.format == "aws-c-auth"
    assert header.time == dt.datetime(2015, 8, 30, 12, 36, tzinfo=dt.timezone.utc)
    assert header.credentials.access_key == "AKIDEXAMPLE"
    assert header.credentials.token is not None and header.credentials.token.startswith("AQoD")
    assert header.options == {
        "region": "us-east-1",
        "service": "service",
        "normalize_path": True,
        "sign_body": False,
        "session_token": "unsigned",
    }
    assert query.options["expires"] == 3600 and "expires" not in header.options
    assert header.requires == {"sigv4:header", "normalize-path", "session-token-unsigned"}
    assert list(header.expected) == [
        "canonical-request",
        "string-to-sign",
        "signature",
        "signed-request",
    ]
    assert header.expected["signature"] == (
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
    )
    assert (
        header.request.method == "POST" and header.request.url == "https://example.amazonaws.com/"
    )
    signed = found["sigv4:header::v4/post-sts-header-before"]
    assert "session_token" not in signed.options and "session-token" in signed.requires
    body = found["sigv4:header::v4/post-x-www-form-urlencoded-parameters"]
    assert body.options["sign_body"] is True and "sign-body" in body.requires
    assert body.request.body == b"Param1=value1"
    raw = (ROOT / "v4" / "get-space-unnormalized" / "request.txt").read_bytes()
    unnormalized = found["sigv4:header::v4/get-space-unnormalized"]
    assert b"/example space/" in raw and unnormalized.request.path == "/example space/"
    assert unnormalized.options["normalize_path"] is False
    assert "no-normalize-path" in unnormalized.requires


def test_loader_records_v4a_extras_and_family() -> None:
    found = _by_id()
    vanilla = found["sigv4a:header::v4a/get-vanilla"]
    assert vanilla.family == "sigv4a"
    assert vanilla.extras == ("canonical-request.txt", "public-key.json", "string-to-sign.txt")
    # A case shipped without expected files still appears (in both forms, nothing to compare).
    bare = [v for v in found.values() if v.case == "v4a/get-vanilla-query-order-key"]
    assert sorted(v.location for v in bare) == ["header", "query"]
    assert all(not v.expected for v in bare)


def test_loader_reads_the_older_format() -> None:
    found = _by_id()
    before = found["sigv4:header::aws4_testsuite/post-sts-token/post-sts-header-before"]
    after = found["sigv4:header::aws4_testsuite/post-sts-token/post-sts-header-after"]
    readme = (ROOT / "aws4_testsuite" / "post-sts-token" / "readme.txt").read_text()
    token = readme.strip().splitlines()[-1].strip()
    assert token.startswith("AQoD") and token.endswith("==")
    for vector in (before, after):
        assert vector.format == "aws4_testsuite"
        assert vector.location == "header"
        assert vector.credentials.token == token
        assert vector.time == dt.datetime(2015, 8, 30, 12, 36, tzinfo=dt.timezone.utc)
        # X-Amz-Date and the token move out of the request: the signer adds them.
        assert not vector.request.has_header("x-amz-date")
        assert not vector.request.has_header("x-amz-security-token")
        assert vector.options["region"] == "us-east-1"
        assert vector.options["service"] == "service"
        assert "sigv4:header" in vector.requires
    assert "session_token" not in before.options and "session-token" in before.requires
    assert after.options["session_token"] == "unsigned"
    assert "session-token-unsigned" in after.requires
    authz = (
        ROOT / "aws4_testsuite/post-sts-token/post-sts-header-before/post-sts-header-before.authz"
    )
    assert before.expected["authorization"] == authz.read_text()
    assert before.expected["signature"] == authz.read_text().rsplit("Signature=", 1)[1]
    assert list(before.expected) == [
        "canonical-request",
        "string-to-sign",
        "signature",
        "authorization",
        "signed-request",
    ]
    # The header-only suite never produces a query vector.
    assert not [v for v in found.values() if v.suite == "aws4_testsuite" and v.location != "header"]
    # The one sigbridge addition: an unchecked stage with its reason.
    odd = found["sigv4:header::aws4_testsuite/get-vanilla-with-session-token"]
    assert "signed-request" in odd.unchecked and "signed-request" not in odd.expected
    assert "session_token" not in odd.options  # the .creq signs the token


def test_family_of_folder() -> None:
    assert vectors.family_of("v4") == "sigv4"
    assert vectors.family_of("aws4_testsuite") == "sigv4"
    assert vectors.family_of("v4a") == "sigv4a"
    assert vectors.family_of("sigv2") == "sigv2"
    assert vectors.family_of("s3-v2") == "s3-v2"


def test_default_root_is_the_bundled_vectors() -> None:
    assert (ROOT / "v4" / "get-vanilla" / "context.json").is_file()
    assert (ROOT / "v4" / "LICENSE").is_file() and (ROOT / "v4" / "NOTICE").is_file()
    assert (ROOT / "aws4_testsuite" / "LICENSE").is_file()


# -- crafted cases in tmp_path ------------------------------------------------------------------


def _copy_case(tmp_path: Path, case: str, family_folder: str = "v4") -> Path:
    """Copy a published case into ``tmp_path/<family_folder>/<name>``; return its folder."""
    source = ROOT / case
    target = tmp_path / family_folder / source.name
    shutil.copytree(source, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def _run_root(root: Path, scheme: str = "sigv4") -> Dict[str, runner.Result]:
    jobs = [j for j in runner.plan(vectors.scan(root)) if j.scheme == scheme]
    return {job.id: job.run() for job in jobs}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_bytes().decode("utf-8")
    assert old in text
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))


def test_trailing_space_in_canonical_request_is_shown_at_its_stage(tmp_path: Path) -> None:
    case = _copy_case(tmp_path, "v4/get-vanilla")
    _edit(
        case / "header-canonical-request.txt",
        "host:example.amazonaws.com\n",
        "host:example.amazonaws.com \n",
    )
    result = _run_root(tmp_path)["sigv4::v4/get-vanilla"]
    assert result.status == runner.FAILED
    assert result.stage == "canonical-request"
    assert "line 4, column 27" in result.message
    assert "-host:example.amazonaws.com␠⏎" in result.diff
    assert "+host:example.amazonaws.com⏎" in result.diff
    # the query form of the same case is untouched and passes
    query = _run_root(tmp_path, "sigv4-query")["sigv4-query::v4/get-vanilla"]
    assert query.status == runner.PASSED


# SigV4A: ECDSA signatures are randomized, so the harness verifies them with public-key.json.
_V4A_HEADER_SIG = (ROOT / "v4a/get-vanilla/header-signature.txt").read_text().strip()
_V4A_QUERY_SIG = (ROOT / "v4a/get-vanilla/query-signature.txt").read_text().strip()


def _v4a_result(tmp_path: Path, scheme: str = "sigv4a") -> runner.Result:
    return _run_root(tmp_path, scheme)[f"{scheme}::v4a/get-vanilla"]


def test_v4a_copy_passes_as_published(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    _copy_case(tmp_path, "v4a/get-vanilla", family_folder="v4a")
    assert _v4a_result(tmp_path).status == runner.PASSED
    assert _v4a_result(tmp_path, "sigv4a-query").status == runner.PASSED


def test_v4a_public_key_must_equal_the_derived_one(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    case = _copy_case(tmp_path, "v4a/get-vanilla", family_folder="v4a")
    _edit(case / "public-key.json", '"X":"b6', '"X":"b7')
    result = _v4a_result(tmp_path)
    assert result.status == runner.FAILED and result.stage == "public-key"
    assert "X=b6618f6a" in result.message and "X=b7618f6a" in result.message


def test_v4a_expected_signature_is_verified_not_compared(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    case = _copy_case(tmp_path, "v4a/get-vanilla", family_folder="v4a")
    # A valid signature with the right key, over another string to sign (the query form's).
    (case / "header-signature.txt").write_text(_V4A_QUERY_SIG)
    result = _v4a_result(tmp_path)
    assert result.status == runner.FAILED and result.stage == "signature"
    assert result.message.startswith("the expected signature does not verify")


def test_v4a_our_signature_must_verify(tmp_path: Path, monkeypatch: Any) -> None:
    pytest.importorskip("cryptography")
    import signers.sigv4a

    _copy_case(tmp_path, "v4a/get-vanilla", family_folder="v4a")
    monkeypatch.setattr(signers.sigv4a, "_signature", lambda credentials, sts: _V4A_QUERY_SIG)
    result = _v4a_result(tmp_path)
    assert result.status == runner.FAILED and result.stage == "signature"
    assert result.message.startswith("our signature does not verify")


def test_v4a_signed_request_compares_all_but_the_signature(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    case = _copy_case(tmp_path, "v4a/get-vanilla", family_folder="v4a")
    _edit(case / "header-signed-request.txt", "X-Amz-Region-Set:us-east-1", "X-Amz-Region-Set:*")
    result = _v4a_result(tmp_path)
    assert result.status == runner.FAILED and result.stage == "signed-request"
    assert "x-amz-region-set" in result.message and "'*'" in result.message
    # the signature carried in the expected signed request is verified too
    case = _copy_case(tmp_path / "b", "v4a/get-vanilla", family_folder="v4a")
    signed = (case / "query-signed-request.txt").read_text()
    carried = signed.split("X-Amz-Signature=")[1].split(" ")[0]
    _edit(case / "query-signed-request.txt", carried, _V4A_HEADER_SIG)
    result = _v4a_result(tmp_path / "b", "sigv4a-query")
    assert result.status == runner.FAILED and result.stage == "signed-request"
    assert result.message == (
        "the expected signed request's signature does not verify with the public key"
    )


def test_crlf_in_string_to_sign_is_visible(tmp_path: Path) -> None:
    case = _copy_case(tmp_path, "v4/get-vanilla")
    _edit(case / "header-string-to-sign.txt", "AWS4-HMAC-SHA256\n", "AWS4-HMAC-SHA256\r\n")
    result = _run_root(tmp_path)["sigv4::v4/get-vanilla"]
    assert result.stage == "string-to-sign"
    assert "␍" in result.diff and "CARRIAGE RETURN" in result.message


def test_wrong_signature_is_reported_at_the_signature_stage(tmp_path: Path) -> None:
    case = _copy_case(tmp_path, "v4/get-vanilla")
    (case / "header-signature.txt").write_text("0" * 64)
    result = _run_root(tmp_path)["sigv4::v4/get-vanilla"]
    assert result.status == runner.FAILED and result.stage == "signature"


def test_signed_request_is_compared_by_meaning(tmp_path: Path) -> None:
    case = _copy_case(tmp_path, "v4/get-vanilla-query-order-key-case")
    signed = case / "query-signed-request.txt"
    text = signed.read_bytes().decode()
    # Reordering query parameters and changing header-name case does not matter...
    head, _, rest = text.partition(" HTTP/1.1")
    method, _, target = head.partition(" ")
    path, _, query = target.partition("?")
    reordered = f"{method} {path}?{'&'.join(reversed(query.split('&')))} HTTP/1.1{rest}"
    signed.write_bytes(reordered.replace("Host:", "HOST:  ").encode())
    assert _run_root(tmp_path, "sigv4-query")["sigv4-query::v4/get-vanilla-query-order-key-case"].ok
    # ...a changed header value does.
    _edit(signed, "example.amazonaws.com", "example.amazonaws.com.evil")
    result = _run_root(tmp_path, "sigv4-query")["sigv4-query::v4/get-vanilla-query-order-key-case"]
    assert result.status == runner.FAILED and result.stage == "signed-request"
    assert "header 'host'" in result.message


def test_xfail_and_unexpected_pass(tmp_path: Path) -> None:
    wrong = _copy_case(tmp_path, "v4/get-vanilla")
    (wrong / "header-signature.txt").write_text("0" * 64)
    right = _copy_case(tmp_path, "v4/get-utf8")
    for case in (wrong, right):
        context = json.loads((case / "context.json").read_text())
        context["xfail"] = {"header": "known problem"}
        (case / "context.json").write_text(json.dumps(context))
    results = _run_root(tmp_path)
    assert results["sigv4::v4/get-vanilla"].status == runner.XFAILED
    assert "known problem" in results["sigv4::v4/get-vanilla"].message
    assert results["sigv4::v4/get-utf8"].status == runner.XPASSED
    assert not results["sigv4::v4/get-utf8"].ok
    # xfail given per location: the query form is not affected
    assert _run_root(tmp_path, "sigv4-query")["sigv4-query::v4/get-vanilla"].status == runner.PASSED


def test_a_signer_exception_is_a_failure_with_its_message(tmp_path: Path) -> None:
    case = _copy_case(tmp_path, "v4/get-vanilla")
    context = json.loads((case / "context.json").read_text())
    context["options"] = {"region": "us east"}
    (case / "context.json").write_text(json.dumps(context))
    result = _run_root(tmp_path)["sigv4::v4/get-vanilla"]
    assert result.status == runner.FAILED and result.stage == "sign"
    assert result.message.startswith("InvalidOption: ") and "region" in result.message


def test_missing_features_and_unknown_families_are_skipped_with_reasons(tmp_path: Path) -> None:
    case = _copy_case(tmp_path, "v4/get-vanilla")
    context = json.loads((case / "context.json").read_text())
    context["requires"] = ["frobnicate"]
    (case / "context.json").write_text(json.dumps(context))
    _copy_case(tmp_path, "v4/get-utf8", family_folder="sigv9")
    jobs = {job.id: job for job in runner.plan(vectors.scan(tmp_path))}
    skipped = jobs["sigv4::v4/get-vanilla"].run()
    assert skipped.status == runner.SKIPPED
    assert skipped.message == "sigv4 lacks feature(s) frobnicate"
    unknown = jobs["sigv9:header::sigv9/get-utf8"].run()
    assert unknown.status == runner.SKIPPED and unknown.scheme == "sigv9"
    assert unknown.message == "no registered signer implements sigv9:header"


def test_a_broken_case_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    _copy_case(tmp_path, "v4/get-vanilla")
    broken = tmp_path / "v4" / "zz-broken"
    broken.mkdir()
    (broken / "context.json").write_text("{not json")
    catalog = vectors.scan(tmp_path)
    assert [case for case, _ in catalog.problems] == ["v4/zz-broken"]
    results = {job.id: job.run() for job in runner.plan(catalog)}
    assert results["load::v4/zz-broken"].status == runner.FAILED
    assert results["load::v4/zz-broken"].stage == "load"
    assert results["sigv4::v4/get-vanilla"].status == runner.PASSED
    with pytest.raises(vectors.VectorError, match="zz-broken"):
        vectors.load_vectors(tmp_path)


# -- visible whitespace -------------------------------------------------------------------------


def test_visible() -> None:
    assert visible("a b\tc\r\n") == "a␠b␉c␍⏎"
    assert visible("x\u00a0y\u200bz") == "x⍽y<U+200B>z"
    assert visible("plain") == "plain"


def test_text_diff_shows_missing_final_newline() -> None:
    diff = text_diff("a\nb\n", "a\nb")
    assert diff.startswith("first difference at line 2, column 2")
    assert "-b⏎" in diff and "+b" in diff
    assert first_difference("same", "same") is None
    assert text_diff("same", "same") == ""


# -- reports ------------------------------------------------------------------------------------


def _mixed_run(tmp_path: Path) -> runner.Run:
    wrong = _copy_case(tmp_path, "v4/get-vanilla")
    (wrong / "header-signature.txt").write_text("0" * 64)
    _copy_case(tmp_path, "v4/get-utf8")
    _copy_case(tmp_path, "v4a/get-vanilla", family_folder="sigv9")  # a family no signer covers
    jobs = runner.plan(vectors.scan(tmp_path))
    return runner.run(jobs, root=str(tmp_path), load_errors={"broken-one": "ImportError: nope"})


def test_table(tmp_path: Path) -> None:
    run = _mixed_run(tmp_path)
    text = report.table(run, verbose=True)
    lines = text.splitlines()
    assert lines[0].split() == ["scheme", "passed", "failed", "skipped", "xfailed"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:] if line[:1].isalnum()}
    assert rows["sigv4"] == ["1", "1", "0", "0"]
    assert rows["sigv4-query"] == ["2", "0", "0", "0"]
    assert rows["sigv9"] == ["0", "0", "2", "0"]
    assert "  FAIL sigv4::v4/get-vanilla [signature]: " in text
    assert "skipped 1: no registered signer implements sigv9:header" in text
    assert "note: plug-in 'broken-one' failed to load: ImportError: nope" in text
    assert "-0000" in text  # verbose: the diff is shown


def test_json(tmp_path: Path) -> None:
    run = _mixed_run(tmp_path)
    document = json.loads(report.to_json(run))
    assert document["ok"] is False
    assert document["totals"] == {
        "passed": 3,
        "failed": 1,
        "skipped": 2,
        "xfailed": 0,
        "xpassed": 0,
    }
    assert document["summary"]["sigv4"]["failed"] == 1
    assert document["load_errors"] == {"broken-one": "ImportError: nope"}
    failed = [r for r in document["results"] if r["status"] == "failed"]
    assert failed[0]["id"] == "sigv4::v4/get-vanilla" and failed[0]["stage"] == "signature"
    assert len(document["results"]) == 6


def test_junit_xml(tmp_path: Path) -> None:
    run = _mixed_run(tmp_path)
    root = ET.fromstring(report.junit_xml(run))
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert int(root.get("tests", "")) == len(cases) == 7  # 6 results + 1 broken plug-in
    assert int(root.get("failures", "")) == len(root.findall("./testsuite/testcase/failure")) == 1
    assert int(root.get("skipped", "")) == len(root.findall("./testsuite/testcase/skipped")) == 3
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert suites["sigv4"].get("failures") == "1" and suites["sigv4"].get("tests") == "2"
    failure = suites["sigv4"].find("testcase[@name='v4/get-vanilla']/failure")
    assert failure is not None and failure.get("type") == "signature"


# -- the command line ---------------------------------------------------------------------------


def _main(argv: List[str], capsys: Any) -> Tuple[int, str, str]:
    code = conformance_main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_cli_all_pass(capsys: Any, tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    code, out, _ = _main(["--junit-xml", str(junit)], capsys)
    assert code == 0
    assert out.splitlines()[0].split()[:2] == ["scheme", "passed"]
    assert ET.parse(str(junit)).getroot().get("failures") == "0"


@pytest.mark.slow
def test_cli_json_and_filters(capsys: Any) -> None:
    code, out, _ = _main(["--json", "--scheme", "v4-query", "--case", "get-vanilla-query"], capsys)
    assert code == 0
    document = json.loads(out)
    ids = {r["id"] for r in document["results"]}
    assert "sigv4-query::v4/get-vanilla-query" in ids
    assert all(i.startswith("sigv4-query::") for i in ids)
    code, out, _ = _main(["--json", "--case", "*::aws4_testsuite/normalize-path/*"], capsys)
    assert code == 0
    assert {r["case"].rsplit("/", 1)[0] for r in json.loads(out)["results"]} == {
        "aws4_testsuite/normalize-path"
    }


def test_cli_failure_exit_1(capsys: Any, tmp_path: Path) -> None:
    case = _copy_case(tmp_path, "v4/get-vanilla")
    (case / "query-signature.txt").write_text("f" * 64)
    code, out, _ = _main(["--vectors", str(tmp_path), "-v"], capsys)
    assert code == 1
    assert "FAIL sigv4-query::v4/get-vanilla [signature]" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--scheme", "no-such-scheme"],
        ["--case", "no-such-case-anywhere"],
        ["--vectors", "/nonexistent/x"],
    ],
)
def test_cli_bad_usage_exit_2(capsys: Any, argv: List[str]) -> None:
    code, out, err = _main(argv, capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_add_arguments_on_a_foreign_parser(capsys: Any) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="sigbridge conformance")
    cli.add_arguments(parser)
    args = parser.parse_args(["--scheme", "sigv4a", "--list"])
    assert cli.run(args) == 0
    listed = capsys.readouterr().out.splitlines()
    # (the 40 SigV4A cases and the 2 aws-chunked ones)
    assert len(listed) == 42
    assert all(line.startswith(("sigv4a::v4a/", "sigv4a::v4a-chunked/")) for line in listed)
    skipped = [line for line in listed if "\tskip\t" in line]
    assert [line.split("\t")[0] for line in skipped] == [
        "sigv4a::v4a/get-vanilla-query-order-key",
        "sigv4a::v4a/get-vanilla-query-order-value",
    ]


@pytest.mark.slow
def test_python_m_conformance(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "--scheme", "sigv4"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2].split()[0] == "sigv4"
    bad = subprocess.run(
        [sys.executable, "-m", "conformance", "--scheme", "bogus"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
