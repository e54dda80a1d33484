"""``sigbridge`` imports only what it runs: ``--version`` and ``--help`` load no subcommand's
module (nor serve, bench, migrate, scan or diagnose), and a subcommand loads only its own.

Each run is a fresh interpreter; the modules it ended with are read from ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import List, Tuple

import pytest

from tests._support import SAMPLES, child_env

pytestmark = pytest.mark.slow  # each test runs the command in a fresh interpreter

# Runs ``sigbridge`` in-process with the given arguments, then prints the loaded modules as the
# last line of standard error (standard output is the command's).
_PROBE = """
import json, sys
from signers.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stderr.write("\\n" + json.dumps([code, sorted(sys.modules)]) + "\\n")
"""

# Modules that belong to one subcommand or one tool, never to the command line's start.
TOOLS = (
    "signers.serve",
    "signers.diagnose",
    "signers._diagnose_causes",
    "signers._tools.bench",
    "signers._tools.bench_ops",
    "signers._tools.migrate",
    "signers._tools.scan",
    "signers._verify",
    "signers._verification",
    "http.server",
    "conformance.runner",
    "conformance.vectors",
)
SUBCOMMANDS = tuple(
    f"signers.cli.{name}"
    for name in ("sign", "listing", "explain", "diff", "serve", "migrate", "bench")
)


def _sigbridge(*argv: str) -> Tuple[int, str, List[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        # (the working directory holds no package: the child imports the signers under test)
        cwd=str(SAMPLES.parent),
        env=child_env(),
    )
    code, modules = json.loads(done.stderr.strip().splitlines()[-1])
    return code, done.stdout, modules


def _loaded(modules: List[str], prefixes: Tuple[str, ...]) -> List[str]:
    return [m for m in modules if any(m == p or m.startswith(p + "_") for p in prefixes)]


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_load_no_subcommand_and_no_tool(flag: str) -> None:
    code, out, modules = _sigbridge(flag)
    assert code == 0
    assert out.startswith("sigbridge " if flag == "--version" else "usage: sigbridge")
    assert "signers.cli" in modules  # the probe ran the command itself
    assert _loaded(modules, TOOLS) == []
    assert _loaded(modules, SUBCOMMANDS) == []


def test_version_loads_no_plugin_command() -> None:
    _, _, modules = _sigbridge("--version")
    assert [m for m in modules if m.startswith("conformance")] == []
    bare = subprocess.run(
        [sys.executable, "-c", "import sys; print('importlib.metadata' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    if bare == "False":  # (some installs' start-up files load it for every interpreter)
        assert "importlib.metadata" not in modules  # no entry point was even looked up


def test_help_lists_the_plugin_commands_from_their_light_module() -> None:
    code, out, modules = _sigbridge("--help")
    assert code == 0
    assert "conformance" in out.split() and "sign" in out.split()
    assert "conformance.cli" in modules  # its help line comes from the plug-in itself
    assert "probe" in out.split()
    # (conformance._package: the Command value, standard library only)
    light = [
        "conformance._package",
        "conformance.cli",
        "conformance.probe",
        "conformance.probe.cli",
    ]
    assert sorted(m for m in modules if m.startswith("conformance.")) == light


@pytest.mark.parametrize(
    "argv, own",
    [
        (["list"], "signers.cli.listing"),
        (
            [
                "sign",
                "GET",
                "https://example.amazonaws.com/",
                "--region",
                "us-east-1",
                "--service",
                "service",
                "--at",
                "2015-08-30T12:36:00Z",
            ],
            "signers.cli.sign",
        ),
        (
            ["presign", "GET", "https://b.s3.amazonaws.com/k", "--at", "1440938160"],
            "signers.cli.sign",
        ),
        (["migrate", "--scan", str(SAMPLES)], "signers.cli.migrate"),
    ],
    ids=["list", "sign", "presign", "migrate-scan"],
)
def test_a_subcommand_loads_its_own_module_only(argv: List[str], own: str) -> None:
    code, _, modules = _sigbridge(*argv)
    assert code in (0, 1)
    assert _loaded(modules, SUBCOMMANDS) == [own]
    assert [m for m in modules if m.startswith("conformance")] == []
    assert "signers.serve" not in modules and "signers._tools.bench" not in modules
