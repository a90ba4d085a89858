"""Commands the command line prints for a run directory with a space or a quote are
shell-quoted, so that pasted they run (QA retest23b: the report-retry warning and the message of
a run directory another run holds printed them unquoted)."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from sim.cli import report
from sim.cli.runlock import RunDirBusy, lock_run_dir, unlock_run_dir


def test_the_report_retry_warning_pastes_as_one_run_argument(tmp_path, monkeypatch, capsys):
    run = tmp_path / "it's a run"
    run.mkdir()

    def broken(*_args, **_kwargs):
        raise RuntimeError("no figures today")

    monkeypatch.setattr(report, "_build_and_say", broken)
    assert report.build(run) is None
    err = capsys.readouterr().err
    pasted = err.split("the results are written; ", 1)[1].rsplit(" retries it", 1)[0]
    assert shlex.split(pasted)[-2:] == ["report", f"run={run}"]


HOLDER = """
import pathlib, sys, time
from sim.cli.runlock import lock_run_dir
lock_run_dir(pathlib.Path(sys.argv[1]), command="simulate", argv=sys.argv[2:])
print("locked", flush=True)
time.sleep(600)
"""


def test_the_busy_message_shows_the_holders_command_as_it_pastes(tmp_path):
    run = tmp_path / "lock d'ir"
    argv = ["simulate", f"hydra.run.dir={run}"]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(run), *argv], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunDirBusy) as busy:
            lock_run_dir(run, command="simulate")
        said = str(busy.value)
        quoted = shlex.join(argv)
        assert quoted in said, said
    finally:
        holder.kill()
        holder.wait()
    assert lock_run_dir(run, command="simulate")
    unlock_run_dir(run)


def test_report_says_why_it_could_not_write_the_page(tmp_path):
    """QA retest23c #5: `sim report run=<dir>`, which the retry warning suggests, stopped with a
    traceback (exit 1) where report.html could not be written (here: a directory)."""
    from tests.simcli import run_sim

    run = tmp_path / "run"
    quick = ["process=mmc", "scenario.replications=2", "scenario.horizon_days=7"]
    res = run_sim(
        "simulate", *quick, "progress=false", "output.report=false", f"hydra.run.dir={run}"
    )
    assert res.returncode == 0, res.stderr
    (run / "report.html").mkdir()
    res = run_sim("report", f"run={run}")
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert f"could not write the report: Is a directory ({run / 'report.html'})" in res.stderr
