"""``python -m sim compare`` and the comparison a ``simulate --multirun`` writes into its sweep."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import sim_in
from tests.simcli import run_sim

SMALL = ["process=mmc", "scenario.replications=3", "scenario.horizon_days=3", "progress=false"]


def erlang_c_sojourn(lam: float, mean_service: float, c: int) -> float:
    """M/M/c mean time in system: W = C(c, a) / (c mu - lam) + 1 / mu, with Erlang's C
    C(c, a) = (a^c / c! / (1 - rho)) / (sum_{k<c} a^k / k! + a^c / c! / (1 - rho))."""
    mu = 1 / mean_service
    a, rho = lam / mu, lam / (c * mu)
    top = a**c / math.factorial(c) / (1 - rho)
    wait_prob = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return wait_prob / (c * mu - lam) + 1 / mu


def rows(path: Path) -> pd.DataFrame:
    return pd.read_csv(path / "comparison.csv").set_index(["scenario", "kpi"])


def test_a_staffing_sweep_is_compared_against_job_0_with_erlang_c_inside_the_interval(tmp_path):
    """M/M/2 against M/M/3 at lambda = 1/h, mean service 1.6 h: the paired 95 % CI of the change
    in mean cycle time holds Erlang C's -2.53 h, and a third server is 'better'."""
    sweep = tmp_path / "sweep"
    res = run_sim(
        "--multirun",
        "process=mmc",
        "scenario.staffing.server=2,3",
        "scenario.replications=10",
        "scenario.horizon_days=60",
        "progress=false",
        "output.report=false",
        f"hydra.sweep.dir={sweep}",
    )
    assert res.returncode == 0, res.stderr
    assert "baseline: scenario.staffing.server=2" in res.stdout
    table = rows(sweep)
    r = table.loc[("scenario.staffing.server=3", "cycle_time_mean")]
    theory = erlang_c_sojourn(1.0, 1.6, 3) - erlang_c_sojourn(1.0, 1.6, 2)
    assert r["ci_low"] <= theory <= r["ci_high"]
    assert r["verdict"] == "better" and bool(r["paired"])
    assert table.loc[("scenario.staffing.server=3", "headcount"), "diff"] == 1
    assert table.loc[("scenario.staffing.server=2", "cycle_time_mean"), "verdict"] == "baseline"
    scenarios = json.loads((sweep / "scenarios.json").read_text())
    assert [s["baseline"] for s in scenarios] == [True, False]
    assert "| scenario.staffing.server=3 |" in (sweep / "comparison.md").read_text()
    assert not (sweep / "report.html").exists()  # output.report=false is honoured


