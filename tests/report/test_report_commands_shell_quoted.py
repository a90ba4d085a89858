"""The commands report.html and the comparison page print are pasted into a shell as they
are: a run directory with a space, a quote or a ``$`` is one word of them, quoted, where the
plain case stays unquoted (QA hints23 #1: "Rebuild this page: python -m sim report
run=/tmp/with space/r1" failed with "run=/tmp/with: no such run directory", and the
"arguments" row split ``'hydra.run.dir=.../with space/bpmn 39'`` in two)."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.report.html import ReportReadWarning, build_report
from tests.simcli import run_sim

REPO = Path(__file__).resolve().parents[2]
# the shell's ``python`` is this one: the pages say ``python -m sim``
ENV = {
    **os.environ,
    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    "PYTHONPATH": str(REPO),
}
QUICK = ["process=mmc", "scenario.replications=2", "progress=false"]


def _sim(cwd: Path, *args: str) -> None:
    """``python -m sim ARGS`` as a user runs it (no shell: each arg one word)."""
    res = run_sim(*args, cwd=cwd, env=ENV, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """``command`` pasted into a POSIX shell."""
    return subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )


def _words(command: str, cwd: Path) -> list[str]:
    """The words a POSIX shell makes of ``command`` (its argv, ``$HOME`` expanded if unquoted)."""
    res = _shell(f"set -- {command}; printf '%s\\0' \"$@\"", cwd)
    assert res.returncode == 0, res.stderr
    return res.stdout.split("\0")[:-1]


def _code_after(page: str, label: str) -> str:
    """The text (HTML unescaped) of the ``<code>`` right after ``label`` on ``page``."""
    m = re.search(re.escape(label) + r"\s*<code>(.*?)</code>", page, flags=re.S)
    assert m, f"no <code> after {label!r} on the page"
    return html.unescape(m.group(1))


def _rebuilds(command: str, run: Path, cwd: Path) -> None:
    """``command`` run through the shell rebuilds the report of ``run``."""
    page = run / "report.html"
    page.unlink()
    res = _shell(command, cwd)
    assert res.returncode == 0, f"{command!r}: {res.stderr[-2000:]}"
    assert page.is_file(), f"{command!r} did not write {page}: {res.stdout}{res.stderr}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A simulate run in a directory with a space, a quote and ``$HOME`` in its name, a plain
    one, and their comparison in another such directory."""
    root = tmp_path_factory.mktemp("quoted")
    odd = root / "with space" / "it's $HOME r1"
    plain = root / "plain"
    cmp = root / "with space" / "cmp $x's"
    _sim(root, "simulate", *QUICK, "output.trace=true", f"hydra.run.dir={odd}")
    _sim(root, "simulate", *QUICK, "process.roles.server.headcount=3", f"hydra.run.dir={plain}")
    _sim(root, "compare", f'runs=["{odd}",{plain}]', f"hydra.run.dir={cmp}")
    return odd, plain, cmp


def test_the_rebuild_line_runs_as_pasted_for_a_directory_with_a_space(runs, tmp_path):
    odd, _, _ = runs
    command = _code_after((odd / "report.html").read_text(encoding="utf-8"), "Rebuild this page:")
    assert _words(command, tmp_path) == ["python", "-m", "sim", "report", f"run={odd}"]
    _rebuilds(command, odd, tmp_path)


def test_the_arguments_row_gives_the_words_the_run_was_started_with(runs, tmp_path):
    odd, _, _ = runs
    page = (odd / "report.html").read_text(encoding="utf-8")
    typed = json.loads((odd / "run.json").read_text())["argv"]
    assert f"hydra.run.dir={odd}" in typed
    assert _words(_code_after(page, "<td>arguments</td><td>"), tmp_path) == typed


def test_the_comparison_page_rebuild_line_runs_as_pasted(runs, tmp_path):
    _, _, cmp = runs
    command = _code_after((cmp / "report.html").read_text(encoding="utf-8"), "Rebuild it:")
    assert _words(command, tmp_path) == ["python", "-m", "sim", "report", f"run={cmp}"]
    _rebuilds(command, cmp, tmp_path)


def test_the_damaged_trace_advice_runs_as_pasted(runs, tmp_path):
    """The bottlenecks section's and the console's "rebuild" for a trace cut short."""
    odd, _, _ = runs
    trace = next(odd.glob("trace.*"))
    whole = trace.read_bytes()
    trace.write_bytes(whole[: len(whole) // 2])
    try:
        with pytest.warns(ReportReadWarning) as caught:
            page = build_report(odd).read_text(encoding="utf-8")
        command = _code_after(page, "rebuild this page (")
        said = " ".join(str(w.message) for w in caught)
        assert f"; {command} rebuilds the report once" in said, said
        assert _words(command, tmp_path) == ["python", "-m", "sim", "report", f"run={odd}"]
        _rebuilds(command, odd, tmp_path)
    finally:
        trace.write_bytes(whole)


def test_a_plain_directory_is_left_unquoted(runs):
    _, plain, _ = runs
    page = (plain / "report.html").read_text(encoding="utf-8")
    assert f"Rebuild this page: <code>python -m sim report run={plain}</code>" in page
    from sim.report.html import report_command

    assert report_command("sim", "/runs/a b") == "sim report 'run=/runs/a b'"
