"""Ctrl-C in the first seconds of a command, before Hydra starts the app, exits 130 with one
line, not a traceback through the import it landed in, and has written nothing; a sweep stopped
before any of its jobs finished does not say that "the jobs that finished are saved" (QA)."""

from __future__ import annotations

import pytest

from sim.cli import main as cli
from sim.cli import sweep

pytestmark = pytest.mark.usefixtures("keep_cli_process_state")


def _ctrl_c(*_args, **_kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("multirun", [True, False])
def test_ctrl_c_before_hydra_starts_exits_130_in_one_line_and_writes_nothing(
    tmp_path, monkeypatch, capsys, multirun
):
    monkeypatch.setattr(cli, "_check_before_hydra", _ctrl_c)
    target = tmp_path / "out"
    args = (
        ["--multirun", "seed=1,2", f"hydra.sweep.dir={target}"]
        if multirun
        else [f"hydra.run.dir={target}"]
    )
    with pytest.raises(SystemExit) as info:
        cli.main(["simulate", *args])
    assert info.value.code == 130
    err = capsys.readouterr().err
    assert err.strip() == "interrupted before any run started; nothing was written"
    assert not target.exists()  # the lock's directory went with the lock
    assert list(tmp_path.iterdir()) == []


def _stopped_in_hydra(monkeypatch, capsys, sweep_dir, *, finished: int = 0) -> str:
    def app(*_args, **_kwargs):
        sweep.LAUNCHED[:] = [sweep_dir]  # as SweepJobs.on_multirun_start does
        for num in range(finished):  # what a finished job of simulate leaves
            (sweep_dir / str(num)).mkdir(parents=True)
            (sweep_dir / str(num) / "kpis.json").write_text("{}", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run_app", app)
    with pytest.raises(SystemExit) as info:
        cli.main(["simulate", "--multirun", "seed=1,2", f"hydra.sweep.dir={sweep_dir}"])
    assert info.value.code == 130
    return capsys.readouterr().err


def test_a_sweep_stopped_before_any_job_finished_claims_no_saved_jobs(
    tmp_path, monkeypatch, capsys
):
    err = _stopped_in_hydra(monkeypatch, capsys, tmp_path / "sweep")
    assert "saved" not in err
    assert "interrupted before any job of the sweep finished" in err


def test_a_sweep_stopped_after_a_job_finished_says_it_is_saved(tmp_path, monkeypatch, capsys):
    err = _stopped_in_hydra(monkeypatch, capsys, tmp_path / "sweep", finished=1)
    assert "interrupted; the jobs that finished are saved; rerun the same command" in err
