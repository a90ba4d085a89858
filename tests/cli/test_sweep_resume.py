"""Rerunning an interrupted ``--multirun`` into its sweep directory resumes it: the jobs that
finished (same config) are kept untouched, the others run, and the comparison covers every job,
as one uninterrupted sweep's would (QA: the rerun was refused, "already holds files", and
``output.overwrite=true`` ran every job again). A rerun with other overrides stays refused."""

from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.simcli import run_sim, start_sim_until_its_task_runs

TINY = [
    "process=mmc",
    "scenario.replications=2",
    "scenario.horizon_days=2",
    "progress=false",
    "output.report=false",
]


def simulate_sweep(sweep_dir: Path, seeds: str = "1,2,3", *more: str):
    """A tiny ``simulate --multirun`` of three seeds into ``sweep_dir``."""
    return run_sim("--multirun", *TINY, f"seed={seeds}", f"hydra.sweep.dir={sweep_dir}", *more)


def files_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and modification time (ns), by relative path."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def interrupted(job: Path) -> None:
    """``job`` as a sweep stopped during it leaves it: its record says interrupted (the process
    that wrote it has ended) and no result is written yet."""
    record = json.loads((job / "run.json").read_text(encoding="utf-8"))
    (job / "run.json").write_text(json.dumps(record | {"status": "interrupted"}), encoding="utf-8")
    for p in job.iterdir():
        if p.is_file() and p.name not in ("run.json", "config.yaml", "main.log"):
            p.unlink()


