"""``python -m signers._tools.bench_parallel``: bulk presigning on one core, on worker processes
and on a Dask LocalCluster, with the numbers that say where the time goes.

Every variant presigns the same keys (100,000 S3 keys by default) at one instant, in rounds: each
round runs every variant once, turn by turn, so that load from other programs hits them alike;
the best round of each counts.  Beside the rates it prints

* the start-up of a pool of workers with each start method (``spawn``, ``fork``, ``forkserver``);
* the CPU time per URL of the calling process and of the workers (Linux: read from ``/proc``), and
  the rate those would give on two idle cores -- the share of the machine other programs took is
  the gap between that and the rate measured;
* the machine's capacity at that moment: two worker processes presigning half the keys each with
  nothing sent back, the bound any split of this work can reach;
* with ``--dask``: the README's recipe on a two-worker LocalCluster on 127.0.0.1 (keys read from a
  file, URLs written to files by the workers), beside ``sigbridge presign --from`` with ``--jobs
  1`` and ``--jobs 2`` on the same files.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..model import Credentials
from ..registry import get_signer
from .bench_ops_inputs import ACCESS_KEY, AT, EXPIRES, REGION, S3_BUCKET_URL, SECRET_KEY

__all__ = ["main", "measure"]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _signer() -> Any:
    return get_signer("s3v4-query", region=REGION, service="s3", expires=EXPIRES)


def _keys(count: int) -> List[str]:
    return [f"photos/2024/img-{i:07d}.jpg" for i in range(count)]


def sign_only(signer: Any, count: int) -> int:
    """A worker's task for the capacity figure: presign ``count`` keys, send back only a count."""
    from .._parallel_worker import current_credentials

    signed = signer.presign_many("GET", S3_BUCKET_URL, _keys(count), current_credentials(), AT)
    return sum(1 for _ in signed)


def _cpu_of(pids: Sequence[int]) -> Optional[float]:
    # user + system seconds of the processes ``pids`` (Linux /proc), None elsewhere
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def _pids(pool: Any) -> List[int]:
    executor = getattr(pool, "_executor", None)
    return list(getattr(executor, "_processes", {}) or {})


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # (not on Windows)
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(run: Callable[[], Any], pids: Sequence[int] = ()) -> Dict[str, Any]:
    cpu_workers = _cpu_of(pids) if pids else None
    children = _children_cpu()
    cpu, wall = time.process_time(), time.perf_counter()
    result = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    timing: Dict[str, Any] = {"wall": wall, "cpu": cpu, "result": result}
    children = _children_cpu() - children
    if children > 0:  # processes started and reaped in the run (the command line, its workers)
        timing["cpu_children"] = children
    if cpu_workers is not None:
        after = _cpu_of(pids)
        timing["cpu_workers"] = None if after is None else after - cpu_workers
    return timing


def _start_up(method: str, credentials: Credentials) -> float:
    from ..parallel import PresignPool

    start = time.perf_counter()
    with PresignPool(credentials, jobs=2, start_method=method) as pool:
        list(pool.ordered(sign_only, (_signer(),), [1, 1]))  # both workers up and answering
        return time.perf_counter() - start


