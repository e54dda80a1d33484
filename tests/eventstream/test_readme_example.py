"""The README's event-stream example runs as written, and what it builds checks out by hand."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

from . import _reference as ref

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_event_stream_example_runs() -> None:
    start = README.index("### Event streams")
    following = re.search(r"\n#{2,3} ", README[start + 1 :])
    section = README[start : start + 1 + following.start() if following else None]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    namespace: Dict[str, Any] = {}
    exec(block, namespace)
    body, seed = namespace["body"], namespace["seed"]
    assert len(seed) == 64
    # the two envelopes, rebuilt by the step-by-step reference from the same seed and time
    second = int(namespace["at"].timestamp())
    inner = ref.message(
        ref.header(":message-type", 7, "event")
        + ref.header(":event-type", 7, "AudioEvent")
        + ref.header(":content-type", 7, "application/octet-stream"),
        b"\x00\x01" * 512,
    )
    expected, _ = ref.signed_stream(
        namespace["creds"].secret_key, "us-east-1", "transcribe", seed, [inner], [second, second]
    )
    assert body == expected
