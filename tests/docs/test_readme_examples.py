"""The README is the user's first contact: its examples must run as written."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

import signers
from tests._support import README as README_PATH
from tests._support import SECRET, python_blocks, readme_section, write_distribution

README = README_PATH.read_text(encoding="utf-8")


def test_library_example_runs() -> None:
    namespace: Dict[str, Any] = {}
    exec(python_blocks(readme_section("## Library"))[0], namespace)
    signed = namespace["signed"]
    assert [n for n, _ in signed.headers][-2:] == ["X-Amz-Date", "Authorization"]
    # the same request, signed by hand from the spec, gives the same signature
    art = signed.artifacts
    key = ("AWS4" + SECRET).encode()
    for part in ("20150830", "us-east-1", "ecs", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    assert art.signature == hmac.new(key, art.string_to_sign.encode(), hashlib.sha256).hexdigest()
    assert "X-Amz-Signature=" in namespace["url"] and "X-Amz-Expires=600" in namespace["url"]


def _cli_examples() -> List[List[str]]:
    text = readme_section("## Command line")
    commands = []
    for block in re.findall(r"```\n(.*?)```", text, re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            if line.startswith("$ sigbridge "):
                commands.append(shlex.split(line[2:]))
    return commands


@pytest.mark.parametrize("argv", _cli_examples(), ids=lambda a: " ".join(a[:3]))
def test_cli_examples_run(argv: List[str], example_credentials_env: Any) -> None:
    from signers.cli import main

    assert main(argv[1:]) == 0


@pytest.mark.slow
def test_plugin_example_is_discovered_and_signs(tmp_path: Path) -> None:
    code = python_blocks(readme_section("## Writing a plug-in"))[0]
    package = tmp_path / "my_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "signer.py").write_text(code)
    write_distribution(
        tmp_path, "my_package", "[sigbridge.signers]\nmy-scheme = my_package.signer:MySigner\n"
    )
    script = (
        "import datetime, signers\n"
        "s = signers.get_signer('my-scheme')\n"
        "r = s.sign(signers.Request('GET', 'https://h.example/x'), "
        "signers.Credentials('AK', 'SK'))\n"
        "print(dict(r.headers)['X-My-Signature'])\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    expected = hmac.new(b"SK", b"GET\nhttps://h.example/x", hashlib.sha256).hexdigest()
    assert out.stdout.strip() == expected
    listing = subprocess.run(
        [sys.executable, "-m", "signers.cli", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "my-scheme" in listing.stdout and "HMAC over method and URL" in listing.stdout


def test_readme_names_every_registered_scheme() -> None:
    for name in signers.available():
        assert f"`{name}`" in README, name


def test_plugin_lazy_names_example_loads_on_first_use(tmp_path: Path, monkeypatch: Any) -> None:
    package = tmp_path / "lazy_example_package"
    package.mkdir()
    (package / "__init__.py").write_text(
        python_blocks(readme_section("## Writing a plug-in"))[1], encoding="utf-8"
    )
    (package / "runner.py").write_text("def run():\n    return 'ran'\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    module = importlib.import_module("lazy_example_package")
    try:
        assert "lazy_example_package.runner" not in sys.modules
        assert "run" in dir(module)
        assert module.run() == "ran"
        assert "lazy_example_package.runner" in sys.modules
        with pytest.raises(AttributeError, match="has no attribute 'other'"):
            module.other  # noqa: B018
    finally:
        for name in ("lazy_example_package", "lazy_example_package.runner"):
            sys.modules.pop(name, None)
