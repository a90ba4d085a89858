"""SweepJobs tells this multirun's results from an earlier sweep's in the same directory."""

from __future__ import annotations

import os

import yaml
from omegaconf import OmegaConf

from sim.cli.sweep import FAILED_JOBS, SweepJobs


def _job(folder, num, finished=True, sweep="earlier"):
    """A job folder as Hydra and ``simulate`` leave it. ``sweep`` makes each writing differ in
    size: file times tick in jiffies, so two writings in a row can carry the same time. Names of
    one length ("first", "rerun") left the rerun's files alike but for a time that, on kernels
    without fine-grained file times (before 6.13), was the earlier writing's: both tests failed."""
    (folder / ".hydra").mkdir(parents=True, exist_ok=True)
    config = {"hydra": {"job": {"num": num}}, "sweep": sweep}
    (folder / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump(config))
    if finished:
        (folder / "kpis.json").write_text(f'{{"sweep": "{sweep}"}}')


def _multirun(sweep_dir):
    return OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep_dir)}}})


def test_a_result_written_just_before_the_rerun_is_not_the_reruns(tmp_path, monkeypatch):
    """CI once saw a rerun (output.overwrite=true) started within a second of the earlier sweep
    count that sweep's kpis.json as its own failed job's result: freshness went by the clock."""
    monkeypatch.chdir(tmp_path)
    sweep = tmp_path / "sweep"
    _job(sweep / "0", 0)
    _job(sweep / "1", 1)
    jobs = SweepJobs("simulate")
    jobs.on_multirun_start(_multirun("sweep"))  # relative, as hydra.sweep.dir often is
    _job(sweep / "0", 0, sweep="rerun")  # job 0 runs again and finishes
    _job(sweep / "1", 1, finished=False, sweep="rerun")  # job 1 fails before its kpis.json
    dirs = jobs.job_dirs(sweep)  # the joblib path: jobs found by the .hydra/ they wrote
    assert [d.name for d in dirs] == ["0", "1"]
    assert jobs.finished(dirs) == [sweep / "0"]
    assert FAILED_JOBS == [sweep / "1"]


def test_an_old_job_folder_the_rerun_did_not_touch_is_not_its_job(tmp_path):
    sweep = tmp_path / "sweep"
    for num in range(3):
        _job(sweep / str(num), num)
    jobs = SweepJobs("simulate")
    jobs.on_multirun_start(_multirun(sweep))
    _job(sweep / "0", 0, finished=False, sweep="rerun")
    os.utime(sweep / "0" / "kpis.json", ns=(1, 1))  # rewritten, even with an older clock
    assert [d.name for d in jobs.job_dirs(sweep)] == ["0"]
    assert jobs.finished(jobs.job_dirs(sweep)) == [sweep / "0"]
