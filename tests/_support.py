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
import os
import re
from pathlib import Path
from typing import Dict, Iterator, List

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
    "cache_bounded",
    "child_env",
    "python_blocks",
    "readme_section",
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


def readme_section(heading: str) -> str:
    """The README from ``heading`` (a whole line, ``## ...`` or ``### ...``) to the next heading
    of the same or a higher level."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n" + heading + "\n") + 1
    level = len(heading) - len(heading.lstrip("#"))
    following = re.compile(r"^#{1,%d} " % level, re.M).search(text, start + len(heading))
    return text[start : following.start() if following else None]


def python_blocks(text: str) -> List[str]:
    """The fenced ``python`` code blocks of ``text``, in order."""
    return re.findall(r"```python\n(.*?)```", text, re.S)
