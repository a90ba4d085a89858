"""A sweep's job finished when its run record says so, not when its main result is there:
calibrate writes model.yaml before its back-test, so a job stopped or failed in the back-test
holds one. A sweep stopped there said "the jobs of the sweep that finished are saved" with no
job finished (QA), a job whose back-test failed counted as finished (exit status 0), and a
rerun of that sweep refused such a job ("already holds results") instead of running it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.cli import calibrate, sweep
from sim.cli import main as cli
from sim.cli.sweep import SweepJobs, job_finished
from sim.errors import SimError

pytestmark = pytest.mark.usefixtures("keep_cli_process_state")


def small_log(path: Path, cases: int = 40) -> Path:
    """``cases`` cases a -> b, four a day, two clerks."""
    lines = ["case_id,activity,start_time,end_time,resource"]
    for i in range(cases):
        day, h = f"2020-01-{1 + i // 4:02d}", 9 + i % 4
        lines += [f"{i},a,{day} {h}:00,{day} {h}:10,r1", f"{i},b,{day} {h}:20,{day} {h}:40,r2"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _calibrate_sweep(tmp_path: Path, monkeypatch, backtest) -> tuple[int, Path]:
    """A ``calibrate --multirun`` of two seeds in this process, its back-test ``backtest``;
    its exit status and sweep directory."""
    monkeypatch.setattr(calibrate, "backtest", backtest)
    s = tmp_path / "s"
    log = small_log(tmp_path / "log.csv")
    args = ["calibrate", "--multirun", f"log={log}", "backtest.train_fraction=0.5"]
    args += ["output.report=false", "progress=false", "seed=1,2", f"hydra.sweep.dir={s}"]
    try:
        cli.main(args)
    except SystemExit as exc:
        return exc.code, s
    return 0, s


def _record(job: Path) -> dict:
    return json.loads((job / "run.json").read_text(encoding="utf-8"))


def test_a_sweep_stopped_in_job_0s_back_test_claims_no_saved_jobs(tmp_path, monkeypatch, capsys):
    def ctrl_c(*_args, **_kwargs):
        raise KeyboardInterrupt

    code, s = _calibrate_sweep(tmp_path, monkeypatch, ctrl_c)
    err = capsys.readouterr().err
    assert code == 130, err
    assert (s / "0" / "model.yaml").is_file()  # written before the back-test
    assert _record(s / "0")["status"] == "interrupted"
    assert "interrupted: job 0 (" in err
    assert "did not finish, nor did any job of the sweep before it" in err
    assert "saved" not in err
    assert not (s / "1").exists()


def test_a_job_whose_back_test_failed_is_named_as_not_finished(tmp_path, monkeypatch, capsys):
    def fails(*_args, **_kwargs):
        raise SimError("no held-out case could be simulated")

    code, s = _calibrate_sweep(tmp_path, monkeypatch, fails)
    err = capsys.readouterr().err
    assert code == 2, err
    for job in ("0", "1"):
        assert (s / job / "model.yaml").is_file()
        assert _record(s / job)["status"] == "failed"
    assert "note: 2 of the sweep's 2 jobs did not finish" in err
    assert f"{s / '0'}, {s / '1'}" in err
    assert sweep.FAILED_JOBS == [s / "0", s / "1"]


def _job(folder: Path, record: dict | None, result: str = "model.yaml") -> Path:
    """A job folder holding ``result`` and, unless None, the run record ``record``."""
    folder.mkdir(parents=True)
    (folder / result).write_text("name: x\n", encoding="utf-8")
    if record is not None:
        (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("command", "result"),
    [("simulate", "kpis.json"), ("calibrate", "model.yaml"), ("optimize", "recommendations.md")],
)
@pytest.mark.parametrize(
    ("record", "finished"),
    [
        ({"status": "finished"}, True),
        ({"status": "failed", "error": "back-test: ..."}, False),
        ({"status": "interrupted"}, False),
        ({"status": "running", "pid": 1}, False),
        ({}, True),  # a record from before records held a status: the result says it
        (None, True),  # no record to read: the result says it
    ],
)
def test_a_job_is_finished_as_its_run_record_says(tmp_path, command, result, record, finished):
    given = None if record is None else record | {"command": command}
    job = _job(tmp_path / "0", given, result)
    assert job_finished(job, command) is finished
    (job / result).unlink()
    assert job_finished(job, command) is False  # a finished record without its result


def test_a_finished_record_of_another_command_is_not_this_commands(tmp_path):
    job = _job(tmp_path / "0", {"status": "finished", "command": "simulate"})
    assert not job_finished(job, "calibrate")


def test_sweep_jobs_counts_a_failed_job_with_its_result_as_not_finished(tmp_path, capsys):
    s = tmp_path / "s"
    jobs = SweepJobs("calibrate")
    jobs.on_multirun_start(OmegaConf.create({"hydra": {"sweep": {"dir": str(s)}}}))
    done = _job(s / "0", {"status": "finished", "command": "calibrate"})
    failed = _job(s / "1", {"status": "failed", "command": "calibrate"})
    assert jobs.finished([done, failed]) == [done]
    assert sweep.FAILED_JOBS == [failed]
    assert f"1 of the sweep's 2 jobs did not finish (their errors are above): {failed}" in (
        capsys.readouterr().err
    )


def test_saved_jobs_reads_the_records_of_every_command(tmp_path, monkeypatch):
    s = tmp_path / "s"
    sweep.LAUNCHED[:] = [s]
    for command, result in sweep.FINISHED.items():
        _job(s / command / "0", {"status": "interrupted", "command": command}, result)
        assert not cli._saved_jobs(command)
        _job(s / command / "1", {"status": "finished", "command": command}, result)
        assert cli._saved_jobs(command)


def test_a_rerun_resumes_a_sweep_whose_back_tests_failed_running_them_again(
    tmp_path, monkeypatch, capsys
):
    def fails(*_args, **_kwargs):
        raise SimError("no held-out case could be simulated")

    real = calibrate.backtest
    assert _calibrate_sweep(tmp_path, monkeypatch, fails)[0] == 2
    capsys.readouterr()
    # the same sweep again, its back-tests running now: neither kept nor refused, both rerun
    code, s = _calibrate_sweep(tmp_path, monkeypatch, real)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "already holds results" not in err and "finished earlier, kept" not in err
    assert err.count("taking over this job's own unfinished run (status failed") == 2
    for job in ("0", "1"):
        assert _record(s / job)["status"] == "finished"
        assert (s / job / "backtest.json").is_file()