def measure(
    count: int, jobs: int, rounds: int, dask: bool, chunk_size: Optional[int] = None
) -> Dict[str, Any]:
    """Run every variant ``rounds`` times, interleaved; the document :func:`main` prints."""
    import multiprocessing

    from ..parallel import PresignPool

    signer, credentials, keys = _signer(), Credentials(ACCESS_KEY, SECRET_KEY), _keys(count)
    methods = [
        m for m in ("spawn", "fork", "forkserver") if m in multiprocessing.get_all_start_methods()
    ]
    document: Dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "keys": count,
        "jobs": jobs,
        "rounds": rounds,
        "chunk_size": chunk_size or "default",
        "load_before": _load(),
        "start_up_s": {m: min(_start_up(m, credentials) for _ in range(3)) for m in methods},
    }
    expected = [s.url for s in signer.presign_many("GET", S3_BUCKET_URL, keys, credentials, AT)]
    expected_text = "".join(url + "\n" for url in expected)
    best: Dict[str, Dict[str, Any]] = {}
    with PresignPool(credentials, jobs=jobs, chunk_size=chunk_size).start() as pool:
        pids = _pids(pool)
        variants: Dict[str, Callable[[], Dict[str, Any]]] = {
            "one process (presign_many)": lambda: _timed(
                lambda: [
                    s.url for s in signer.presign_many("GET", S3_BUCKET_URL, keys, credentials, AT)
                ]
            ),
            f"{jobs} workers kept, SignedRequest (PresignPool.presign_many)": lambda: _timed(
                lambda: [s.url for s in pool.presign_many(signer, "GET", S3_BUCKET_URL, keys, AT)],
                pids,
            ),
            f"{jobs} workers kept, URLs (PresignPool.presign_urls)": lambda: _timed(
                lambda: list(pool.presign_urls(signer, "GET", S3_BUCKET_URL, keys, AT)), pids
            ),
            f"{jobs} workers kept, URL lines (PresignPool.url_lines)": lambda: _timed(
                lambda: "".join(pool.url_lines(signer, "GET", S3_BUCKET_URL, keys, AT)), pids
            ),
            f"presign_many(jobs={jobs}), workers started in the call": lambda: _timed(
                lambda: [
                    s.url
                    for s in signer.presign_many(
                        "GET", S3_BUCKET_URL, keys, credentials, AT, jobs=jobs
                    )
                ]
            ),
            f"capacity: {jobs} workers presign {count // jobs:,} keys each, nothing sent back": (
                lambda: _timed(
                    lambda: sum(pool.ordered(sign_only, (signer,), [count // jobs] * jobs)), pids
                )
            ),
        }
        if dask:
            variants.update(_dask_variants(signer, keys, jobs))
        for _ in range(rounds):
            for name, variant in variants.items():
                timing = variant()
                result = timing.pop("result")
                if isinstance(result, str):
                    want: Any = expected_text
                else:
                    want = count if isinstance(result, int) else expected
                if result != want:
                    raise AssertionError(f"{name}: the URLs differ from the single-process run")
                if name not in best or timing["wall"] < best[name]["wall"]:
                    best[name] = timing
        _close_dask(variants)
    document["load_after"] = _load()
    document["variants"] = {name: _rates(t, count) for name, t in best.items()}
    return document


def _rates(timing: Dict[str, Any], count: int) -> Dict[str, Any]:
    out: Dict[str, Any] = {"urls_per_s": count / timing["wall"], "wall_s": timing["wall"]}
    out["cpu_us_per_url_caller"] = timing["cpu"] * 1e6 / count
    if "cpu_children" in timing:
        out["cpu_us_per_url_children"] = timing["cpu_children"] * 1e6 / count
    workers = timing.get("cpu_workers")
    if workers is not None:
        out["cpu_us_per_url_workers"] = workers * 1e6 / count
        # on two idle cores: the caller and the workers share them; the caller alone bounds it
        busiest = max(timing["cpu"], (timing["cpu"] + workers) / 2)
        out["urls_per_s_on_two_idle_cores"] = count / busiest if busiest else None
    return out


def _load() -> Optional[Tuple[float, float, float]]:
    try:
        return os.getloadavg()
    except OSError:
        return None


# -- Dask and the command line, file to file ------------------------------------------------------

_DASK: Dict[str, Any] = {}


def _dask_variants(
    signer: Any, keys: List[str], jobs: int
) -> Dict[str, Callable[[], Dict[str, Any]]]:
    import importlib

    # (Any-typed: Dask is an optional extra, without type hints of its own)
    db: Any = importlib.import_module("dask.bag")
    distributed: Any = importlib.import_module("dask.distributed")

    from ..credentials import ChainCredentials
    from ..parallel import presign_partition

    folder = tempfile.mkdtemp(prefix="sigbridge-bench-")
    keys_file = os.path.join(folder, "keys.txt")
    with open(keys_file, "w", encoding="utf-8") as handle:
        handle.write("\n".join(keys) + "\n")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    os.environ.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    cluster = distributed.LocalCluster(
        n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )  # fmt: skip
    client = distributed.Client(cluster)
    _DASK.update(cluster=cluster, client=client, folder=folder)

    def read(out: str) -> List[str]:
        parts = sorted(os.listdir(out), key=lambda name: int(name.split(".")[0]))
        urls: List[str] = []
        for name in parts:
            with open(os.path.join(out, name), encoding="utf-8") as handle:
                urls.extend(handle.read().splitlines())
        return urls

    def dask_run() -> List[str]:
        out = tempfile.mkdtemp(dir=folder)
        bag = db.read_text(keys_file, blocksize=1 << 20).str.rstrip("\r\n")
        bag.map_partitions(
            presign_partition, signer=signer, method="GET", base_url=S3_BUCKET_URL,
            credentials=ChainCredentials(), at=AT,
        ).to_textfiles(os.path.join(out, "*.txt"))  # fmt: skip
        return read(out)

    def cli_run(workers: int) -> List[str]:
        out = os.path.join(folder, f"cli-{workers}.txt")
        argv = [sys.executable, "-m", "signers.cli", "presign", "GET", S3_BUCKET_URL]
        argv += ["--from", keys_file, "--at", AT.isoformat(), "--jobs", str(workers)]
        with open(out, "wb") as handle:
            subprocess.run(argv, stdout=handle, env=env, check=True)
        with open(out, encoding="utf-8") as handle:
            return handle.read().splitlines()

    return {
        f"Dask LocalCluster, {jobs} workers, file to files (README recipe)": lambda: _timed(
            dask_run
        ),
        "sigbridge presign --from, file to file, --jobs 1": lambda: _timed(lambda: cli_run(1)),
        f"sigbridge presign --from, file to file, --jobs {jobs}": lambda: _timed(
            lambda: cli_run(jobs)
        ),
    }


def _close_dask(variants: Dict[str, Any]) -> None:
    if _DASK:
        _DASK.pop("client").close()
        _DASK.pop("cluster").close()
        import shutil

        shutil.rmtree(_DASK.pop("folder"), ignore_errors=True)


def _text(document: Dict[str, Any]) -> str:
    lines = [
        f"CPython {document['python']}, {document['cpus']} CPUs, {document['keys']:,} keys, "
        f"keys per task: {document['chunk_size']}; best of {document['rounds']} interleaved "
        "rounds; load average before "
        f"{_fmt_load(document['load_before'])}, after {_fmt_load(document['load_after'])}",
        "pool start-up (2 workers, first task answered): "
        + ", ".join(f"{m} {s * 1e3:.0f} ms" for m, s in document["start_up_s"].items()),
    ]
    for name, rates in document["variants"].items():
        line = f"{name}: {rates['urls_per_s']:,.0f} URLs/s ({rates['wall_s']:.3f} s)"
        line += f"; CPU per URL: caller {rates['cpu_us_per_url_caller']:.2f} µs"
        if "cpu_us_per_url_children" in rates:
            line += f", processes it started {rates['cpu_us_per_url_children']:.2f} µs"
        if "cpu_us_per_url_workers" in rates:
            line += f", workers {rates['cpu_us_per_url_workers']:.2f} µs"
            idle = rates.get("urls_per_s_on_two_idle_cores")
            if idle:
                line += f" -> {idle:,.0f} URLs/s on two idle cores"
        lines.append(line)
    return "\n".join(lines)


def _fmt_load(load: Optional[Tuple[float, float, float]]) -> str:
    return "n/a" if load is None else "/".join(f"{x:.2f}" for x in load)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m signers._tools.bench_parallel",
        description=(__doc__ or "").split("\n\n")[0],
    )
    parser.add_argument("--keys", type=int, default=100_000, help="keys per run (100,000)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (5)")
    parser.add_argument("--chunk-size", type=int, help="keys per task (the pool's default)")
    parser.add_argument("--dask", action="store_true", help="also the Dask recipe and the CLI")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    document = measure(args.keys, args.jobs, args.rounds, args.dask, args.chunk_size)
    document["at"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    print(json.dumps(document, indent=2) if args.json else _text(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