def test_compare_runs_with_different_seeds_are_independent_samples(tmp_path):
    runs = []
    for seed in (1, 2):
        run = tmp_path / f"seed{seed}"
        res = run_sim(*SMALL, f"seed={seed}", "output.report=false", f"hydra.run.dir={run}")
        assert res.returncode == 0, res.stderr
        runs.append(run)
    out = tmp_path / "cmp"
    res = run_sim("compare", f"runs=[{runs[0]},{runs[1]}]", "baseline=1", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    assert "independent samples (Welch)" in res.stdout
    table = rows(out)
    assert not table["paired"].any()
    assert table.loc[("seed=2", "cycle_time_mean"), "verdict"] == "baseline"
    assert (out / "report.html").is_file() and (out / "run.json").is_file()
    rebuilt = run_sim("report", f"run={out}", "figures=true")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert len(list((out / "report").glob("*.png"))) == 1


def test_runs_of_other_replications_under_one_seed_are_independent_samples(tmp_path):
    """QA 2026-12-04 #5: replications 0-2 and 3-5 of one seed share no random numbers, but
    were compared as pairs ("common random numbers")."""
    runs = []
    for first in (0, 3):
        run = tmp_path / f"from{first}"
        res = run_sim(
            *SMALL,
            "seed=1",
            f"first_replication={first}",
            "output.report=false",
            f"hydra.run.dir={run}",
        )
        assert res.returncode == 0, res.stderr
        runs.append(run)
    out = tmp_path / "cmp"
    res = run_sim("compare", f"runs=[{runs[0]},{runs[1]}]", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    assert "independent samples (Welch)" in res.stdout
    assert not rows(out)["paired"].any()


def test_the_same_run_against_itself_changes_nothing(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for run in (a, b):
        res = run_sim(*SMALL, "output.report=false", f"hydra.run.dir={run}")
        assert res.returncode == 0, res.stderr
    res = run_sim(
        "compare",
        f"runs=[{a},{b}]",
        "output.report=false",
        "progress=false",
        f"hydra.run.dir={tmp_path / 'c'}",
    )
    assert res.returncode == 0, res.stderr
    table = rows(tmp_path / "c").xs("b", level="scenario")
    assert (table["diff"].fillna(0) == 0).all()
    assert set(table["verdict"]) == {"no change"}  # equal in every replication


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> Path:
    """A finished simulate run of the M/M/c model."""
    run = tmp_path_factory.mktemp("compare") / "a"
    res = run_sim(*SMALL, "output.report=false", f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    return run


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "runs: give the simulate runs to compare"),
        (["runs=[{a}]"], "1 run given; give two or more"),
        (["runs=[{a},{empty}]"], "is not a finished simulate run (no replications.csv"),
        (["runs=[{a},{missing}]"], "runs[1]: "),
        (["runs=[{a},{b}]", "sweep={a}"], "give one of them, not both"),
        (["runs=[{a},{b}]", "baseline=5"], "baseline=5: there are 2 scenarios"),
        (["runs=[{a},{b}]", "baseline=nope"], "baseline=nope: not a scenario"),
        (["sweep={a}"], "no job folders"),
        (["runs={a}"], "expected a list of run directories"),
        (["runs=[{a},{b},{a}]"], "runs[2] is the same directory as runs[0]"),  # QA 6a #2
        (["runs=[{a},{b},{a}/../a]"], "runs[2] is the same directory as runs[0]"),
        (["runs=[{a},{parent}]"], "give sweep="),  # QA 6a #20
    ],
)
def test_bad_compare_arguments_are_named(tmp_path, one_run, args, message):
    empty, missing = tmp_path / "empty", tmp_path / "missing"
    empty.mkdir()
    b = tmp_path / "b"
    shutil.copytree(one_run, b)
    parent = tmp_path / "sweep"
    shutil.copytree(one_run, parent / "0")
    given = [x.format(a=one_run, b=b, empty=empty, missing=missing, parent=parent) for x in args]
    res = run_sim("compare", *given, f"hydra.run.dir={tmp_path / 'out'}")
    assert res.returncode == 2, res.stdout
    assert message in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out" / "comparison.csv").exists()


def test_compare_never_writes_into_a_run_it_reads(one_run):
    before = {p: p.read_bytes() for p in one_run.rglob("*") if p.is_file()}
    res = run_sim("compare", f"runs=[{one_run},{one_run}]", f"hydra.run.dir={one_run}")
    assert res.returncode == 2 and "is one of the runs compared" in res.stderr
    res = run_sim(
        "compare",
        f"runs=[{one_run},{one_run}]",
        "output.overwrite=true",
        f"hydra.run.dir={one_run}",
    )
    assert res.returncode == 2 and "is one of the runs compared" in res.stderr
    assert not (one_run / "comparison.csv").exists()
    assert {p: p.read_bytes() for p in one_run.rglob("*") if p.is_file()} == before


def test_labels_are_the_differing_overrides_made_unique_by_directory():
    from sim.cli.compare import SimulateRun, scenario_labels

    def run(path: str, overrides: list[str]) -> SimulateRun:
        return SimulateRun(Path(path), pd.DataFrame(), "m", 0, 1, overrides)

    assert scenario_labels(
        [
            run("/a/x", ["seed=1", "progress=false"]),
            run("/b/y", ["seed=1"]),
            run("/c/z", ["seed=2"]),
        ]
    ) == ["seed=1 (x)", "seed=1 (y)", "seed=2"]
    assert scenario_labels([run("/a/0", ["x=1"]), run("/b/0", ["x=1"]), run("/c/1", ["x=2"])]) == [
        "x=1 (/a/0)",
        "x=1 (/b/0)",
        "x=2",
    ]


def test_labels_leave_out_hydras_config_groups_and_settings():
    """QA 13: a label holds only the user's model and scenario overrides, never Hydra's
    (``hydra/launcher=joblib``, ``hydra.job.chdir=true``)."""
    from sim.cli.compare import SimulateRun, scenario_labels

    def run(path: str, overrides: list[str]) -> SimulateRun:
        return SimulateRun(Path(path), pd.DataFrame(), "m", 0, 1, overrides)

    runs = [
        run("/s/0", ["hydra/launcher=joblib", "hydra.job.chdir=true", "seed=1"]),
        run("/s/1", ["hydra/launcher=basic", "+hydra/sweeper=basic", "seed=2"]),
    ]
    assert scenario_labels(runs) == ["seed=1", "seed=2"]


def test_job_folders_are_found_wherever_hydra_sweep_subdir_put_them(tmp_path):
    """QA 13: ``compare sweep=<dir>`` looked for folders 0, 1, ... only: a sweep run with
    ``hydra.sweep.subdir=job_${hydra.job.num}`` (or nested folders) had "no job folders"."""
    from sim.cli.compare import job_folders

    def job(rel: str, num: int) -> Path:
        (tmp_path / rel / ".hydra").mkdir(parents=True)
        (tmp_path / rel / ".hydra" / "hydra.yaml").write_text(f"hydra:\n  job:\n    num: {num}\n")
        return tmp_path / rel

    jobs = [job("job_10", 10), job("job_2", 2), job("server=3/seed=0", 0)]
    (tmp_path / "notes").mkdir()  # not a job
    assert job_folders(tmp_path) == [jobs[2], jobs[1], jobs[0]]


def test_compare_refuses_writing_into_a_nested_job_folder_of_its_sweep(tmp_path):
    from sim.cli.main import _refuse_writing_into_a_compared_run
    from sim.errors import SimError

    job = tmp_path / "a" / "j0"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "hydra.yaml").write_text("hydra:\n  job:\n    num: 0\n")
    with pytest.raises(SimError, match="it is one of the runs compared"):
        _refuse_writing_into_a_compared_run([f"sweep={tmp_path}"], job)
    # QA 2026-12-04 #10: the sweep folder itself is no run of it
    with pytest.raises(SimError, match="it is the sweep compared"):
        _refuse_writing_into_a_compared_run([f"sweep={tmp_path}"], tmp_path)


