"""Safe by construction: what the probe writes, deletes, bounds, and never shows.

The server here accepts everything (the worst case: a lenient server stores what a refusal probe
sends) and records every request.
"""

from __future__ import annotations

import re
import time
from typing import List, Set
from urllib.parse import unquote

import pytest

from conformance.probe import report
from signers import Credentials

from .fakes import FakeS3, Recorded, lenient
from .support import probe

AK = "AKIDPROBESAFETY"
SECRET = "safety/Secret+Key/0123456789abcdefghijKLMN"
TOKEN = "safety-session-token/0123456789+abcdef=="
CREDENTIALS = Credentials(AK, SECRET, TOKEN)
WRITES = ("PUT", "POST", "DELETE")


def _path(recorded: Recorded) -> str:
    return unquote(recorded.target.partition("?")[0])


@pytest.mark.slow
def test_writes_stay_under_the_run_prefix_and_are_all_deleted() -> None:
    with FakeS3(lenient) as server:
        result = probe(server.url, CREDENTIALS, create_bucket=True, prefix="vendor/tests/")
        assert result.bucket is not None
        bucket_path = "/" + result.bucket
        run_root = f"{bucket_path}/{result.run_prefix}"
        assert result.run_prefix.startswith("vendor/tests/")
        for recorded in server.requests:
            if recorded.method not in WRITES:
                continue
            path = _path(recorded)
            if recorded.method == "POST":
                assert path.rstrip("/") == bucket_path
                key = re.search(rb'name="key"\r\n\r\n([^\r]*)', recorded.body)
                assert key is not None and key.group(1).decode().startswith(result.run_prefix)
            else:
                assert path == bucket_path or path.startswith(run_root), path
        # a lenient server stored what refusal probes sent; the cleanup removed it all
        stored = {key for _, key in server.writes}
        assert result.run_prefix + "tampered-body.txt" in stored
        assert result.run_prefix + "post-v4-tampered.txt" in stored
        assert server.keys() == []
        assert server.buckets == set()
    assert result.cleanup.leftovers == [] and result.cleanup.bucket_removed is True
    assert result.cleanup.deleted >= len(stored)
    assert result.counts()["insecure"] > 20


@pytest.mark.slow
def test_an_existing_bucket_is_kept() -> None:
    with FakeS3(lenient) as server:
        server.buckets.add("theirs")
        server.objects[("theirs", "precious.txt")] = b"keep me"
        result = probe(server.url, CREDENTIALS, bucket="theirs", cases=("sigv4/put*",))
        assert server.buckets == {"theirs"}
        assert server.keys() == [("theirs", "precious.txt")]
    assert result.cleanup.bucket_removed is None


@pytest.mark.slow
def test_a_missing_bucket_is_bad_usage() -> None:
    from conformance.probe import UsageError

    with FakeS3(lenient) as server, pytest.raises(UsageError, match="does not exist"):
        probe(server.url, CREDENTIALS, bucket="nobody-made-it")


class _Slow:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, request: object) -> None:
        time.sleep(self.seconds)


@pytest.mark.slow
def test_the_request_budget_and_the_concurrency_are_bounded() -> None:
    with FakeS3(_Slow(0.02)) as server:  # type: ignore[arg-type]
        result = probe(server.url, CREDENTIALS, create_bucket=True, max_requests=10, concurrency=3)
        sent = len(server.requests)
        most = server.most_in_flight
    probe_requests = [o for o in result.outcomes if o.answer is not None]
    assert len(probe_requests) == 10
    spent = [o for o in result.outcomes if "request budget" in o.detail]
    assert spent and all(o.verdict == "error" for o in spent)
    # preflight, bucket, two seeds; the cleanup lists, deletes what the 10 wrote, lists again
    assert sent <= 4 + 10 + 2 + 10 + 1 + 2
    assert most <= 3


@pytest.mark.slow
def test_the_time_limit_stops_sending() -> None:
    with FakeS3(_Slow(0.3)) as server:  # type: ignore[arg-type]
        result = probe(server.url, CREDENTIALS, create_bucket=True, time_limit=1.0, concurrency=2)
    late = [o for o in result.outcomes if "time limit" in o.detail]
    assert late and all(o.verdict == "error" for o in late)
    assert len([o for o in result.outcomes if o.answer is not None]) < 20


def _secrets_seen(requests: List[Recorded]) -> Set[str]:
    """Every signature and token the server received."""
    found = {SECRET, TOKEN}
    patterns = (
        r"Signature=([0-9a-f]{64})",
        r"X-Amz-Signature=([0-9a-f]{64})",
        r"Signature=([A-Za-z0-9%+/=]{20,})",
        r"\bAWS [A-Z0-9]+:([A-Za-z0-9+/=]{20,})",
    )
    for recorded in requests:
        text = recorded.target + "\n" + "\n".join(f"{n}: {v}" for n, v in recorded.headers)
        text += "\n" + recorded.body.decode("latin-1")
        for pattern in patterns:
            found.update(re.findall(pattern, text))
        for name in ("x-amz-signature", "signature"):
            found.update(re.findall(rf'name="{name}"\r\n\r\n([^\r]+)', text))
    return {s for s in found if len(s) >= 16}


@pytest.mark.slow
def test_no_report_shows_a_secret_or_a_signature() -> None:
    with FakeS3(lenient) as server:
        result = probe(server.url, CREDENTIALS, create_bucket=True)
        seen = _secrets_seen(server.requests)
    assert len(seen) > 50
    texts = {
        "table": report.table(result, verbose=True),
        "json": report.to_json(result),
        "junit": report.junit_xml(result).decode("utf-8"),
        "html": report.to_html(result),
    }
    for name, text in texts.items():
        for secret in seen:
            assert secret not in text, f"{name} shows a secret"
            assert secret.replace("/", "%2F") not in text, f"{name} shows a secret (encoded)"
        if name != "table":  # (the table shows no request)
            assert "<redacted>" in text or "&lt;redacted&gt;" in text, name
