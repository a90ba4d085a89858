"""QA rt27_files F6, F7, F8.

F6: after ``simulate --multirun ... hydra.sweep.dir=outputs`` every later single run into its
default folder, ``outputs/simulate/<date>``, was refused as "job folder simulate/<date>" of that
sweep: any ``multirun.yaml`` above a run's folder made it the sweep's. Now the sweep's own
records decide (its jobs' ``.hydra/``, its ``multirun.yaml``'s subdir and job numbers): its job
folders, what lies in them and its own folder's entries stay refused, a new folder deeper in the
sweep's folder and in none of its jobs runs.

F7: ``process=loan.gz``, a log in the current folder named without a model suffix, said "not a
bundled process nor a file"; with ``./loan.gz`` the calibrate advice appeared. Both now do.

F8: "gzip-compressed an XES log"; ``loan.CSV.GZ.txt`` told to be renamed
``loan.CSV.GZ.csv.gz``; ``SW/0/../1`` named the sweep "SW/0/.."; ``SW/new``, no job folder, told
"a rerun of the sweep would refuse its folder".
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from sim.cli.main import rewrite_process_override
from sim.cli.sweep import sweep_folder_refusal, sweep_job_record
from sim.model.io import event_log_name_by_content
from tests.conftest import CONFIGS
from tests.simcli import QUICK_SIMULATE, run_sim

CSV_LOG = b"case,activity,start,end,resource\n1,a,2026-01-05 09:00,2026-01-05 10:00,ann\n" * 3
XES_LOG = b'<?xml version="1.0"?><log xes.version="1.0"><trace></trace></log>'


@pytest.fixture(autouse=True)
def _no_hydra_job_here(monkeypatch):
    """This test process is no ``--multirun`` job: an in-process sweep that an earlier test ran
    in it leaves Hydra's job config set (a real run is a fresh process), and
    ``sweep_folder_refusal`` lets a sweep's own job write into its folder."""
    from hydra.core.hydra_config import HydraConfig

    monkeypatch.setattr(HydraConfig.instance(), "cfg", None)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A folder whose two-job simulate sweep went into ``outputs`` (QA's P2)."""
    folder = tmp_path_factory.mktemp("p2")
    res = run_sim(
        "simulate",
        "--multirun",
        "process=mmc",
        "scenario.staffing.server=2,3",
        *QUICK_SIMULATE,
        "hydra.sweep.dir=outputs",
        cwd=folder,
    )
    assert res.returncode == 0, res.stderr
    assert (folder / "outputs" / "multirun.yaml").is_file()
    return folder


def test_a_default_single_run_after_a_sweep_into_outputs_runs(project):
    res = run_sim("simulate", "process=mmc", *QUICK_SIMULATE, cwd=project)
    assert res.returncode == 0, res.stdout + res.stderr
    runs = list((project / "outputs" / "simulate").iterdir())
    assert len(runs) == 1 and (runs[0] / "kpis.json").is_file()
    # its folder is still none of the sweep's, so the run after it writes beside it
    assert sweep_folder_refusal(runs[0].parent / "later") is None
    # as the records say: a single run's, not a job's (``compare sweep=`` reads them so)
    assert sweep_job_record(runs[0]) is False
    assert sweep_job_record(project / "outputs" / "0") is True
    assert sweep_job_record(project / "outputs" / "simulate") is None


@pytest.mark.parametrize(
    ("typed", "what"),
    [
        ("outputs/0", "job folder 0"),
        ("outputs/1/sub", "folder 1/sub in job folder 1"),
        ("outputs/0/new/deeper", "folder 0/new/deeper in job folder 0"),
        ("outputs/0/../1", "job folder 1"),  # the sweep named as typed, without its ..
    ],
)
def test_a_sweeps_job_folders_stay_refused(project, monkeypatch, typed, what):
    monkeypatch.chdir(project)
    said = sweep_folder_refusal(Path(typed))
    assert said is not None
    assert said.startswith(
        f"hydra.run.dir={typed}: is {what} of the --multirun sweep in outputs (its multirun.yaml)"
    )
    assert said.endswith(
        "rerun the sweep with --multirun hydra.sweep.dir=outputs to resume it "
        "(other overrides: into another hydra.sweep.dir)"
    )


@pytest.mark.parametrize(
    ("name", "own"), [("new", ""), ("2", ""), ("report", " (the sweep's own)")]
)
def test_a_folder_beside_the_jobs_is_refused_as_none_of_them(project, monkeypatch, name, own):
    monkeypatch.chdir(project)
    said = sweep_folder_refusal(Path("outputs") / name)
    assert said == (
        f"hydra.run.dir=outputs/{name}: is folder {name}{own} in the folder of the --multirun "
        "sweep in outputs (its multirun.yaml), not one of its job folders; a single run does "
        "not write into a sweep's folder, beside its jobs, not even with "
        "output.overwrite=true: choose another hydra.run.dir (a new or empty directory)"
    )


#: QA's logs named without a model suffix: gzip CSV, semicolon CSV, gzip XES
LOGS = {
    "loan.gz": gzip.compress(CSV_LOG),
    "loan.csv.gz": gzip.compress(CSV_LOG),
    "semi.txt": CSV_LOG.replace(b",", b";"),
    "hx": gzip.compress(XES_LOG),
}


@pytest.mark.parametrize("name", list(LOGS))
def test_a_bare_name_of_a_file_here_is_that_file(tmp_path, monkeypatch, name):
    (tmp_path / name).write_bytes(LOGS[name])
    monkeypatch.chdir(tmp_path)
    out = rewrite_process_override([f"process={name}"], CONFIGS)
    assert out == ["process=_from_file", f"process.path={tmp_path / name}"]


def test_simulate_of_a_bare_log_name_gives_the_calibrate_advice(tmp_path):
    (tmp_path / "loan.gz").write_bytes(gzip.compress(CSV_LOG))
    said = [
        run_sim("simulate", f"process={v}", "progress=false", cwd=tmp_path)
        for v in ("loan.gz", "./loan.gz")
    ]
    assert [r.returncode for r in said] == [2, 2]
    assert said[0].stderr == said[1].stderr
    assert "not a bundled process" not in said[0].stderr
    assert "rename it loan.csv.gz, then calibrate" in said[0].stderr


def test_a_gzipped_xes_log_and_a_log_with_suffixes_are_named_right(tmp_path):
    hx = tmp_path / "hx"
    hx.write_bytes(gzip.compress(XES_LOG))
    assert event_log_name_by_content(hx) == (
        tmp_path / "hx.xes.gz",
        "a gzip-compressed XES log: its XML holds a <log> element",
    )
    upper = tmp_path / "loan.CSV.GZ.txt"
    upper.write_bytes(gzip.compress(CSV_LOG))
    found = event_log_name_by_content(upper)
    assert found is not None and found[0] == tmp_path / "loan.csv.gz"
    assert found[1].startswith("gzip-compressed CSV text: ")