def sweep(sweep_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """A small ``simulate --multirun`` of the M/M/c model into ``sweep_dir``."""
    return run_sim(
        "--multirun", *SMALL, "output.report=false", f"hydra.sweep.dir={sweep_dir}", *args
    )


def test_an_overwritten_sweep_compares_only_the_jobs_it_launched(tmp_path):
    """QA 6a #1: job folders an older sweep left in the directory are not scenarios."""
    res = sweep(tmp_path / "s", "scenario.staffing.server=2,3,4")
    assert res.returncode == 0, res.stderr
    res = sweep(tmp_path / "s", "scenario.staffing.server=4,5", "output.overwrite=true")
    assert res.returncode == 0, res.stderr
    scenarios = json.loads((tmp_path / "s" / "scenarios.json").read_text())
    assert [Path(s["run_dir"]).name for s in scenarios] == ["0", "1"]
    assert set(rows(tmp_path / "s").index.get_level_values("scenario")) == {
        "scenario.staffing.server=4",
        "scenario.staffing.server=5",
    }


def test_a_one_job_sweep_says_no_comparison_was_written(tmp_path):
    """QA 6a #14."""
    res = sweep(tmp_path / "s", "scenario.staffing.server=3")
    assert res.returncode == 0, res.stderr
    assert "no scenario comparison written: the sweep ran 1 job;" in res.stderr
    assert not (tmp_path / "s" / "comparison.csv").exists()


def test_compare_stores_absolute_run_paths(tmp_path, one_run):
    """QA 6a #20: a relative run path is stored resolved, usable from any directory."""
    shutil.copytree(one_run, tmp_path / "b")
    res = sim_in(
        tmp_path, "compare", f"runs=[{one_run},b]", "output.report=false", "hydra.run.dir=c"
    )
    assert res.returncode == 0, res.stderr
    scenarios = json.loads((tmp_path / "c" / "scenarios.json").read_text())
    assert scenarios[1]["run_dir"] == str((tmp_path / "b").resolve())


def test_compare_into_a_job_folder_of_the_sweep_is_refused_before_hydra_writes(tmp_path):
    """QA 6a #5: .hydra/ of the job stays the record of what it simulated."""
    res = sweep(tmp_path / "s", "scenario.staffing.server=2,3")
    assert res.returncode == 0, res.stderr
    record = (tmp_path / "s" / "1" / ".hydra" / "overrides.yaml").read_bytes()
    res = run_sim(
        "compare",
        f"sweep={tmp_path / 's'}",
        f"hydra.run.dir={tmp_path / 's' / '1'}",
        "output.overwrite=true",
    )
    assert res.returncode == 2 and "is one of the runs compared" in res.stderr
    assert (tmp_path / "s" / "1" / ".hydra" / "overrides.yaml").read_bytes() == record


@pytest.fixture(scope="module")
def comparison(tmp_path_factory, one_run) -> Path:
    """A comparison of two copies of ``one_run`` in directories named ``01`` and ``02``."""
    root = tmp_path_factory.mktemp("numbered")
    for name in ("01", "02"):
        shutil.copytree(one_run, root / name)
    out = root / "cmp"
    res = run_sim("compare", f"runs=[{root / '01'},{root / '02'}]", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    return out


def test_numeric_looking_labels_keep_their_values_in_the_report(comparison):
    """QA 6a #3: labels 01 and 02 stay text when report.html reads comparison.csv."""
    scenarios = json.loads((comparison / "scenarios.json").read_text())
    assert [s["label"] for s in scenarios] == ["01", "02"]
    from sim.report.compare import read_comparison

    table, _ = read_comparison(comparison)
    assert set(table["scenario"]) == {"01", "02"}
    page = (comparison / "report.html").read_text()
    row = page[page.index("<td>Mean cycle time (h)</td>") :].split("</tr>")[0]
    assert row.count("<td") == 3 and "–" not in row  # both scenarios' values, not blanks


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "scenarios.json").unlink(), "no scenarios.json"),
        (lambda d: (d / "comparison.csv").write_text(""), "cannot read"),
        (lambda d: (d / "scenarios.json").write_text("{}"), "expected a list of scenarios"),
    ],
)
def test_a_damaged_comparison_is_named_not_a_traceback(tmp_path, comparison, damage, message):
    """QA 6a #13: report of a comparison directory with a missing or damaged file."""
    target = tmp_path / "c"
    shutil.copytree(comparison, target)
    damage(target)
    res = run_sim("report", f"run={target}")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert message in res.stderr and "error:" in res.stderr


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "kpis.json").write_text("[1, 2]"), "kpis.json: expected a JSON object"),
        (
            lambda d: (d / "replications.csv").write_text(
                (d / "replications.csv").read_text().splitlines()[0] + "\n"
            ),
            "replications.csv has no replications",
        ),
        (
            lambda d: (d / "replications.csv").write_text(
                (d / "replications.csv").read_text().replace("\n1,", "\nabc,", 1)
            ),
            "expected numbers in every column",
        ),
        (lambda d: (d / "replications.csv").write_text(""), "cannot read"),
    ],
)
def test_a_damaged_run_is_named_not_a_traceback(tmp_path, one_run, damage, message):
    """QA 6a #7 (a header and no rows) and #13 (damaged kpis.json / replications.csv)."""
    b = tmp_path / "b"
    shutil.copytree(one_run, b)
    damage(b)
    res = run_sim("compare", f"runs=[{one_run},{b}]", f"hydra.run.dir={tmp_path / 'c'}")
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert "runs[1]: " in res.stderr and str(b) in res.stderr and message in res.stderr
    assert not (tmp_path / "c").exists()  # no half-made comparison directory (.hydra/, main.log)


