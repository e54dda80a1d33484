"""The README's credentials example runs as written, in a HOME with a ``dev`` profile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

import signers

from .support import SECRET, write

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_credentials_example_runs(clean_environment: Path) -> None:
    section = README[README.index("## Credentials: the standard chain") :]
    (block,) = re.findall(r"```python\n(.*?)```", section.split("\n## ")[0], re.S)
    write(
        clean_environment / ".aws" / "credentials",
        f"[dev]\naws_access_key_id = AKIDREADME\naws_secret_access_key = {SECRET}\n",
    )
    write(clean_environment / ".aws" / "config", "[profile dev]\nregion = eu-west-1\n")
    namespace: Dict[str, Any] = {}
    exec(block, namespace)
    signed = namespace["signed"]
    assert "Credential=AKIDREADME/" in signed.header_dict()["Authorization"]
    assert "/eu-west-1/sts/aws4_request" in signed.header_dict()["Authorization"]
    assert namespace["provider"].method == "shared-credentials-file"
    verified = signers.verify(signed.request, {"AKIDREADME": namespace["credentials"]})
    assert verified.access_key == "AKIDREADME"
