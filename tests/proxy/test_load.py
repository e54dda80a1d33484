"""A bounded load test on loopback: 50 concurrent legacy clients x 200 requests each through
``sigbridge proxy`` to ``sigbridge serve --schemes sigv4`` (both started with the command line,
in their own processes).  Every request is answered, each with the ETag of its own body (nothing
lost or crossed); the throughput is printed."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import http.client
import os
import queue
import subprocess
import sys
import threading
import time
from typing import Iterator, List

import pytest

import signers
from signers import Credentials, Request
from tests.proxy.support import LEGACY_KEY, LEGACY_SECRET
from tests.serve.support import CHAIN_KEY, CHAIN_SECRET

pytestmark = pytest.mark.slow

CLIENTS = 50
REQUESTS = 200


@contextlib.contextmanager
def command(arguments: List[str], env: dict) -> Iterator[str]:
    """``sigbridge ARGUMENTS`` in its own process; the URL it prints; stopped on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "signers.cli", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True
    ).start()
    try:
        while True:
            line = lines.get(timeout=30)
            if "listening on" in line:
                yield line.split("listening on ")[1].split()[0]
                break
    finally:
        process.terminate()
        process.wait(10)


def test_fifty_clients_through_the_proxy(tmp_path):
    keys = tmp_path / "legacy-keys"
    keys.write_text(f"{LEGACY_KEY} {LEGACY_SECRET}\n")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": CHAIN_KEY,
        "AWS_SECRET_ACCESS_KEY": CHAIN_SECRET,
        "PYTHONPATH": os.getcwd(),
    }
    serve_args = ["serve", "--credential", f"{CHAIN_KEY}:{CHAIN_SECRET}", "--quiet"]
    serve_args += ["--schemes", "sigv4,sigv4-query", "--max-connections", "64"]
    with command(serve_args, env) as upstream, command(
        [
            *("proxy", "--upstream", upstream, "--keys", str(keys), "--region", "us-east-1"),
            *("--quiet", "--max-connections", "64"),
        ],
        env,
    ) as proxy:
        host, port = proxy.rsplit("/", 1)[1].split(":")
        signer = signers.get_signer("s3-v2")
        credentials = Credentials(LEGACY_KEY, LEGACY_SECRET)
        answers: List[bool] = []
        failures: List[str] = []

        def client(number: int) -> None:
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            try:
                for index in range(REQUESTS):
                    body = f"client {number} request {index}".encode()
                    request = Request("PUT", f"{proxy}/bucket/{number}/{index}", [], body)
                    signed = signer.sign(request, credentials, dt.datetime.now(dt.timezone.utc))
                    connection.request(
                        "PUT", f"/bucket/{number}/{index}", body, dict(signed.headers)
                    )
                    response = connection.getresponse()
                    response.read()
                    etag = response.getheader("ETag")
                    answers.append(
                        response.status == 200 and etag == '"' + hashlib.md5(body).hexdigest() + '"'
                    )
            except Exception as exc:  # reported below: a lost request fails the test
                failures.append(f"client {number}: {type(exc).__name__}: {exc}")
            finally:
                connection.close()

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        elapsed = time.monotonic() - started
    assert failures == []
    assert len(answers) == CLIENTS * REQUESTS and all(answers)
    print(
        f"\n{CLIENTS} clients x {REQUESTS} requests = {len(answers)} legacy PUTs through proxy "
        f"-> serve in {elapsed:.1f} s: {len(answers) / elapsed:.0f} requests/s, none lost"
    )
