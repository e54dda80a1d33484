"""Running the probe against servers the tests start on 127.0.0.1, bounded in time."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from contextlib import contextmanager
from typing import IO, Dict, Iterator, List, Optional, Sequence

from conformance.probe import ProbeConfig, ProbeRun, run
from signers import Credentials

START_TIMEOUT = 30.0


def probe(url: str, credentials: Credentials, **options: object) -> ProbeRun:
    """Run the probe with short timeouts; ``options`` are :class:`ProbeConfig` fields."""
    options.setdefault("timeout", 10.0)
    options.setdefault("time_limit", 240.0)
    return run(ProbeConfig(url=url, credentials=credentials, **options))  # type: ignore[arg-type]


def verdicts(result: ProbeRun) -> Dict[str, str]:
    return {o.probe.id: o.verdict for o in result.outcomes}


def failures(result: ProbeRun) -> Dict[str, str]:
    """``id -> verdict: detail`` of every probe that neither passed nor was skipped."""
    return {
        o.probe.id: f"{o.verdict}: {o.detail}"
        for o in result.outcomes
        if o.verdict not in ("pass", "skipped")
    }


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


@contextmanager
def started(
    argv: Sequence[str],
    *,
    ready: str,
    env: Optional[Dict[str, str]] = None,
    cwd: Optional[str] = None,
) -> Iterator[str]:
    """Start ``argv``; yield the first output line containing ``ready``; stop the process."""
    environment = dict(os.environ)
    environment.update(env or {})
    process = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment,
        cwd=cwd,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    seen: List[str] = []
    try:
        while True:
            try:
                line = lines.get(timeout=START_TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"{argv[0]} did not start: {''.join(seen)[-2000:]}") from None
            seen.append(line)
            if ready in line:
                break
        yield line
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def sigbridge_serve(*args: str) -> Iterator[str]:
    """``sigbridge serve`` on a free port; yields its URL."""
    argv = [sys.executable, "-m", "signers.cli", "serve", "--port", "0", "--quiet", *args]
    with started(argv, ready="listening on") as line:
        yield line.strip().rsplit(" ", 1)[-1]
