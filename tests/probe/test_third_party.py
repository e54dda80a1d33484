"""The probe against real third-party servers, installed from the package registries and started
on 127.0.0.1 here: moto's server (PyPI, ``moto[server]``, with its IAM authentication switched on)
and s3rver (npm, installed into a temporary folder; skipped with the reason when node, npm or the
registry are not there).

What is asserted is that the probe runs to the end against a real implementation -- every probe
judged, the bucket created and removed, nothing left behind -- and the findings that the servers'
own sources document (s3rver: "Signature version 4 calculation is unimplemented").  The README's
worked example lists the rest.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Tuple

import pytest

from conformance.probe import ProbeRun
from signers import Credentials

from .support import probe, started, verdicts

NPM_TIMEOUT = 300


def _check_ran_to_the_end(result: ProbeRun, *, passed: int) -> None:
    counts = result.counts()
    assert sum(counts.values()) == len(result.outcomes) > 80
    assert counts["pass"] >= passed
    assert not [o for o in result.outcomes if "budget" in o.detail or "time limit" in o.detail]
    assert result.cleanup.leftovers == []
    assert result.cleanup.bucket_removed is True


# -- moto ---------------------------------------------------------------------------------------


def _moto_user(url: str) -> Credentials:
    """An IAM user allowed everything, made while moto still lets requests through unsigned."""
    botocore_session = pytest.importorskip("botocore.session")
    iam = botocore_session.get_session().create_client(
        "iam",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AKIDSETUP",
        aws_secret_access_key="setup-secret",
    )
    iam.create_user(UserName="probe")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    iam.put_user_policy(UserName="probe", PolicyName="all", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="probe")["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


@pytest.fixture(scope="module")
def moto() -> Iterator[Tuple[str, Credentials]]:
    pytest.importorskip("moto.server", reason="moto[server] is not installed")
    pytest.importorskip("flask", reason="moto[server] is not installed")
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"]
    # moto checks signatures once it has served this many requests (the IAM setup's three).
    with started(argv, ready="Running on", env={"INITIAL_NO_AUTH_ACTION_COUNT": "3"}) as line:
        url = line.strip().rsplit(" ", 1)[-1]
        yield url, _moto_user(url)


@pytest.mark.slow
def test_probe_runs_to_the_end_against_moto(moto: Tuple[str, Credentials]) -> None:
    url, credentials = moto
    result = probe(url, credentials, create_bucket=True)
    _check_ran_to_the_end(result, passed=25)  # (29 with moto 5.0, 38 with 5.2)
    found = verdicts(result)
    assert found["sigv4/get-object"] == "pass"
    assert found["sigv4/tamper-path"] == "pass"


@pytest.mark.slow
def test_probe_runs_to_the_end_against_moto_sts(moto: Tuple[str, Credentials]) -> None:
    url, credentials = moto
    result = probe(url, credentials, service="sts")
    assert len(result.outcomes) > 20
    assert verdicts(result)["sigv4/post-form"] == "pass"


# -- s3rver -------------------------------------------------------------------------------------


def _npm_install(folder: Path, package: str) -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to install s3rver")
    try:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), package],
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install {package} did not finish in {NPM_TIMEOUT} s")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"npm install {package} failed (registry unreachable?): {last}")


@pytest.fixture(scope="module")
def s3rver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("s3rver")
    _npm_install(folder, "s3rver@3")
    script = folder / "node_modules" / "s3rver" / "bin" / "s3rver.js"
    data = folder / "data"
    data.mkdir()
    argv = [str(shutil.which("node")), str(script), "-d", str(data), "-a", "127.0.0.1", "-p", "0"]
    # s3rver checks signatures unless --allow-mismatched-signatures is given: it is not.
    with started([*argv, "--silent"], ready="listening on") as line:
        yield "http://" + line.strip().rsplit(" ", 1)[-1]


@pytest.mark.slow
def test_probe_runs_to_the_end_against_s3rver(s3rver: str) -> None:
    # s3rver's one account: access key S3RVER, secret S3RVER
    result = probe(s3rver, Credentials("S3RVER", "S3RVER"), create_bucket=True)
    _check_ran_to_the_end(result, passed=50)
    found = verdicts(result)
    # s3rver verifies S3's legacy signatures but not SigV4 (its source says so)
    assert found["s3-v2/wrong-secret@bucket"] == "pass"
    assert found["sigv4/wrong-secret@bucket"] == "insecure"
