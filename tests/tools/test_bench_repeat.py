"""``python -m signers._tools.bench_repeat``: the loop the README's instruction counts run under
callgrind (valgrind itself is not needed here: the tests check what the loop runs)."""

from __future__ import annotations

from typing import Any, List

import pytest

from signers._tools import bench_ops, bench_repeat


def test_list_names_every_operation(capsys: Any) -> None:
    assert bench_repeat.main(["--list"]) == 0
    assert capsys.readouterr().out.split() == [op.name for op in bench_ops.OPERATIONS]


def test_runs_the_operation_the_count_and_two_warm_ups(monkeypatch: Any) -> None:
    calls: List[str] = []

    class Counted:
        def run(self) -> None:
            calls.append("run")

    built: List[Any] = []

    def build(factory: Any) -> Counted:
        built.append(factory)
        return Counted()

    monkeypatch.setattr(bench_ops, "build", build)
    assert bench_repeat.main(["sigv4-header-ecs-post", "7"]) == 0
    assert len(calls) == 9
    assert built == [bench_ops.operation("sigv4-header-ecs-post").ours]


def test_the_real_operation_runs() -> None:
    assert bench_repeat.main(["verify-sigv4-header-ecs-post", "3"]) == 0


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["no-such-operation"], "operation: no operation 'no-such-operation'"),
        ([], "operation: give its name"),
        (["sigv4-header-ecs-post", "-1"], "count: must be 0 or more, got -1"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(argv: List[str], words: str, capsys: Any) -> None:
    with pytest.raises(SystemExit) as info:
        bench_repeat.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
