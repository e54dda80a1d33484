"""The README's service-metadata example runs as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_example_runs(capsys: Any) -> None:
    start = README.index("## Service metadata: the right signing name")
    end = README.find("\n## ", start + 1)
    section = README[start : end if end != -1 else None]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
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
