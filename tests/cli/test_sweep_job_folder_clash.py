"""Two jobs of one ``--multirun`` named into one folder (``hydra.sweep.subdir=${seed}`` in a
sweep of another key): the sweep is refused before any job runs, exit status 2, naming both
jobs and the folder (QA: the second job's refusal was hidden, exit 0, its ``.hydra/`` replaced
the first's and the sweep compared the folder with itself). Where the folders cannot be told
beforehand, the job that wrote into another's folder counts as failed and the first's
``.hydra/`` is put back."""

from __future__ import annotations

import yaml
from omegaconf import OmegaConf

from sim.cli.sweep import FAILED_JOBS, SweepJobs
from tests.simcli import run_sim

QUICK = ("scenario.replications=2", "scenario.horizon_days=7", "workers=1", "seed=7")


def test_a_sweep_whose_jobs_share_a_folder_is_refused_before_any_runs(tmp_path):
    sweep = tmp_path / "sweep"
    done = run_sim(
        "simulate",
        "--multirun",
        *QUICK,
        "scenario.staffing.legal=1,2",
        "hydra.sweep.subdir=${seed}",
        f"hydra.sweep.dir={sweep}",
    )
    assert done.returncode == 2, done.stderr
    assert "jobs 0 (" in done.stderr and "legal=1) and 1 (" in done.stderr
    assert f"{sweep}/7" in done.stderr and "no job was run" in done.stderr
    assert not sweep.exists()  # nothing written: no job folder, no self-comparison


def test_a_sweep_whose_subdir_names_each_job_apart_runs(tmp_path):
    sweep = tmp_path / "sweep"
    done = run_sim(
        "simulate",
        "--multirun",
        *QUICK,
        "scenario.staffing.legal=1,2",
        "hydra.sweep.subdir=legal${scenario.staffing.legal}",
        f"hydra.sweep.dir={sweep}",
    )
    assert done.returncode == 0, done.stderr
    assert (sweep / "legal1" / "kpis.json").is_file() and (sweep / "legal2" / "kpis.json").is_file()
    assert (sweep / "comparison.csv").is_file()


def _hydra_yaml(folder, num, legal):
    (folder / ".hydra").mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"hydra": {"job": {"num": num}}, "legal": legal})
    (folder / ".hydra" / "overrides.yaml").write_text(text)
    (folder / ".hydra" / "hydra.yaml").write_text(text)


def _job_config(folder, num):
    return OmegaConf.create(
        {"hydra": {"runtime": {"output_dir": str(folder)}, "job": {"num": num}}}
    )


def test_a_job_that_wrote_into_another_jobs_folder_did_not_finish(tmp_path):
    """The in-process launcher's path when the folders could not be told before the sweep."""
    sweep = tmp_path / "sweep"
    folder = sweep / "7"
    jobs = SweepJobs("simulate")
    jobs.on_multirun_start(OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}}))
    _hydra_yaml(folder, 0, 1)
    (folder / "kpis.json").write_text("{}")
    jobs.on_job_end(_job_config(folder, 0), None)
    _hydra_yaml(folder, 1, 2)  # Hydra rewrites .hydra/ for job 1, which is then refused
    jobs.on_job_end(_job_config(folder, 1), None)
    assert "legal: 1" in (folder / ".hydra" / "overrides.yaml").read_text()  # job 0's, back
    assert jobs.finished(jobs.job_dirs(sweep)) == [folder]  # once: no self-comparison
    assert FAILED_JOBS == [folder]


def test_a_launched_job_that_left_no_folder_of_its_own_did_not_finish(tmp_path, capsys):
    """A launcher running jobs elsewhere (joblib): the folders are found on disk, one for two
    jobs; the sweep knew it launched two."""
    sweep = tmp_path / "sweep"
    jobs = SweepJobs("simulate")
    jobs.on_multirun_start(OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}}))
    jobs.launched = 2
    _hydra_yaml(sweep / "7", 0, 1)
    (sweep / "7" / "kpis.json").write_text("{}")
    assert jobs.finished(jobs.job_dirs(sweep)) == [sweep / "7"]
    assert FAILED_JOBS  # exit status 2
    assert "1 of the sweep's 2 jobs did not finish" in capsys.readouterr().err
