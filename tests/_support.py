"""What the test folders share, defined once: the fixed instants, AWS's example credentials, the
repository's paths, and a few small helpers (a bounded cache, a child interpreter's environment,
README sections).

The values are the published ones (the aws-c-auth vectors' time and keys, the S3 documentation's
example keys), so a test that signs with them can compare against a published signature.
``tests/conftest.py`` turns the environment-changing ones into fixtures.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import signers
from signers import Credentials

__all__ = [
    "AK",
    "CREDS",
    "CREDS_TOKEN",
    "DOC_AK",
    "DOC_CREDS",
    "DOC_SECRET",
    "FORM",
    "IMPORT_ROOT",
    "README",
    "REPO",
    "SAMPLES",
    "SECRET",
    "TOKEN",
    "UTC",
    "VECTORS",
    "VECTOR_TIME",
    "VERIFY_TIME",
    "LEGACY_FAMILIES",
    "cache_bounded",
    "case_context",
    "child_env",
    "context_credentials",
    "context_time",
    "legacy_cases",
    "python_blocks",
    "readme_section",
    "write_distribution",
]

UTC = dt.timezone.utc
#: The instant of the aws-c-auth SigV4 vectors and of AWS's SigV4 examples (20150830T123600Z).
VECTOR_TIME = dt.datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
#: The instant the verification tests sign at and verify at.
VERIFY_TIME = dt.datetime(2024, 5, 17, 12, 0, 0, tzinfo=UTC)

#: AWS's example key pair, as in the aws-c-auth vectors and the SigV4 documentation.
AK = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#: A session token holding the characters that need percent-encoding ("/", "+", "=").
TOKEN = "FQoGZXIvYXdzEXAMPLE/token+with/slashes=="
CREDS = Credentials(AK, SECRET)
CREDS_TOKEN = Credentials(AK, SECRET, TOKEN)

#: The key pair of the S3 documentation's examples (SigV4 "Signature Calculations ..." and the
#: SigV2 / S3 REST authentication pages).
DOC_AK = "AKIAIOSFODNN7EXAMPLE"
DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_CREDS = Credentials(DOC_AK, DOC_SECRET)

FORM = "application/x-www-form-urlencoded"

#: The checkout the tests run from, its vector roots and its README.
REPO = Path(__file__).resolve().parents[1]
VECTORS = REPO / "vectors"
README = REPO / "README.md"
#: Python scripts for ``sigbridge migrate --scan``.
SAMPLES = REPO / "tests" / "data" / "migrate_samples"

#: Where the ``signers`` under test was imported from: the checkout in development, the
#: environment's site-packages under tox.  A child interpreter gets it first on its path.
IMPORT_ROOT = Path(signers.__file__).resolve().parents[1]


#: The legacy suites (``vectors/sigv2``, ``vectors/s3-v2``): each location a case may be signed
#: at, and the signer that signs there.
LEGACY_FAMILIES = {
    "sigv2": {"query": "sigv2"},
    "s3-v2": {"header": "s3-v2", "query": "s3-v2-query"},
}


#: Whether this run leaves the slow tests out (``-m "not slow"``, the quick loop); tests/conftest.py
#: sets it before any test module is imported.
QUICK_LOOP = False


def examples(full: int, quick: int = 10) -> int:
    """A property test's ``max_examples``: ``full`` in the full suite, ``quick`` in the quick loop
    (the same test runs in both; the full suite keeps the long run)."""
    return quick if QUICK_LOOP else full


def legacy_cases(stage: str = "signature") -> List[Tuple[str, str, Path, str]]:
    """``(family, location, case folder, signer name)`` for every legacy case that has the file
    ``{location}-{stage}.txt``, in folder order."""
    found = []
    for family, locations in LEGACY_FAMILIES.items():
        for case in sorted(p for p in (VECTORS / family).iterdir() if p.is_dir()):
            for location, scheme in locations.items():
                if (case / f"{location}-{stage}.txt").is_file():
                    found.append((family, location, case, scheme))
    return found


def case_context(case: Path) -> Dict[str, Any]:
    """A vector case's ``context.json``."""
    return dict(json.loads((case / "context.json").read_text(encoding="utf-8")))


def context_credentials(context: Dict[str, Any]) -> Credentials:
    """The credentials a vector case's context names (the token when there is one)."""
    given = context["credentials"]
    return Credentials(given["access_key_id"], given["secret_access_key"], given.get("token"))


def context_time(context: Dict[str, Any]) -> dt.datetime:
    """The signing instant a vector case's context names (``2015-08-30T12:36:00Z``)."""
    return dt.datetime.strptime(context["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@contextlib.contextmanager
def cache_bounded(name: str, size: int) -> Iterator[None]:
    """The cache ``name`` bounded to ``size`` entries (and emptied), restored afterwards."""
    previous = signers._cache.DEFAULT_SIZES[name]
    signers.set_cache_size(name, size)
    signers._cache.caches[name].clear()
    try:
        yield
    finally:
        signers.set_cache_size(name, previous)


def child_env(*paths: Path, **variables: str) -> Dict[str, str]:
    """A bare environment for a child ``python``: no PATH, ``paths`` then :data:`IMPORT_ROOT` on
    PYTHONPATH (so it runs the ``signers`` these tests import), AWS's example key pair, and
    ``variables``."""
    env = {
        "PATH": "",
        "PYTHONPATH": os.pathsep.join([*(str(p) for p in paths), str(IMPORT_ROOT)]),
        "AWS_ACCESS_KEY_ID": AK,
        "AWS_SECRET_ACCESS_KEY": SECRET,
    }
    env.update(variables)
    return env


def write_distribution(site: Path, name: str, entry_points: str) -> None:
    """A minimal installed distribution ``name`` 1.0 in the directory ``site`` (for sys.path or
    PYTHONPATH): its METADATA and ``entry_points.txt`` (INI text, e.g. a plug-in's group)."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


def readme_section(heading: str) -> str:
    """The README from the line ``heading`` (``## ...`` or ``### ...``) to the next heading of
    the same or a higher level; ``#`` lines inside fenced code blocks are comments, not headings."""
    lines = README.read_text(encoding="utf-8").split("\n")
    start = lines.index(heading)
    level = len(heading) - len(heading.lstrip("#"))
    fenced = False
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            if hashes <= level and line[hashes : hashes + 1] == " ":
                return "\n".join(lines[start:number])
    return "\n".join(lines[start:])


def python_blocks(text: str) -> List[str]:
    """The fenced ``python`` code blocks of ``text``, in order."""
    return re.findall(r"```python\n(.*?)```", text, re.S)


def empty_aws_environment(monkeypatch: Any, tmp_path: Path, *, config_files: bool = False) -> Path:
    """An AWS environment with nothing of the machine's: no AWS_* / BOTO_* variable or proxy
    setting, a HOME of its own with an empty ``.aws``, instance metadata off (nothing may reach
    the network).  ``config_files``: also point AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE
    into that HOME.  Returns the HOME."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO_")) or name.lower() in (
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "no_proxy",
        ):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    if config_files:
        monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    return home
