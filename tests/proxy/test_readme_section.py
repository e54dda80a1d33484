"""The README's proxy walk-through says what the proxy really prints, and its serve section names
every limit flag the command has."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from signers.cli import proxy as proxy_command
from signers.cli import serve as serve_command
from signers.cli._common import Parser
from tests.serve.support import chain_environment

pytestmark = pytest.mark.slow  # servers on sockets

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n### ", start + len(title))
    return README[start:end]


def test_the_walk_through_prints_what_the_proxy_prints(tmp_path, monkeypatch, capsys):
    chain_environment(monkeypatch)
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # the region comes from the upstream's host
    text = _section("### Migrating programs you cannot change")
    block = re.search(r"\$ sigbridge proxy (.*?)\n(.*?)```", text, re.S)
    assert block is not None
    argv, shown = block.group(1).split(), block.group(2)
    keys = tmp_path / "legacy-keys.txt"
    keys.write_text(re.search(r"\$ cat legacy-keys.txt\n\s*(.*?)\n", text).group(1) + "\n")
    argv = [str(keys) if a == "legacy-keys.txt" else a for a in argv]
    argv[argv.index("--listen") + 1] = "127.0.0.1:0"
    parser = Parser(prog="sigbridge proxy")
    proxy_command.add_arguments(parser)
    ready = threading.Event()
    servers = []

    def on_ready(server):
        servers.append(server)
        ready.set()

    thread = threading.Thread(
        target=proxy_command.run, args=(parser.parse_args(argv),), kwargs={"ready": on_ready}
    )
    thread.daemon = True
    thread.start()
    assert ready.wait(10)
    servers[0].shutdown()
    thread.join(5)
    printed = capsys.readouterr().out.replace(servers[0].url, "http://127.0.0.1:8080")
    expected = [line.strip() for line in shown.strip().splitlines()]
    assert printed.strip().splitlines() == expected


def test_the_serve_section_names_every_limit_flag():
    text = _section("### `sigbridge serve`")
    parser = Parser(prog="sigbridge serve")
    serve_command.add_limit_arguments(parser)
    flags = [a.option_strings[0] for a in parser._actions if a.option_strings[0] != "-h"]
    for flag in flags:
        assert f"| `{flag}` |" in text, flag
