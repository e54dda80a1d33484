"""The README's "aws-chunked uploads" example runs as written and says what it shows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_example_runs_and_its_comments_hold() -> None:
    start = README.index("### aws-chunked uploads")
    section = README[start : README.index("\n### ", start + 10)]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    namespace: Dict[str, Any] = {}
    exec(block, namespace)
    stream, upload, verified = namespace["stream"], namespace["upload"], namespace["verified"]
    assert stream.seed_signature.startswith("4f232c43")
    assert stream.request.header("Content-Length") == "66824"
    assert upload.request.header("x-amz-trailer") == "x-amz-checksum-crc32"
    assert verified.payload_checked is True and verified.payload.complete
    assert namespace["data"] == b"a" * 66560
