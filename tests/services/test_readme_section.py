"""The README's service-metadata example runs as written."""

from __future__ import annotations

from typing import Any, Dict

from tests._support import python_blocks, readme_section


def test_readme_example_runs(capsys: Any) -> None:
    section = readme_section("## Service metadata: the right signing name")
    blocks = python_blocks(section)
    assert len(blocks) == 1
    namespace: Dict[str, Any] = {}
    exec(blocks[0], namespace)
    assert namespace["scope"].service == "autoscaling-plans"
    out = capsys.readouterr().out
    assert out == "region ap-northeast-1: host 'autoscaling.ap-northeast-1.amazonaws.com'\n"
    assert "python -m signers._tools.make_services --output signers/_data/services.json" in section
    # the quoted refusal is the real message
    from signers.errors import AmbiguousScope
    from signers.model import Request
    from signers.services import infer

    try:
        infer(Request("GET", "http://localhost:9000/"))
    except AmbiguousScope as error:
        quoted = " ".join(str(error).split())
    assert quoted in " ".join(section.replace("`", "").split())
