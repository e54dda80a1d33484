"""``sigbridge presign ... --from FILE|-``: one presigned URL per input line, in order, each
the URL ``sigbridge presign METHOD URL`` prints for that line alone; bad lines named by number on
stderr with exit status 2; a progress line on a terminal and nothing on stderr otherwise; the
same output with ``--jobs 2``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List, Tuple
from urllib.parse import quote

import pytest

from signers.cli import main
from signers.cli._presign_from import Progress
from tests._support import SECRET

pytestmark = pytest.mark.usefixtures("offline_environment", "example_credentials_env")

BASE = "https://examplebucket.s3.amazonaws.com"
AT = ["--at", "2015-08-30T12:36:00Z"]
KEYS = ["photos/a.jpg", "dir/b c.txt", "ü/ß", "x+y", "%41", "a//b", "tab\there"]
URLS = [
    BASE + "/photos/a.jpg",
    "https://ec2.amazonaws.com/?Action=DescribeRegions&Version=2016-11-15",
    "https://sqs.eu-west-1.amazonaws.com/123456789012/queue?Action=GetQueueAttributes",
    "https://examplebucket.s3.us-west-2.amazonaws.com/a b.txt",
    "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
]


def _run(capsys: Any, argv: List[str]) -> Tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _alone(capsys: Any, url: str, *extra: str) -> str:
    # the oracle: the single-URL command, whose output the published vectors check
    code, out, err = _run(capsys, ["presign", "GET", url, *AT, *extra])
    assert code == 0, err
    return out.strip()


def _file(tmp_path: Path, lines: List[str], end: str = "\n") -> str:
    path = tmp_path / "lines.txt"
    path.write_bytes((end.join(lines) + end).encode("utf-8"))
    return str(path)


def test_keys_under_a_base_url(capsys: Any, tmp_path: Path) -> None:
    code, out, err = _run(capsys, ["presign", "GET", BASE, "--from", _file(tmp_path, KEYS), *AT])
    assert code == 0 and err == ""
    expected = [_alone(capsys, f"{BASE}/{quote(k, safe='/-_.~')}") for k in KEYS]
    assert out.splitlines() == expected


def test_whole_urls_each_inferring_its_scope(capsys: Any, tmp_path: Path) -> None:
    code, out, err = _run(capsys, ["presign", "GET", "--from", _file(tmp_path, URLS), *AT])
    assert code == 0 and err == ""
    assert out.splitlines() == [_alone(capsys, url) for url in URLS]
    assert "%2Feu-west-1%2Fsqs%2F" in out.splitlines()[2]


def test_options_apply_to_every_line(capsys: Any, tmp_path: Path) -> None:
    extra = ["--expires", "600", "-H", "X-Amz-Meta-A: b", "--endpoint-url", "http://127.0.0.1:9"]
    argv = ["presign", "GET", BASE, "--from", _file(tmp_path, KEYS[:3]), *AT, *extra]
    code, out, _ = _run(capsys, argv)
    assert code == 0
    assert out.splitlines() == [_alone(capsys, f"{BASE}/{quote(k)}", *extra) for k in KEYS[:3]]
    assert all(u.startswith("http://127.0.0.1:9/") for u in out.splitlines())


def test_bad_lines_are_named_and_left_out(capsys: Any, tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_bytes(b"a\n\nb\n\xff\xfe\nc\n")
    code, out, err = _run(capsys, ["presign", "GET", BASE, "--from", str(path), *AT])
    assert code == 2
    assert err.splitlines() == [
        "sigbridge: error: line 2: empty line (expected an object key)",
        "sigbridge: error: line 4: not UTF-8 text",
    ]
    assert out.splitlines() == [_alone(capsys, f"{BASE}/{k}") for k in "abc"]
    lines = [URLS[0], "not a url", "https://h.example.com/?a=%zz", URLS[1]]
    code, out, err = _run(capsys, ["presign", "GET", "--from", _file(tmp_path, lines), *AT])
    assert code == 2
    assert [e.split(":")[:3] for e in err.splitlines()] == [
        ["sigbridge", " error", " line 2"],
        ["sigbridge", " error", " line 3"],
    ]
    assert all(len(e.splitlines()) == 1 for e in err.splitlines())
    assert out.splitlines() == [_alone(capsys, URLS[0]), _alone(capsys, URLS[1])]


def test_standard_input_and_crlf_lines(
    capsys: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ("\r\n".join(KEYS[:3]) + "\r\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = _run(capsys, ["presign", "GET", BASE, "--from", "-", *AT])
    assert code == 0
    assert out.splitlines() == [_alone(capsys, f"{BASE}/{quote(k)}") for k in KEYS[:3]]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["presign", "GET", BASE, "--from", "-", "--json"], "--from prints URLs only"),
        (["presign", "GET", BASE, "--from", "-", "-d", "x"], "empty body"),
        (["presign", "GET", "--from", "-", "-d", "@-"], "cannot both read stdin"),
        (["presign", "GET", BASE, "--from", "/nonexistent/keys"], "--from: cannot read"),
        (["presign", "GET", BASE, "--from", "-", "--jobs", "0"], "--jobs"),
        (["presign", "GET"], "give METHOD URL, or --from FILE"),
    ],
)
def test_refusals_are_one_line(capsys: Any, argv: List[str], fragment: str) -> None:
    code, out, err = _run(capsys, argv)
    assert code == 2 and out == ""
    assert fragment in err and err.count("\n") == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_line_on_a_terminal_only(
    capsys: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["presign", "GET", BASE, "--from", _file(tmp_path, KEYS), *AT]
    code, out, err = _run(capsys, argv)
    assert code == 0 and err == ""  # not a terminal: nothing on stderr
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(argv) == 0
    shown = terminal.getvalue()
    assert shown.startswith("\r[") and shown.endswith("\n")
    assert f"100% {len(KEYS)} URLs" in shown
    assert capsys.readouterr().out == out  # the URLs alone on stdout


def test_progress_redraws_at_most_ten_times_a_second() -> None:
    now = [100.0]
    stream = io.StringIO()
    progress = Progress(stream, 1000, clock=lambda: now[0])
    for step in range(50):  # 50 chunks within 0.49 s: drawn 5 times
        now[0] = 100.0 + step * 0.01
        progress.advance(10, (step + 1) * 20)
    assert stream.getvalue().count("\r") == 5
    progress.clear()
    assert stream.getvalue().endswith("\r")
    progress.finish()
    last = stream.getvalue().rsplit("\r", 1)[1]
    assert last.startswith("[" + "#" * 30 + "] 100% 500 URLs, ") and last.endswith("/s\n")
    unknown = io.StringIO()
    Progress(unknown, None, clock=lambda: 5.0).finish()
    assert unknown.getvalue().startswith("\r0 URLs")


@pytest.mark.slow
def test_jobs_give_the_same_output(capsys: Any, tmp_path: Path) -> None:
    keys = [f"photos/{i:05d}/{KEYS[i % len(KEYS)]}" for i in range(9000)] + ["", "last"]
    keys_file = _file(tmp_path, keys)
    one = _run(capsys, ["presign", "GET", BASE, "--from", keys_file, *AT])
    two = _run(capsys, ["presign", "GET", BASE, "--from", keys_file, *AT, "--jobs", "2"])
    assert one == two and one[0] == 2 and len(one[1].splitlines()) == 9001
    assert one[2] == "sigbridge: error: line 9001: empty line (expected an object key)\n"
    urls = [*URLS * 900, "not a url", *URLS]
    urls_file = _file(tmp_path, urls)
    one = _run(capsys, ["presign", "GET", "--from", urls_file, *AT])
    two = _run(capsys, ["presign", "GET", "--from", urls_file, *AT, "--jobs", "2"])
    assert one == two and one[0] == 2 and len(one[1].splitlines()) == 4505
    assert one[2].startswith("sigbridge: error: line 4501: url: ")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")
def test_progress_on_a_real_terminal(tmp_path: Path) -> None:
    import pty

    keys_file = _file(tmp_path, [f"k{i}" for i in range(20000)])
    out_file = tmp_path / "urls.txt"
    parent, child = pty.openpty()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    argv = [sys.executable, "-m", "signers.cli", "presign", "GET", BASE, "--from", keys_file, *AT]
    with open(out_file, "wb") as out:
        done = subprocess.run(argv, stdout=out, stderr=child, env=env, timeout=120)
    os.close(child)
    shown = b""
    while True:
        try:
            piece = os.read(parent, 65536)
        except OSError:  # the terminal's other end is closed
            break
        if not piece:
            break
        shown += piece
    os.close(parent)
    assert done.returncode == 0
    assert b"100% 20,000 URLs" in shown and shown.startswith(b"\r[")
    assert len(out_file.read_text().splitlines()) == 20000
