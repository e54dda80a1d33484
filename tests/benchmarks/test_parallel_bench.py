"""Bulk presigning of 100,000 keys beyond one process.  The process-pool rows are in the shared
table (signers._tools.bench_ops, group "parallel") and run in test_sigv4_bench.py; here, that
they sign alike, and the Dask row: the README's recipe on a two-worker LocalCluster on 127.0.0.1,
from a file of keys to the workers' files of URLs (start-up outside the timing).

``python -m signers._tools.bench_parallel --dask`` measures the same beside the command line, with
the CPU accounting that tells the machine's load from the work's own cost."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from signers._tools import bench_ops as ops
from signers._tools.bench_ops_inputs import ACCESS_KEY, AT, S3_BUCKET_URL, SECRET_KEY
from signers._tools.bench_ops_parallel import PARALLEL_JOBS, PARALLEL_KEYS
from tests._support import python_blocks, readme_section

ROUNDS = 5


def test_the_parallel_rows_sign_alike() -> None:
    single = ops.build(ops.operation("sigv4-query-bulk-s3-100k").ours).signature()
    for name in ("pool-signed", "pool-urls", "pool-lines", "jobs-cold"):
        row = ops.operation(f"sigv4-query-bulk-s3-100k-{name}")
        assert ops.build(row.ours).signature() == single, row.name


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: Any) -> Iterator[Dict[str, Any]]:
    distributed = pytest.importorskip("dask.distributed", reason="the dask extra")
    db = pytest.importorskip("dask.bag")
    folder = tmp_path_factory.mktemp("dask-bench")
    keys_file = folder / "keys.txt"
    keys_file.write_text("\n".join(PARALLEL_KEYS) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:  # the workers' credential chain reads these
        patch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        patch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        with distributed.LocalCluster(
            n_workers=PARALLEL_JOBS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            timeout=300,
        ) as local, distributed.Client(local, timeout=300) as client:
            yield {"client": client, "db": db, "keys_file": keys_file, "folder": folder}


def _read(out: Path) -> List[str]:
    urls: List[str] = []
    for part in sorted(out.glob("*.txt"), key=lambda p: int(p.stem)):
        urls.extend(part.read_text(encoding="utf-8").splitlines())
    return urls


def test_dask_recipe_100k(benchmark: Any, cluster: Dict[str, Any]) -> None:
    namespace: Dict[str, Any] = {"__name__": "recipe"}
    blocks = python_blocks(readme_section("## Bulk presigning on every core, and on Dask"))
    exec(next(b for b in blocks if "presign_partition" in b), namespace)
    presign_bag, db = namespace["presign_bag"], cluster["db"]
    runs = iter(range(10**6))

    def run() -> Path:
        out = cluster["folder"] / f"urls-{next(runs)}"
        keys = db.read_text(str(cluster["keys_file"]), blocksize=1 << 20).str.rstrip("\r\n")
        presign_bag(keys, S3_BUCKET_URL).to_textfiles(str(out / "*.txt"))
        return out

    urls = _read(run())  # the recipe signs at "now": compared at the instant it read
    at_text = urls[0].partition("X-Amz-Date=")[2][:16]
    assert {u.partition("X-Amz-Date=")[2][:16] for u in urls} == {at_text}
    import datetime as dt

    import signers

    at = dt.datetime.strptime(at_text, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    signer = signers.get_signer("s3v4-query", region="us-east-1", expires=3600)
    credentials = signers.Credentials(ACCESS_KEY, SECRET_KEY)
    single = [
        s.url for s in signer.presign_many("GET", S3_BUCKET_URL, PARALLEL_KEYS, credentials, at)
    ]
    assert urls == single and at != AT
    benchmark.group = "dask-recipe-s3-100k"
    benchmark.extra_info.update(
        operation="dask-recipe-s3-100k",
        title=f"SigV4 bulk presign, {len(PARALLEL_KEYS):,} S3 GET URLs, Dask LocalCluster of "
        f"{PARALLEL_JOBS} worker processes, key file to URL files (per URL)",
        implementation=ops.OURS,
        batch=len(PARALLEL_KEYS),
        python=platform.python_version(),
        note="README recipe; cluster started outside the timing",
    )
    assert benchmark.pedantic(run, rounds=ROUNDS, iterations=1) is not None
