"""The README's credentials example runs as written, in a HOME with a ``dev`` profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import signers
from tests._support import python_blocks, readme_section

from .support import SECRET, write


def test_credentials_example_runs(clean_environment: Path) -> None:
    (block,) = python_blocks(readme_section("## Credentials: the standard chain"))
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
