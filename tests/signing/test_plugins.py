"""A third-party signer plug-in, found through its own dist-info on the path: discovered by the
registry, listed by the CLI, run by the harness; and a plug-in that fails to import, reported by
name without taking the others down.

The plug-in signs ``DEMO\\n<amz date>\\n<method>\\n<path>`` with HMAC-SHA256 under the secret.  Its
expected signature is computed here with :mod:`hmac`, a route independent of the plug-in's code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

import signers
from conformance import runner, vectors
from signers import registry
from tests._support import write_distribution

PLUGIN_MODULE = '''
"""A tiny third-party signer for sigbridge's registry."""

import hashlib
import hmac

import signers
from signers import Artifacts, SignedRequest


class DemoSigner:
    name = "demo-hmac"
    description = "Demo HMAC signer from a third-party distribution"
    features = frozenset({"demo:header"})

    def __init__(self, **options):
        self.options = options

    def sign(self, request, credentials, at=None):
        stamp = at.strftime("%Y%m%dT%H%M%SZ")
        string_to_sign = "DEMO\\n" + stamp + "\\n" + request.method + "\\n" + (request.path or "/")
        signature = hmac.new(
            credentials.secret_key.encode(), string_to_sign.encode(), hashlib.sha256
        ).hexdigest()
        added = (
            ("X-Demo-Date", stamp),
            ("Authorization", "DEMO " + credentials.access_key + ":" + signature),
        )
        return SignedRequest(
            request=request.with_headers(*added),
            artifacts=Artifacts(
                canonical_request=None, string_to_sign=string_to_sign, signature=signature
            ),
            scheme=self.name,
            added_headers=added,
        )
