"""The README's browser POST example in the ``sigbridge serve`` section runs as written, against
a server started here with the credential and region its comment names."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from signers import Credentials
from tests._support import python_blocks, readme_section
from tests.serve.support import running

pytest.importorskip("requests")


@pytest.mark.slow
def test_the_post_upload_example_runs() -> None:
    section = readme_section("### `sigbridge serve`")
    (block,) = [b for b in python_blocks(section) if "presign_post" in b]
    assert "sigbridge serve --credential AKIDEXAMPLE:SECRET --region us-east-1" in block
    with running(credentials=[Credentials("AKIDEXAMPLE", "SECRET")], region="us-east-1") as (
        server,
        logs,
    ):
        namespace: Dict[str, Any] = {}
        exec(block.replace("http://127.0.0.1:8080", server.url), namespace)
        answer = namespace["answer"]
        assert answer.status_code == 204
        assert answer.headers["Location"] == server.url + "/photos/cats/tom.jpg"
    assert logs == ["POST '/photos' 204 OK post-v4"]
    shown = block.split("# (", 1)[1]
    assert shown.startswith("204, 'http://127.0.0.1:8080/photos/cats/tom.jpg')")
