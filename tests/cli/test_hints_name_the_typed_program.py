"""What to run next is said with the program the user typed: ``sim ...`` after the installed
``sim`` script, ``python -m sim ...`` after ``python -m sim`` (QA polish23: the calibrate hint,
the report's "Rebuild" lines and the comparison page said ``python -m sim`` after ``sim``).
The run record (``run.json``'s ``argv``) holds the program; the report reads it there, since
``sim.report`` may not import ``sim.cli``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import common
from sim.cli.calibrate import next_steps
from sim.report.html import (
    ReportReadWarning,
    build_report,
    missing_glyphs_note,
    run_program,
)
from tests.simcli import QUICK_SEARCH

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("sim")  # pip's console script beside this Python


@pytest.mark.parametrize("program", [["sim"], ["python", "-m", "sim"]])
def test_calibrate_says_what_to_run_next_with_the_typed_program(program):
    """``next_steps`` reads ``TYPED_PROGRAM``, which ``sim.cli.main`` sets from ``sys.argv[0]``."""
    before = list(common.TYPED_PROGRAM)
    common.TYPED_PROGRAM[:] = program
    try:
        text = next_steps(Path("/runs/cal/model.yaml"), staffed=True)
        alone = next_steps(Path("/runs/cal/model.yaml"), staffed=False)
    finally:
        common.TYPED_PROGRAM[:] = before
    typed = " ".join(program)
    commands = [line.strip() for line in text.splitlines() if line.startswith("  ")]
    assert [c.split(" process=")[0] for c in commands] == [f"{typed} simulate", f"{typed} optimize"]
    assert alone.splitlines()[1] == f"  {typed} simulate process=/runs/cal/model.yaml"
    if program == ["sim"]:
        assert "python -m sim" not in text + alone


def _sim(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed ``sim`` script, run as a user runs it."""
    assert SCRIPT.is_file(), f"no installed sim script at {SCRIPT} (pip install -e . makes it)"
    res = subprocess.run(
        [str(SCRIPT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return res


def test_pages_made_by_the_sim_script_say_sim(tmp_path):
    """Simulate twice and compare with ``sim``: the run page, the comparison page and the
    advice for a trace that cannot be read say ``sim report``, never ``python -m sim``."""
    quick = ["process=mmc", "scenario.replications=2", "progress=false", "output.trace=true"]
    runs = [tmp_path / "two", tmp_path / "three"]
    _sim(tmp_path, "simulate", *quick, f"hydra.run.dir={runs[0]}")
    _sim(
        tmp_path,
        "simulate",
        *quick,
        "process.roles.server.headcount=3",
        f"hydra.run.dir={runs[1]}",
    )
    cmp = tmp_path / "cmp"
    _sim(tmp_path, "compare", f"runs=[{runs[0]},{runs[1]}]", f"hydra.run.dir={cmp}")
    for run in (runs[0], cmp):
        assert json.loads((run / "run.json").read_text())["argv"][0] == "sim"
    page = (runs[0] / "report.html").read_text(encoding="utf-8")
    assert f"Rebuild this page: <code>sim report run={runs[0]}</code>" in page
    compared = (cmp / "report.html").read_text(encoding="utf-8")
    assert f"Rebuild it: <code>sim report run={cmp}</code>" in compared
    for text in (page, compared):
        assert "python -m sim" not in text

    # the trace cut short: the page and the warning advise a rebuild with the same program
    trace = next(runs[0].glob("trace.*"))
    data = trace.read_bytes()
    trace.write_bytes(data[: len(data) // 2])
    with pytest.warns(ReportReadWarning) as caught:
        rebuilt = build_report(runs[0]).read_text(encoding="utf-8")
    said = " ".join(str(w.message) for w in caught)
    assert f"'sim report run={runs[0]}'" in said, said
    assert re.search(
        rf"rebuild this page \(<code>sim report run={re.escape(str(runs[0]))}", rebuilt
    )
    assert "python -m sim" not in rebuilt + said


def test_a_stopped_search_is_resumed_with_the_program_it_was_started_with(tmp_path):
    """An optimize run that stopped before its results: 'rerun the same sim optimize'."""
    run = tmp_path / "opt"
    run.mkdir()
    (run / "study.db").write_bytes(b"")
    record = {"command": "optimize", "argv": ["sim", "optimize", "redesign=staffing"]}
    (run / "run.json").write_text(json.dumps(record))
    page = build_report(run).read_text(encoding="utf-8")
    assert "rerun the same <code>sim optimize</code>" in page
    assert "python -m sim" not in page


def test_the_program_read_from_a_run_record():
    """``sim`` (or ``sim.exe``) first in ``argv`` is the script; anything else, or no record,
    is ``python -m sim``; the fonts note names it as well."""
    assert run_program({"argv": ["sim", "simulate"]}) == "sim"
    assert run_program({"argv": ["sim.exe", "report"]}) == "sim.exe"
    assert run_program({"argv": ["python", "-m", "sim", "simulate"]}) == "python -m sim"
    assert run_program({"command": "simulate"}) == "python -m sim"
    assert run_program(None) == "python -m sim"
    assert "<code>sim report run=...</code>" in missing_glyphs_note({"加"}, program="sim")
    assert "<code>python -m sim report run=...</code>" in missing_glyphs_note({"加"})


def test_a_search_by_the_sim_script_says_sim_in_its_check_command(tmp_path):
    """QA retest23b #4: recommendations.md's "To check these figures yourself" said
    ``python -m sim simulate`` to a user of ``sim``."""
    run = tmp_path / "opt"
    _sim(
        tmp_path,
        "optimize",
        "process=mmc",
        *QUICK_SEARCH,
        f"hydra.run.dir={run}",
    )
    text = (run / "recommendations.md").read_text(encoding="utf-8")
    assert "`sim simulate process=best/" in text and "python -m sim" not in text