'''

BROKEN_MODULE = 'raise ImportError("demo plug-in needs a library that is not installed")\n'

ACCESS_KEY = "AKIDDEMO"
SECRET_KEY = "demo-secret-key"
WHEN = dt.datetime(2021, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """A directory for sys.path / PYTHONPATH holding the two plug-in distributions."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "demo_signer.py").write_text(PLUGIN_MODULE)
    (site / "broken_demo.py").write_text(BROKEN_MODULE)
    write_distribution(
        site, "demo_signer", "[sigbridge.signers]\ndemo-hmac = demo_signer:DemoSigner\n"
    )
    write_distribution(
        site, "broken_demo", "[sigbridge.signers]\nbroken-demo = broken_demo:Signer\n"
    )
    return site


def _expected_signature(string_to_sign: str) -> str:
    return hmac.new(SECRET_KEY.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


@pytest.fixture()
def vectors_root(tmp_path: Path) -> Path:
    """Vectors: one demo-family case with expected values computed here, plus a published SigV4
    case so that the built-in signers run alongside."""
    root = tmp_path / "vectors"
    case = root / "demo" / "get-thing"
    case.mkdir(parents=True)
    (case / "context.json").write_text(
        json.dumps(
            {
                "credentials": {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY},
                "timestamp": "2021-03-04T05:06:07Z",
                "description": "a case for the third-party demo signer",
            }
        )
    )
    (case / "request.txt").write_bytes(b"GET /thing HTTP/1.1\nHost:demo.example.com\n\n")
    string_to_sign = "DEMO\n20210304T050607Z\nGET\n/thing"
    signature = _expected_signature(string_to_sign)
    (case / "header-string-to-sign.txt").write_text(string_to_sign)
    (case / "header-signature.txt").write_text(signature)
    (case / "header-signed-request.txt").write_text(
        "GET /thing HTTP/1.1\n"
        "Host:demo.example.com\n"
        "X-Demo-Date:20210304T050607Z\n"
        f"Authorization:DEMO {ACCESS_KEY}:{signature}\n\n"
    )
    source = vectors.default_root() / "v4" / "get-vanilla"
    shutil.copytree(source, root / "v4" / "get-vanilla")
    return root


@pytest.fixture()
def in_path(site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The plug-ins on sys.path of this process, the registry refreshed before and after."""
    monkeypatch.syspath_prepend(str(site))
    registry.refresh()
    try:
        yield site
    finally:
        registry.refresh()
        for module in ("demo_signer", "broken_demo"):
            sys.modules.pop(module, None)


def _env(site: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _run(argv: List[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        cwd=str(cwd),
        env=_env(site),
        capture_output=True,
        text=True,
        timeout=120,
    )


# -- in this process ----------------------------------------------------------------------------


def test_plugin_is_discovered_and_listed_by_available(in_path: Path) -> None:
    names = signers.available()
    assert names["demo-hmac"] == "Demo HMAC signer from a third-party distribution"
    assert "sigv4" in names and "sigv4-query" in names
    info = {i.name: i for i in signers.schemes()}["demo-hmac"]
    assert info.features == {"demo:header"}
    if sys.version_info >= (3, 10):  # entry points know their distribution from 3.10 on
        assert info.dist == "demo_signer"
    signer = signers.get_signer("demo-hmac")
    signed = signer.sign(
        signers.Request("GET", "https://demo.example.com/x"),
        signers.Credentials(ACCESS_KEY, SECRET_KEY),
        at=WHEN,
    )
    assert signed.signature == _expected_signature("DEMO\n20210304T050607Z\nGET\n/x")


def test_broken_plugin_is_reported_by_name_and_others_still_work(in_path: Path) -> None:
    errors = signers.load_errors()
    assert list(errors) == ["broken-demo"]
    assert errors["broken-demo"].startswith("ImportError: demo plug-in needs a library")
    assert "broken-demo" not in signers.available()
    with pytest.raises(signers.UnknownScheme, match="broken-demo"):
        signers.get_signer("broken-demo")
    assert signers.get_signer("sigv4", region="us-east-1", service="s3") is not None


def test_harness_runs_the_plugin_next_to_the_builtins(in_path: Path, vectors_root: Path) -> None:
    jobs = runner.plan(vectors.scan(vectors_root))
    result = runner.run(jobs, load_errors=signers.load_errors())
    by_id = {r.id: r for r in result.results}
    assert by_id["demo-hmac::demo/get-thing"].status == runner.PASSED
    assert by_id["sigv4::v4/get-vanilla"].status == runner.PASSED
    assert by_id["sigv4-query::v4/get-vanilla"].status == runner.PASSED
    assert list(result.load_errors) == ["broken-demo"]
    assert result.ok  # a broken plug-in is a note, not a failure


def test_harness_catches_a_wrong_plugin_signature(in_path: Path, vectors_root: Path) -> None:
    (vectors_root / "demo" / "get-thing" / "header-signature.txt").write_text("0" * 64)
    jobs = runner.plan(vectors.scan(vectors_root))
    by_id = {job.id: job.run() for job in jobs}
    assert by_id["demo-hmac::demo/get-thing"].status == runner.FAILED
    assert by_id["demo-hmac::demo/get-thing"].stage == "signature"


def test_without_the_plugin_its_family_is_skipped(vectors_root: Path) -> None:
    registry.refresh()
    jobs = {job.id: job for job in runner.plan(vectors.scan(vectors_root))}
    skipped = jobs["demo:header::demo/get-thing"].run()
    assert skipped.status == runner.SKIPPED
    assert skipped.message == "no registered signer implements demo:header"


# -- in a fresh interpreter, through the commands -----------------------------------------------


@pytest.mark.slow
def test_python_m_conformance_runs_the_plugin(
    site: Path, vectors_root: Path, tmp_path: Path
) -> None:
    done = _run(["-m", "conformance", "--vectors", str(vectors_root), "--json"], site, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)
    statuses = {r["id"]: r["status"] for r in document["results"]}
    assert statuses["demo-hmac::demo/get-thing"] == "passed"
    assert statuses["sigv4::v4/get-vanilla"] == "passed"
    assert "ImportError" in document["load_errors"]["broken-demo"]
    table = _run(["-m", "conformance", "--vectors", str(vectors_root)], site, tmp_path)
    assert table.returncode == 0
    assert "note: plug-in 'broken-demo' failed to load: ImportError" in table.stdout
    assert any(line.split()[:2] == ["demo-hmac", "1"] for line in table.stdout.splitlines())
    only = _run(
        ["-m", "conformance", "--vectors", str(vectors_root), "--scheme", "demo-hmac", "--json"],
        site,
        tmp_path,
    )
    assert only.returncode == 0
    assert {r["scheme"] for r in json.loads(only.stdout)["results"]} == {"demo-hmac"}


@pytest.mark.slow
def test_available_in_a_fresh_interpreter(site: Path, tmp_path: Path) -> None:
    code = "import json, signers; print(json.dumps([signers.available(), signers.load_errors()]))"
    done = _run(["-c", code], site, tmp_path)
    assert done.returncode == 0, done.stderr
    available, errors = json.loads(done.stdout)
    assert "demo-hmac" in available and "sigv4" in available
    assert list(errors) == ["broken-demo"]


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("signers.cli") is None,
    reason="signers.cli (sigbridge list) not present",
)
def test_sigbridge_list_shows_the_plugin(site: Path, tmp_path: Path) -> None:
    done = _run(["-m", "signers.cli", "list"], site, tmp_path)
    assert done.returncode == 0, done.stderr
    assert any(line.split()[:1] == ["demo-hmac"] for line in done.stdout.splitlines())
    assert "broken-demo" in done.stdout
    assert "Traceback" not in done.stderr
