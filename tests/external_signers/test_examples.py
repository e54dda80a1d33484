"""The two example adapters run through the whole suite: botocore's (Python) and the npm aws4
package's (JavaScript, after ``npm install`` into a temporary folder; skipped with the reason when
node, npm or the registry are not there).

Each is an independent implementation, so where it differs from the vectors it is reported; the
differences asserted here are the ones the README lists, each checked against the vector that
shows it.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from conformance.external import ExternalSigner, case_message, external_jobs, run_external
from conformance.runner import Result
from conformance.vectors import scan

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "examples"
SCHEMA = json.loads((EXAMPLES.parent / "protocol.schema.json").read_text())
NPM_TIMEOUT = 300


def _suite(command: str) -> Dict[str, Result]:
    signer = ExternalSigner(command, timeout=30)
    hello = signer.start()
    try:
        results = {job.id: run_external(signer, job) for job in external_jobs(scan(), hello)}
    finally:
        signer.close()
    assert signer.restarts == 0
    return results


def _failed_at(results: Dict[str, Result], job_id: str) -> str:
    result = results[job_id]
    assert result.status == "failed", (job_id, result.status, result.message)
    return result.stage or ""


def _answers_follow_the_schema(command: str, count: int = 12) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(SCHEMA)
    process = subprocess.Popen(
        shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdin is not None
    hello = json.loads(process.stdout.readline())
    assert list(validator.iter_errors(hello)) == []
    signer = ExternalSigner(command)
    jobs = [j for j in external_jobs(scan(), signer._parse_hello(hello)) if j.skip is None]
    lines: List[str] = []
    for job in jobs[:: max(1, len(jobs) // count)]:
        assert job.vector is not None
        process.stdin.write(json.dumps(case_message(job.id, job.scheme, job.vector)) + "\n")
        process.stdin.flush()
        lines.append(process.stdout.readline())
    process.stdin.close()
    process.wait(timeout=30)
    for line in lines:
        answer = json.loads(line)
        assert list(validator.iter_errors(answer)) == [], answer


# -- botocore (Python) ----------------------------------------------------------------------------


def _botocore_command() -> str:
    pytest.importorskip("botocore")
    script = EXAMPLES / "python_botocore_signer.py"
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


@pytest.mark.slow
def test_the_botocore_adapter_runs_through_the_suite() -> None:
    results = _suite(_botocore_command())
    statuses = [r.status for r in results.values()]
    assert statuses.count("passed") >= 150
    # botocore signs a query as given: it does not re-encode a raw UTF-8 value
    assert _failed_at(results, "sigv4::v4/get-vanilla-utf8-query") == "canonical-request"
    # botocore's legacy S3 signer replaces a caller's Date, and signs one beside x-amz-date
    assert _failed_at(results, "s3-v2::s3-v2/aws-doc-object-get") == "string-to-sign"
    assert _failed_at(results, "s3-v2::s3-v2/get-x-amz-date") == "string-to-sign"
    # its presigned legacy URLs move Content-Type, Content-MD5 and x-amz-* into the query
    assert _failed_at(results, "s3-v2-query::s3-v2/put-content-md5-type") == "signed-request"
    # SigV2: the host as written (port, case), and a caller's Timestamp or Expires replaced
    assert _failed_at(results, "sigv2::sigv2/get-default-port-dropped") == "signature"
    assert _failed_at(results, "sigv2::sigv2/get-host-upper-case") == "signature"
    assert _failed_at(results, "sigv2::sigv2/aws-doc-emr-describe-job-flows") == "signature"
    skipped = {r.message for r in results.values() if r.status == "skipped"}
    assert "botocore normalizes every path but S3's" in skipped
    assert "botocore always signs the session token" in skipped


@pytest.mark.slow
def test_the_botocore_adapter_speaks_the_schema() -> None:
    _answers_follow_the_schema(_botocore_command())


# -- aws4 (JavaScript) ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def aws4_command(tmp_path_factory: pytest.TempPathFactory) -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the JavaScript adapter")
    folder = tmp_path_factory.mktemp("js_aws4_signer")
    for name in ("package.json", "index.js"):
        shutil.copy(EXAMPLES / "js_aws4_signer" / name, folder / name)
    try:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install did not finish in {NPM_TIMEOUT} s")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"npm install failed (registry unreachable?): {last}")
    return f"{shlex.quote(node)} {shlex.quote(str(folder / 'index.js'))}"


@pytest.mark.slow
def test_the_aws4_adapter_runs_through_the_suite(aws4_command: str) -> None:
    results = _suite(aws4_command)
    statuses = [r.status for r in results.values()]
    assert statuses.count("passed") >= 70
    # aws4 percent-encodes a raw path before signing it (what it sends is then encoded twice)
    assert _failed_at(results, "sigv4::v4/get-utf8") == "canonical-request"
    assert _failed_at(results, "sigv4-query::v4/get-space-normalized") == "canonical-request"
    # it adds Content-Length to a request with a body, and signs it
    assert _failed_at(results, "sigv4::aws4_testsuite/post-x-www-form-urlencoded") == (
        "canonical-request"
    )
    skipped = {r.message for r in results.values() if r.status == "skipped"}
    assert "aws4 takes headers as an object: a repeated name cannot be sent twice" in skipped


@pytest.mark.slow
def test_the_aws4_adapter_speaks_the_schema(aws4_command: str) -> None:
    _answers_follow_the_schema(aws4_command)
