"""A sweep stopped before any of its jobs finished does not say "the finished ones are kept"
when it says how to rerun it (QA: job 0 stopped said "rerun the same command to run the others
(the finished ones are kept)"); once a job finished, it still does."""

from __future__ import annotations

import pytest

import sim.cli.simulate as simulate
from sim.cli import main as cli
from sim.cli import sweep
from tests.simcli import TINY_MMC

TINY = list(TINY_MMC)


pytestmark = pytest.mark.usefixtures("keep_cli_process_state")


def _sweep_stopped_in_job(stopped_at: int, monkeypatch, capsys, *args: str) -> str:
    """stderr of a simulate sweep of two seeds whose job ``stopped_at`` gets Ctrl-C (the jobs
    before it run)."""
    real = simulate.run
    calls = []

    def run(*a, **k):
        calls.append(1)
        if len(calls) - 1 == stopped_at:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(simulate, "run", run)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["simulate", "--multirun", *TINY, "seed=1,2", *args])
    assert stopped.value.code == 130
    return capsys.readouterr().err


def test_job_0_stopped_says_to_rerun_the_sweep_keeping_nothing(tmp_path, monkeypatch, capsys):
    err = _sweep_stopped_in_job(0, monkeypatch, capsys, f"hydra.sweep.dir={tmp_path / 's'}")
    said = "did not finish, nor did any job of the sweep before it; rerun the same command to "
    assert said + "run the sweep\n" in err
    assert "kept" not in err and "the others" not in err


def test_job_0_stopped_in_a_dated_sweep_dir_names_it_keeping_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    err = _sweep_stopped_in_job(0, monkeypatch, capsys)
    assert "; to run the sweep, rerun the same command with hydra.sweep.dir=" in err
    assert "kept" not in err and "the others" not in err


def test_job_1_stopped_after_job_0_finished_says_the_finished_ones_are_kept(
    tmp_path, monkeypatch, capsys
):
    err = _sweep_stopped_in_job(1, monkeypatch, capsys, f"hydra.sweep.dir={tmp_path / 's'}")
    assert "the jobs of the sweep that finished are saved" in err
    assert "rerun the same command to run the others (the finished ones are kept)" in err


def test_a_sweep_stopped_in_hydra_before_any_job_keeps_nothing(tmp_path, monkeypatch, capsys):
    s = tmp_path / "s"

    def app(*_args, **_kwargs):
        sweep.LAUNCHED[:] = [s]  # as SweepJobs.on_multirun_start does
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run_app", app)
    with pytest.raises(SystemExit):
        cli.main(["simulate", "--multirun", "seed=1,2", f"hydra.sweep.dir={s}"])
    err = capsys.readouterr().err
    said = "interrupted before any job of the sweep finished; rerun the same command to run "
    assert said + "the sweep\n" in err and "kept" not in err


def test_a_job_stopped_just_after_its_record_said_finished_is_not_said_unfinished(
    tmp_path, monkeypatch, capsys
):
    """QA retest: Ctrl-C as job 0 printed its report path: "job 0 (...): did not finish",
    while its run.json said finished and a rerun kept it."""
    from sim.cli import common

    real = common.finish_run_record

    def finished_then_stopped(run_dir):
        real(run_dir)
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "finish_run_record", finished_then_stopped)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["simulate", "--multirun", *TINY, "seed=1,2", f"hydra.sweep.dir={tmp_path / 's'}"])
    assert stopped.value.code == 130
    err = capsys.readouterr().err
    assert "job 0 (" in err and "finished just before; the jobs that finished are saved" in err
    assert "did not finish" not in err
