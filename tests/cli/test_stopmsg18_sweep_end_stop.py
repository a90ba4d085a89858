"""A sweep stopped as it ends, every job finished, says what is missing (QA signals18 #4): a
SIGTERM while a simulate sweep wrote its comparison said "rerun the same command to run the
others (the finished ones are kept)" when no job was left to run; only the comparison was
missing, and a rerun writes it."""

from __future__ import annotations

import pytest

import sim.cli.compare as compare
import sim.cli.simulate as simulate
from sim.cli import main as cli
from sim.cli import sweep
from sim.errors import ConfigError
from tests.simcli import TINY_MMC

TINY = list(TINY_MMC)

pytestmark = pytest.mark.usefixtures("keep_cli_process_state")


def _stopped_in_write_comparison(stop: BaseException, monkeypatch, capsys, *args: str):
    """Exit status and stderr of a simulate sweep (``args``) that gets ``stop`` as it writes its
    comparison (what the SIGTERM handler raises there)."""

    def write_comparison(*_a, **_k):
        raise stop

    with monkeypatch.context() as m, pytest.raises(SystemExit) as stopped:
        m.setattr(compare, "write_comparison", write_comparison)
        cli.main(["simulate", "--multirun", *TINY, *args])
    return stopped.value.code, capsys.readouterr().err


def test_sigterm_as_the_comparison_is_written_says_it_is_missing_and_a_rerun_writes_it(
    tmp_path, monkeypatch, capsys
):
    s = tmp_path / "s"
    code, err = _stopped_in_write_comparison(
        cli.SweepTerminated(), monkeypatch, capsys, "seed=1,2,3", f"hydra.sweep.dir={s}"
    )
    assert code == 143
    said = (
        "terminated (SIGTERM) as the sweep ended: all 3 of its jobs finished and are saved, but "
        "the comparison of their results is not written (or not in full); rerun the same "
        "command to write it (the finished jobs are kept, none runs again)"
    )
    assert said in err, err
    assert "the others" not in err and "did not finish" not in err, err
    assert not (s / "comparison.csv").exists()

    # what it says holds: the rerun keeps the three jobs and writes the comparison
    cli.main(["simulate", "--multirun", *TINY, "seed=1,2,3", f"hydra.sweep.dir={s}"])
    err = capsys.readouterr().err
    assert "3 of its 3 jobs finished earlier and were kept, 0 finished now" in err, err
    assert (s / "comparison.csv").is_file()


def test_ctrl_c_there_in_a_dated_sweep_dir_names_the_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, err = _stopped_in_write_comparison(KeyboardInterrupt(), monkeypatch, capsys, "seed=1,2")
    assert code == 130
    assert "interrupted as the sweep ended: all 2 of its jobs finished and are saved" in err, err
    assert "rerun the same command with hydra.sweep.dir=" in err and "to write it" in err, err
    assert "the others" not in err, err


def test_a_stop_there_after_a_job_failed_still_says_to_run_the_others(
    tmp_path, monkeypatch, capsys
):
    # the comparison of the two that finished is being written: the failed one is left to run
    real = simulate.run
    calls = []

    def run(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise ConfigError("scenario: a bad value of this job")
        return real(*a, **k)

    monkeypatch.setattr(simulate, "run", run)
    s = tmp_path / "s"
    code, err = _stopped_in_write_comparison(
        cli.SweepTerminated(), monkeypatch, capsys, "seed=1,2,3", f"hydra.sweep.dir={s}"
    )
    assert code == 143
    assert "1 of the sweep's 3 jobs did not finish" in err, err
    said = "terminated (SIGTERM); the jobs that finished are saved; rerun the same command to run "
    assert said + "the others (the finished ones are kept)" in err, err
    assert "as the sweep ended" not in err, err


def test_a_one_job_sweep_stopped_as_it_ends_has_nothing_left_to_run(tmp_path, monkeypatch, capsys):
    # no comparison for one job: only the note of the jobs that did not finish is left to do
    real = sweep.SweepJobs.finished

    def finished_then_stopped(self, dirs):
        real(self, dirs)
        raise cli.SweepTerminated

    monkeypatch.setattr(sweep.SweepJobs, "finished", finished_then_stopped)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["simulate", "--multirun", *TINY, "seed=1", f"hydra.sweep.dir={tmp_path / 's'}"])
    assert stopped.value.code == 143
    err = capsys.readouterr().err
    said = "terminated (SIGTERM) as the sweep ended: its job finished and is saved; nothing is "
    assert said + "left to run" in err, err
    assert "rerun" not in err, err