def test_one_replication_gives_no_ci_verdicts_and_a_note(tmp_path):
    """QA 6a #7: with one replication nothing was tested; the output says so."""
    res = sweep(tmp_path / "s", "scenario.staffing.server=2,3", "scenario.replications=1")
    assert res.returncode == 0, res.stderr
    table = rows(tmp_path / "s").xs("scenario.staffing.server=3", level="scenario")
    assert set(table["verdict"]) == {"no CI (1 replication)"}
    assert "no confidence interval" in res.stdout


def test_pairing_is_per_scenario_and_warnings_are_repeated(tmp_path, one_run):
    """QA 6a #8 (a run with another seed leaves the others paired) and #17 (a run's saturation
    warning is repeated in the console, comparison.md and report.html)."""
    b, c = tmp_path / "b", tmp_path / "c"
    shutil.copytree(one_run, b)
    kpis = json.loads((b / "kpis.json").read_text())
    kpis["warnings"] = ["warning: the model is saturated: server is busy 100.0 %"]
    (b / "kpis.json").write_text(json.dumps(kpis))
    res = run_sim(*SMALL, "seed=1", "output.report=false", f"hydra.run.dir={c}")
    assert res.returncode == 0, res.stderr
    out = tmp_path / "cmp"
    res = run_sim("compare", f"runs=[{one_run},{b},{c}]", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    labels = [s["label"] for s in json.loads((out / "scenarios.json").read_text())]
    assert labels == ["seed=0 (a)", "seed=0 (b)", "seed=1"]
    paired = pd.read_csv(out / "comparison.csv").groupby("scenario")["paired"].all()
    assert paired["seed=0 (b)"] and not paired["seed=1"]
    assert "(paired: same seed and replications)" in res.stdout
    assert "(independent samples (Welch))" in res.stdout
    for text in (
        res.stdout,
        (out / "comparison.md").read_text(),
        (out / "report.html").read_text(),
    ):
        assert "the model is saturated: server is busy 100.0 %" in text


def test_throughput_follows_a_changed_arrival_volume_without_a_verdict(tmp_path):
    """QA 6a #16: 20 % more arrivals: throughput 'changed' with a note, not 'better'."""
    res = sweep(tmp_path / "s", "scenario.arrival_scale=1.0,1.2", "scenario.horizon_days=10")
    assert res.returncode == 0, res.stderr
    r = rows(tmp_path / "s").loc[("scenario.arrival_scale=1.2", "throughput_per_week")]
    assert r["diff"] > 0 and r["verdict"] == "changed"  # significant, yet neither good nor bad
    assert "arrival volume" in res.stdout


def _labelled(*runs: tuple[str, list[str], dict, dict]) -> list[str]:
    from sim.cli.compare import SimulateRun, scenario_labels

    return scenario_labels(
        [
            SimulateRun(Path(p), pd.DataFrame(), "m", 0, 1, o, config=c, headcounts=h)
            for p, o, c, h in runs
        ]
    )


def test_labels_come_from_resolved_values_not_from_what_was_typed():
    """QA 6a #10: a default typed explicitly (seed=0), an output setting, 1 vs 1.0 and
    overwrite are no differences; a baseline that typed nothing shows its resolved value."""
    config = {"seed": 0, "scenario": {"arrival_scale": 1.0}}
    assert _labelled(
        ("/r/mmc2", ["scenario.arrival_scale=1"], config, {"server": 2}),
        (
            "/r/mmc3",
            [
                "seed=0",
                "output.trace=true",
                "output.overwrite=True",
                "scenario.arrival_scale=1.0",
                "++scenario.staffing.server=3",
            ],
            config,
            {"server": 3},
        ),
    ) == ["scenario.staffing.server=2", "scenario.staffing.server=3"]


def test_model_files_of_the_same_name_are_told_apart_by_their_folders():
    """QA 6a #11: a/model.yaml and b/model.yaml, not 0 and 1."""

    def run(folder: str) -> tuple[str, list[str], dict, dict]:
        path = f"/out/{folder}/model.yaml"
        return (
            f"/s/{folder}",
            ["process=_from_file", f"process.path={path}"],
            {"process": {"path": path}},
            {},
        )

    assert _labelled(run("a"), run("b")) == [
        "process.path=a/model.yaml",
        "process.path=b/model.yaml",
    ]


def test_labels_show_the_values_typed_not_hydras_escapes():
    """QA 10 #3: a model file in a folder with an apostrophe and a role with a space were
    labelled as Hydra writes them into overrides.yaml: process.path=c\\'s/model.yaml and
    scenario.staffing={Call\\ Centre:2}."""

    def run(folder: str, people: int) -> tuple[str, list[str], dict, dict]:
        path = f"/out/{folder}/model.yaml"
        quoted = "'" + path.replace("'", "\\'") + "'"
        overrides = ["process=_from_file", f"process.path={quoted}"]
        overrides.append(f"++scenario.staffing={{Call\\ Centre:{people}}}")
        return (
            f"/s/{folder}{people}",
            overrides,
            {"process": {"path": path}},
            {"Call Centre": people},
        )

    assert _labelled(run("c's", 2), run("c's", 3), run("a, b", 2)) == [
        "process.path=c's/model.yaml scenario.staffing.Call Centre=2",
        "process.path=c's/model.yaml scenario.staffing.Call Centre=3",
        "process.path=a, b/model.yaml scenario.staffing.Call Centre=2",
    ]


@pytest.mark.parametrize("role", ["Call Centre", "営業 部"])
def test_a_sweep_of_a_role_with_a_space_is_labelled_as_typed_and_named_as_baseline(tmp_path, role):
    """QA 10 #3, end to end: 'scenario.staffing.Call Centre=2,3' of a model in a folder named
    c's; the label can be given back as baseline=. A name in letters Hydra cannot read (given
    to it as its Punycode key) is labelled as typed too."""
    folder = tmp_path / "c's"
    folder.mkdir()
    mmc = (Path(__file__).parents[2] / "configs" / "process" / "mmc.yaml").read_text()
    (folder / "model.yaml").write_text(mmc.replace("server", role), encoding="utf-8")
    res = run_sim(
        "simulate",
        "--multirun",
        f"process={folder / 'model.yaml'}",
        f"scenario.staffing.{role}=2,3",
        *SMALL[1:],
        "output.report=false",
        "workers=1",
        f"hydra.sweep.dir={tmp_path / 's'}",
    )
    assert res.returncode == 0, res.stderr
    labels = [s["label"] for s in json.loads((tmp_path / "s" / "scenarios.json").read_text())]
    assert labels == [f"scenario.staffing.{role}=2", f"scenario.staffing.{role}=3"]
    assert f"baseline: scenario.staffing.{role}=2" in res.stdout
    assert set(rows(tmp_path / "s").index.get_level_values("scenario")) == set(labels)
    out = tmp_path / "c"
    res = run_sim(
        "compare", f"sweep={tmp_path / 's'}", f"baseline={labels[1]}", f"hydra.run.dir={out}"
    )
    assert res.returncode == 0, res.stderr
    assert f"baseline: {labels[1]}" in res.stdout


def test_a_baseline_label_is_given_as_printed(tmp_path):
    """QA 6a #12: baseline=scenario.staffing.server=3 (with '=' and, shell-quoted, spaces)
    needs no Hydra quoting."""
    res = sweep(tmp_path / "s", "scenario.staffing.server=2,3", "scenario.arrival_scale=1.0,1.1")
    assert res.returncode == 0, res.stderr
    for label in (
        "scenario.staffing.server=3 scenario.arrival_scale=1.1",
        "scenario.staffing.server=2 scenario.arrival_scale=1.1",
    ):
        out = tmp_path / label.replace(" ", "_")
        res = run_sim(
            "compare", f"sweep={tmp_path / 's'}", f"baseline={label}", f"hydra.run.dir={out}"
        )
        assert res.returncode == 0, res.stderr
        assert f"baseline: {label}" in res.stdout


def test_a_sweep_of_one_job_is_named_as_a_sweep(tmp_path, one_run):
    """QA 6a #14: 'sweep=...: 1 job in it', not '1 run given'."""
    shutil.copytree(one_run, tmp_path / "s" / "0")
    res = run_sim("compare", f"sweep={tmp_path / 's'}", f"hydra.run.dir={tmp_path / 'c'}")
    assert res.returncode == 2 and "1 job in it" in res.stderr


def test_comparing_again_into_a_directory_rewrites_its_figures(tmp_path, one_run):
    """QA 6a #20: an earlier comparison's PNG does not outlive the page it came from."""
    b = tmp_path / "b"
    shutil.copytree(one_run, b)
    out = tmp_path / "c"
    assert run_sim("compare", f"runs=[{one_run},{b}]", f"hydra.run.dir={out}").returncode == 0
    assert run_sim("report", f"run={out}", "figures=true").returncode == 0
    png = next((out / "report").glob("*.png"))
    png.write_bytes(b"stale")
    res = run_sim(
        "compare", f"runs=[{b},{one_run}]", f"hydra.run.dir={out}", "output.overwrite=true"
    )
    assert res.returncode == 0, res.stderr
    # output.overwrite=true removes the earlier run's figures (QA 9b); this run asked for none
    assert not png.exists() or png.read_bytes() != b"stale"


def test_a_sweep_with_a_custom_subdir_is_compared(tmp_path):
    """QA 6a #15: job folders named by their overrides are the jobs' output dirs all the same."""
    res = sweep(
        tmp_path / "s",
        "scenario.staffing.server=2,3",
        "hydra.sweep.subdir=${hydra.job.override_dirname}",
    )
    assert res.returncode == 0, res.stderr
    assert "no scenario comparison written" not in res.stderr
    assert rows(tmp_path / "s").loc[("scenario.staffing.server=3", "headcount"), "diff"] == 1


def test_a_joblib_sweep_compares_the_jobs_it_launched(tmp_path):
    """QA 6a #1 with jobs in other processes (on_job_end is not called in the sweep's own
    process): the job folders this multirun wrote, not an older sweep's."""
    joblib = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
    res = sweep(tmp_path / "s", "scenario.staffing.server=2,3,4", *joblib)
    assert res.returncode == 0, res.stderr
    time.sleep(3)  # older than the 2 s the callback allows for coarse file-system clocks
    res = sweep(tmp_path / "s", "scenario.staffing.server=4,5", "output.overwrite=true", *joblib)
    assert res.returncode == 0, res.stderr
    scenarios = json.loads((tmp_path / "s" / "scenarios.json").read_text())
    assert [s["label"] for s in scenarios] == [
        "scenario.staffing.server=4",
        "scenario.staffing.server=5",
    ]


@pytest.mark.parametrize("launcher", ["basic", "joblib"])
def test_a_failing_job_does_not_stop_the_sweep(tmp_path, launcher):
    """QA 6a #14: server=0 in the middle of a sweep stopped it, and server=3 never ran. Now the
    bad job's error is printed, the others run and are compared, and the exit status says it."""
    sweep = tmp_path / "sweep"
    args = ["simulate", "--multirun", "process=mmc", "scenario.staffing.server=2,0,3"]
    if launcher == "joblib":
        args += ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "workers=1"]
    res = run_sim(
        *args,
        "scenario.replications=2",
        "scenario.horizon_days=5",
        "progress=false",
        "output.report=false",
        f"hydra.sweep.dir={sweep}",
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "error: job 1 (" in res.stderr and "needs at least 1 person, got 0" in res.stderr
    assert "1 of the sweep's 3 jobs did not finish" in res.stderr and str(sweep / "1") in res.stderr
    assert (sweep / "2" / "kpis.json").is_file()  # the job after the bad one ran
    table = pd.read_csv(sweep / "comparison.csv", dtype={"scenario": str})
    assert sorted(table["scenario"].unique()) == [
        "scenario.staffing.server=2",
        "scenario.staffing.server=3",
    ]


def test_a_rerun_sweep_does_not_count_an_old_result_as_finished(tmp_path):
    """QA 6b: rerun with output.overwrite=true, a failing job's folder still held the earlier
    kpis.json; it counted as finished (exit 0) and the comparison showed the old numbers."""
    base = ["simulate", "--multirun", "process=mmc", "scenario.replications=2"]
    tiny = ["scenario.horizon_days=5", "progress=false", "output.report=false"]
    sweep = tmp_path / "sweep"
    first = run_sim(*base, "scenario.staffing.server=2,3", *tiny, f"hydra.sweep.dir={sweep}")
    assert first.returncode == 0, first.stderr
    again = run_sim(
        *base,
        "scenario.staffing.server=2,0",
        *tiny,
        "output.overwrite=true",
        f"hydra.sweep.dir={sweep}",
    )
    assert again.returncode == 2
    assert "1 of the sweep's 2 jobs did not finish" in again.stderr
    assert "no scenario comparison written: 1 of the sweep's 2 jobs finished" in again.stderr
    assert "comparison.csv" in again.stderr and "an earlier sweep's comparison" in again.stderr


def test_a_job_that_hits_a_bug_does_not_stop_the_sweep_or_its_comparison(tmp_path):
    """QA 6b #14: an unexpected exception in one job (a bug, not a user error) let the others
    run, but Hydra then re-raised it: exit 1, no failed-jobs note and no comparison."""
    sweep = tmp_path / "sweep"
    inject = (
        "import sys, sim.cli.simulate as s, sim.cli.main as m\n"
        "real = s.run\n"
        "def run(cfg, run_dir, **kw):\n"
        "    if cfg.seed == 1:\n"
        "        raise RuntimeError('injected internal error')\n"
        "    return real(cfg, run_dir, **kw)\n"
        "s.run = run\n"
        "m.main(sys.argv[1:])\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", inject, "simulate", "--multirun", "seed=0,1,2", *SMALL]
        + ["output.report=false", f"hydra.sweep.dir={sweep}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 2, res.stderr
    assert "RuntimeError: injected internal error" in res.stderr  # the traceback, for a report
    assert "error: job 1 (seed=1 " in res.stderr and "internal error, a bug" in res.stderr
    assert "1 of the sweep's 3 jobs did not finish" in res.stderr
    table = pd.read_csv(sweep / "comparison.csv", dtype={"scenario": str})
    assert sorted(table["scenario"].unique()) == ["seed=0", "seed=2"]


def test_a_run_of_the_bundled_model_beside_a_model_file_shows_the_models_name(tmp_path):
    # run1 typed nothing (the bundled crm_sales, inline in its config.yaml); run3 simulated a
    # model file: run1 shows the model it simulated, not 'default'
    from sim.cli.compare import SimulateRun, scenario_labels

    bundled = SimulateRun(
        tmp_path / "run1", pd.DataFrame(), "crm_sales", 0, 1, [],
        config={"process": {"schema_version": 1, "name": "crm_sales", "steps": {}}},
    )  # fmt: skip
    path = str(tmp_path / "m" / "crm_sales.yaml")
    from_file = SimulateRun(
        tmp_path / "run3", pd.DataFrame(), "crm_sales", 0, 1,
        ["process=_from_file", f"process.path={path}"],
        config={"process": {"path": path}},
    )  # fmt: skip
    assert scenario_labels([bundled, from_file]) == [
        "process.path=crm_sales",
        "process.path=crm_sales.yaml",
    ]


@pytest.mark.parametrize("given", ["runs=[a,b]", "sweep=s"])
def test_relative_runs_and_sweep_are_found_with_hydra_job_chdir(tmp_path, one_run, given):
    """QA 12: with hydra.job.chdir=true the job runs in its run directory, where relative
    runs=[...] and sweep= paths were 'no such file'."""
    shutil.copytree(one_run, tmp_path / "a")
    shutil.copytree(one_run, tmp_path / "b")
    for job in range(2):
        shutil.copytree(one_run, tmp_path / "s" / str(job))
    res = sim_in(
        tmp_path, "compare", given, "output.report=false", "hydra.job.chdir=true", "hydra.run.dir=c"
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "c" / "comparison.csv").is_file()
