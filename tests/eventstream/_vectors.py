"""The loader of ``vectors/eventstream``: framing cases and signing cases, read as data."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, List, NamedTuple, Optional

from tests._support import VECTORS

ROOT = VECTORS / "eventstream"
GO = ROOT / "framing" / "aws-sdk-go"
SMITHY = ROOT / "framing" / "smithy-rs"


class FramingCase(NamedTuple):
    id: str
    encoded: bytes
    # the decoded message as JSON (aws-sdk-go's format), or None when it must be refused
    decoded: Optional[Dict[str, Any]]
    # upstream's word on a refused case (its error text or kind)
    error: Optional[str]


def framing_cases() -> List[FramingCase]:
    cases = []
    for kind in ("positive", "negative"):
        for path in sorted((GO / "encoded" / kind).iterdir()):
            expected = (GO / "decoded" / kind / path.name).read_bytes().decode("utf-8")
            cases.append(
                FramingCase(
                    f"aws-sdk-go/{kind}/{path.name}",
                    path.read_bytes(),
                    json.loads(expected) if kind == "positive" else None,
                    None if kind == "positive" else expected.strip(),
                )
            )
    expected_rs = json.loads((SMITHY / "expected.json").read_text(encoding="utf-8"))["cases"]
    on_disk = sorted(p.name for p in SMITHY.iterdir() if p.name.startswith(("valid", "invalid")))
    assert sorted(expected_rs) == on_disk, "smithy-rs/expected.json and the files disagree"
    for name in on_disk:
        entry = expected_rs[name]
        cases.append(
            FramingCase(
                f"smithy-rs/{name}",
                (SMITHY / name).read_bytes(),
                entry.get("message", {} if entry.get("decodes") else None),
                entry.get("error"),
            )
        )
    return cases


def header_value(entry: Dict[str, Any]) -> Any:
    """A JSON header's value as Python: base64 fields decoded (6 bytes, 7 str, 9 16 bytes)."""
    code, value = entry["type"], entry["value"]
    if code == 6 or code == 9:
        return base64.b64decode(value)
    if code == 7:
        return base64.b64decode(value).decode("utf-8")
    return value


def signing_cases() -> List[Dict[str, Any]]:
    cases = []
    for path in sorted((ROOT / "signing").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        case["id"] = path.stem
        cases.append(case)
    return cases
