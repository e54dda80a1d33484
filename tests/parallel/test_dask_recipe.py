"""The README's Dask recipe, run on a LocalCluster of two worker processes on 127.0.0.1: 100,000
keys read from a file, presigned by the workers (each resolving its own credentials from the
environment it inherited) and written one file per partition; the URLs equal the single-process
run at the instant the recipe read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, List

import pytest

import signers
from signers import Credentials
from tests._support import SECRET, UTC, python_blocks, readme_section

pytestmark = pytest.mark.slow

KEYS = [f"photos/2024/{i:06d}/img {i % 7}.jpg" for i in range(100_000)] + ["ü/ß+x", "a//b"]
BASE = "https://examplebucket.s3.amazonaws.com"
TIMEOUT = 300  # seconds for the whole job, start-up included


def _recipe() -> Dict[str, Any]:
    blocks = python_blocks(readme_section("## Bulk presigning on every core, and on Dask"))
    (code,) = [block for block in blocks if "presign_partition" in block]
    namespace: Dict[str, Any] = {"__name__": "recipe"}  # its __main__ part does not run
    exec(code, namespace)
    return namespace


def test_the_readme_recipe_on_a_local_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_environment: None
) -> None:
    distributed = pytest.importorskip("dask.distributed", reason="the dask extra")
    db = pytest.importorskip("dask.bag")
    # the workers inherit this environment: the credential chain finds the keys there
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDDASKWORKER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("\n".join(KEYS) + "\n", encoding="utf-8")
    out = tmp_path / "urls"
    presign_bag = _recipe()["presign_bag"]
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        timeout=TIMEOUT,
    ) as cluster, distributed.Client(cluster, timeout=TIMEOUT) as client:
        keys = db.read_text(str(keys_file), blocksize=1 << 18).str.rstrip("\r\n")
        assert keys.npartitions > 2  # the work is split
        writes = presign_bag(keys, BASE).to_textfiles(str(out / "*.txt"), compute=False)
        futures = client.compute(writes)
        distributed.wait(futures, timeout=TIMEOUT)
        assert all(f.status == "finished" for f in futures)
        workers = client.scheduler_info()["workers"]
        assert len(workers) == 2 and all("127.0.0.1" in address for address in workers)
    urls: List[str] = []
    for part in sorted(out.glob("*.txt"), key=lambda p: int(p.stem)):
        urls.extend(part.read_text(encoding="utf-8").splitlines())
    assert len(urls) == len(KEYS)
    dates = {url.partition("X-Amz-Date=")[2][:16] for url in urls}
    assert len(dates) == 1  # one instant for the whole job
    at = dt.datetime.strptime(dates.pop(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    signer = signers.get_signer("s3v4-query", region="us-east-1", expires=3600)
    credentials = Credentials("AKIDDASKWORKER", SECRET)
    single = [r.url for r in signer.presign_many("GET", BASE, KEYS, credentials, at)]
    assert urls == single
