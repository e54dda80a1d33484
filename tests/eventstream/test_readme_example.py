"""The README's event-stream example runs as written, and what it builds checks out by hand."""

from __future__ import annotations

from typing import Any, Dict

from tests._support import python_blocks, readme_section

from . import _reference as ref


def test_event_stream_example_runs() -> None:
    (block,) = python_blocks(readme_section("### Event streams"))
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