# the basic launcher runs the jobs in this process; joblib's in others, which keep jobs there
@pytest.mark.parametrize("launcher", [[], ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]])
def test_a_rerun_of_an_interrupted_sweep_keeps_its_finished_jobs_and_runs_the_rest(
    tmp_path, launcher
):
    s = tmp_path / "s"
    first = simulate_sweep(s)
    assert first.returncode == 0, first.stderr
    whole = {n: (s / n).read_bytes() for n in ("comparison.csv", "comparison.md")}
    results = {j: (s / j / "kpis.json").read_bytes() for j in ("1", "2")}
    interrupted(s / "1")  # stopped during job 1: job 2 never started
    shutil.rmtree(s / "2")
    kept = files_of(s / "0")

    again = simulate_sweep(s, "1,2,3", *launcher)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("finished earlier, kept") == 1
    assert "seed=1): finished earlier, kept" in again.stderr
    assert f"{s / '1'}: taking over this job's own unfinished run" in again.stderr
    assert "1 of its 3 jobs finished earlier and were kept, 2 finished now" in again.stderr
    assert files_of(s / "0") == kept  # byte for byte, times too
    # the numbers of one uninterrupted sweep: same seeds, same results, same comparison
    assert {j: (s / j / "kpis.json").read_bytes() for j in ("1", "2")} == results
    assert {n: (s / n).read_bytes() for n in whole} == whole
    assert "=== 2 scenarios of the sweep against seed=1 (job 0) ===" in again.stdout
    record = json.loads((s / "2" / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "finished"
    assert record["overrides"][-1] == "seed=3"  # the job's own values...
    assert "seed=1,2,3" in record["argv"]  # ...beside the sweep's command line
    # compare sweep= counts the kept job among the sweep's last launch
    res = run_sim("compare", f"sweep={s}", "output.report=false", f"hydra.run.dir={tmp_path / 'c'}")
    assert res.returncode == 0, res.stderr
    assert "left out" not in res.stderr
    assert (tmp_path / "c" / "comparison.csv").read_bytes() == whole["comparison.csv"]


def test_a_rerun_of_a_sweep_with_other_overrides_is_refused_naming_them(tmp_path):
    s = tmp_path / "s"
    assert simulate_sweep(s).returncode == 0
    shutil.rmtree(s / "2")
    before = files_of(s)
    res = simulate_sweep(s, "1,2,4")
    assert res.returncode == 2
    assert "the earlier sweep had seed=1,2,3; this one has seed=1,2,4" in res.stderr
    assert "choose another hydra.sweep.dir" in res.stderr
    assert files_of(s) == before and not (s / "2").exists()


def small_log(path: Path, cases: int = 40) -> Path:
    """``cases`` cases a -> b, four a day, two clerks."""
    lines = ["case_id,activity,start_time,end_time,resource"]
    for i in range(cases):
        day, h = f"2020-01-{1 + i // 4:02d}", 9 + i % 4
        lines += [f"{i},a,{day} {h}:00,{day} {h}:10,r1", f"{i},b,{day} {h}:20,{day} {h}:40,r2"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_calibrate_sweep_resumes_and_keeps_a_job_whose_log_changed_since(tmp_path):
    log = small_log(tmp_path / "log.csv")
    s = tmp_path / "s"
    args = ["calibrate", "--multirun", f"log={log}", "backtest.enabled=false"]
    args += ["output.report=false", "progress=false", "seed=1,2", f"hydra.sweep.dir={s}"]
    assert run_sim(*args).returncode == 0
    shutil.rmtree(s / "1")
    kept = files_of(s / "0")
    res = run_sim(*args)
    assert res.returncode == 0, res.stderr
    assert "seed=1): finished earlier, kept" in res.stderr
    assert files_of(s / "0") == kept and (s / "1" / "model.yaml").is_file()
    # the log changed since job 0 calibrated it: that job is neither kept nor run over
    small_log(log, cases=44)
    shutil.rmtree(s / "1")
    res = run_sim(*args)
    assert res.returncode == 2
    assert f"{s / '0'}: holds a finished calibrate run that differs from this job" in res.stderr
    assert f"its input {log} has changed since" in res.stderr
    assert files_of(s / "0") == kept and (s / "1" / "model.yaml").is_file()


def test_a_sweep_stopped_by_ctrl_c_says_a_rerun_resumes_it(tmp_path):
    s = tmp_path / "s"
    args = ["process=mmc", "scenario.horizon_days=2", "workers=1", "progress=false"]
    proc = start_sim_until_its_task_runs(
        "--multirun",
        *args,
        "scenario.replications=5000,2",
        f"hydra.sweep.dir={s}",
        record=s / "0" / "run.json",
    )
    time.sleep(0.5)  # into the replications
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted: job 0 (" in err and "did not finish" in err
    assert "rerun the same command to run the sweep" in err and "kept" not in err
    assert json.loads((s / "0" / "run.json").read_text())["status"] == "interrupted"


def test_a_simulate_sweep_whose_model_file_changed_since_does_not_keep_its_jobs(tmp_path):
    """Review 2026-12-05: after the model file was edited, a resumed sweep kept the job run on
    the old model and compared it, 'paired', with one run on the new (a service time halved
    read as a staffing effect)."""
    model = tmp_path / "m.yaml"
    model.write_text((REPO / "configs" / "process" / "mmc.yaml").read_text())
    s = tmp_path / "s"
    args = ["--multirun", *TINY[1:], f"process={model}", "seed=1,2", f"hydra.sweep.dir={s}"]
    assert run_sim(*args).returncode == 0, "the first sweep"
    kept = files_of(s / "0")
    model.write_text(model.read_text().replace("mean: 1.6", "mean: 0.8"))
    interrupted(s / "1")
    res = run_sim(*args)
    assert res.returncode == 2
    assert f"{s / '0'}: holds a finished simulate run that differs from this job" in res.stderr
    assert f"its input {model} has changed since" in res.stderr
    assert files_of(s / "0") == kept


def test_a_job_stopped_after_writing_part_of_its_results_is_run_again(tmp_path):
    """QA4a: a job interrupted after its kpis.json (before its report) blocked the resume:
    'already holds results'. Its own unfinished run is taken over."""
    s = tmp_path / "s"
    assert simulate_sweep(s).returncode == 0
    whole = (s / "1" / "kpis.json").read_bytes()
    record = json.loads((s / "1" / "run.json").read_text(encoding="utf-8"))
    (s / "1" / "run.json").write_text(json.dumps(record | {"status": "interrupted"}))
    (s / "1" / "model.yaml").unlink()  # stopped before it was written
    kept = files_of(s / "0")
    res = simulate_sweep(s)
    assert res.returncode == 0, res.stderr
    assert "taking over this job's own unfinished run (status interrupted" in res.stderr
    assert (s / "1" / "kpis.json").read_bytes() == whole
    assert (s / "1" / "model.yaml").is_file() and files_of(s / "0") == kept
