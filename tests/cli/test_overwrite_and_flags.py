"""QA 9b: output.overwrite=true replaces the earlier run (no file of it outlives it), on/off keys
accept only true or false, a mistyped drop-off outcome is refused, console labels stay distinct."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.errors import ConfigError
from sim.kpis.summary import format_report
from sim.model.scenario import Scenario
from tests.simcli import run_sim


def tiny_log(path: Path, *, cases: int = 40, resources: tuple[str, str] = ("r1", "r2")) -> Path:
    """``cases`` cases a -> b (c for every third: an end of its own), four a day."""
    lines = ["case_id,activity,start_time,end_time,resource"]
    for i in range(cases):
        day = f"2020-01-{1 + i // 4:02d}"
        h = 9 + i % 4
        last = "c" if i % 3 == 0 else "b"
        lines += [
            f"{i},a,{day} {h}:00,{day} {h}:10,{resources[0]}",
            f"{i},{last},{day} {h}:20,{day} {h}:40,{resources[1]}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def names(run: Path) -> set[str]:
    return {p.name for p in run.iterdir()}


def test_calibrate_overwrite_removes_the_earlier_back_test(tmp_path):
    log = tiny_log(tmp_path / "log.csv")
    run = tmp_path / "run"
    common = [f"log={log}", f"hydra.run.dir={run}", "progress=false", "workers=1"]
    first = run_sim("calibrate", *common, "backtest.replications=2", "backtest.in_sample=false")
    assert first.returncode == 0, first.stderr
    assert {"trace_2.csv.gz", "baseline_2.csv.gz", "backtest.json", "cycle_times.csv.gz"} <= (
        names(run)
    )
    assert any((run / "report").glob("*.png"))
    (run / "notes.txt").write_text("mine")
    # one replication: the second trace and baseline of the first run must go
    again = run_sim(
        "calibrate", *common, "backtest.replications=1", "backtest.in_sample=false",
        "output.overwrite=true", "output.figures=false",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "output.overwrite=true: removed" in again.stdout
    assert "kept 1 other file(s) (notes.txt)" in again.stdout
    assert "trace_2.csv.gz" not in names(run) and "baseline_2.csv.gz" not in names(run)
    assert {"trace_1.csv.gz", "baseline_1.csv.gz"} <= names(run)
    assert json.loads((run / "backtest.json").read_text())["settings"]["replications"] == 1
    assert not (run / "report").exists()  # figures off: the earlier PNGs do not stay
    # no back-test: none of the earlier back-test's files may stay beside the new model
    third = run_sim(
        "calibrate", *common, "backtest.enabled=false", "calibration.criterion=bic",
        "output.overwrite=true",
    )  # fmt: skip
    assert third.returncode == 0, third.stderr
    left = names(run)
    for gone in ("backtest.json", "trace_1.csv.gz", "baseline_1.csv.gz", "cycle_times.csv.gz"):
        assert gone not in left, gone
    assert "history.csv.gz" not in left
    assert {"model.yaml", "run.json", "config.yaml", "notes.txt"} <= left
    assert (run / "notes.txt").read_text() == "mine"  # a user's file stays


def test_simulate_overwrite_without_trace_removes_the_earlier_trace(tmp_path):
    run = tmp_path / "run"
    args = ["process=mmc", "scenario.replications=2", "scenario.horizon_days=5", "progress=false"]
    first = run_sim(*args, f"hydra.run.dir={run}", "output.trace=true")
    assert first.returncode == 0, first.stderr
    assert "trace.csv.gz" in names(run)
    again = run_sim(*args, f"hydra.run.dir={run}", "output.overwrite=true", "output.report=false")
    assert again.returncode == 0, again.stderr
    assert "output.overwrite=true: removed" in again.stdout
    assert "trace.csv.gz" not in names(run)
    assert "report.html" not in names(run)  # the earlier report described the earlier run
    assert {"kpis.json", "replications.csv", "model.yaml", "run.json"} <= names(run)


def test_overwrite_leaves_a_directory_not_written_by_a_run_alone(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "trace.csv.gz").write_text("mine")  # a name simulate writes, but no run record
    res = run_sim(
        "process=mmc", "scenario.replications=1", "scenario.horizon_days=2", "progress=false",
        f"hydra.run.dir={run}", "output.overwrite=true", "output.report=false",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "removed" not in res.stdout
    assert (run / "trace.csv.gz").read_text() == "mine"


def test_overwrite_refuses_an_optimize_run_before_hydra_writes(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"command": "optimize", "model": "m"}))
    (run / "study.db").write_text("a search")
    res = run_sim("process=mmc", f"hydra.run.dir={run}", "output.overwrite=true")
    assert res.returncode == 2
    assert "holds an optimize run" in res.stderr and "hydra.run.dir" in res.stderr
    assert names(run) == {"run.json", "study.db"}  # not even .hydra/ rewritten


def test_export_overwrite_removes_the_earlier_export(tmp_path):
    run = tmp_path / "run"
    first = run_sim("export", "process=mmc", "format=bpmn", f"hydra.run.dir={run}")
    assert first.returncode == 0, first.stderr
    assert {p.suffix for p in run.iterdir()} >= {".bpmn", ".json"}
    again = run_sim(
        "export", "process=mmc", "format=mermaid", f"hydra.run.dir={run}", "output.overwrite=true"
    )
    assert again.returncode == 0, again.stderr
    left = {p.suffix for p in run.iterdir() if p.is_file()}
    assert ".mmd" in left and ".bpmn" not in left
    assert not [p for p in run.glob("*.json") if p.name != "run.json"]  # Prosimos JSON gone


@pytest.mark.parametrize(
    ("command", "files"),
    [
        ("compare", ["comparison.csv", "comparison.md", "scenarios.json", "report.html"]),
        ("simulate", ["kpis.json", "replications.csv", "model.yaml", "trace.parquet"]),
        ("calibrate", ["fits.csv", "trace_12.csv.gz", "baseline_3.csv.gz", "instances.csv.gz"]),
    ],
)
def test_clear_earlier_run_removes_what_its_command_wrote_only(tmp_path, command, files):
    from sim.cli.overwrite import clear_earlier_run, earlier_results

    (tmp_path / "run.json").write_text(json.dumps({"command": command}))
    (tmp_path / "config.yaml").write_text("x")
    for f in files:
        (tmp_path / f).write_text("x")
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "01_map.png").write_text("x")
    (tmp_path / "report" / "mine.png").write_text("mine")
    (tmp_path / "notes.txt").write_text("mine")
    assert clear_earlier_run(tmp_path) == len(files) + 3
    assert names(tmp_path) == {"notes.txt", "report"}
    assert names(tmp_path / "report") == {"mine.png"}
    assert earlier_results(tmp_path) == []  # no record left: nothing more to remove


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["calibrate", "backtest.in_sample=no"], "backtest.in_sample"),
        (["calibrate", "backtest.enabled=no"], "backtest.enabled"),
        (["calibrate", "output.figures=nope"], "output.figures"),
        (["calibrate", "calibration.extraneous_delays=off"], "calibration.extraneous_delays"),
        (["simulate", "output.trace=no"], "output.trace"),
        (["simulate", "scenario.drain=no"], "scenario.drain"),
        (["simulate", "progress=nope"], "progress"),
        (["export", "allow_loss=no"], "allow_loss"),
        (["export", "output.overwrite=yes"], "output.overwrite"),
    ],
)
def test_an_on_off_key_takes_only_true_or_false(tmp_path, args, key):
    command, value = args
    extra = [f"log={tiny_log(tmp_path / 'log.csv')}"] if command == "calibrate" else []
    run = tmp_path / "run"
    res = run_sim(command, *extra, value, f"hydra.run.dir={run}")
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"{key}: expected true or false, got " in res.stderr
    assert not run.exists()  # refused before anything was written


def test_scenario_drain_must_be_a_bool():
    with pytest.raises(ConfigError, match="scenario.drain: expected true or false, got 'no'"):
        Scenario(drain="no")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["[Nope]", "Reject"])
def test_a_mistyped_dropoff_outcome_is_refused(tmp_path, shared_data, value):
    log = shared_data / "synth_loan_application" / "Loan_Application.csv.gz"
    run = tmp_path / "run"
    res = run_sim(
        "calibrate", f"log={log}", f"outcomes.dropoff={value}", "backtest.enabled=false",
        "output.report=false", "progress=false", f"hydra.run.dir={run}",
    )  # fmt: skip
    assert res.returncode == 2, res.stdout
    name = value.strip("[]")
    assert f"error: outcomes.dropoff=['{name}']: not an outcome nor an activity" in res.stderr
    for outcome in ("Approve application", "Cancel application", "Reject application"):
        assert outcome in res.stderr  # the valid ones, to choose from
    assert not run.exists()


def test_an_activity_ending_cases_is_a_valid_dropoff_outcome(tmp_path):
    log = tiny_log(tmp_path / "log.csv")
    res = run_sim(
        "calibrate", f"log={log}", "outcomes.dropoff=[c]", "backtest.enabled=false",
        "output.report=false", "progress=false", f"hydra.run.dir={tmp_path / 'run'}",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr


def test_one_role_is_one_role(tmp_path):
    log = tiny_log(tmp_path / "log.csv", resources=("r1", "r1"))
    res = run_sim(
        "calibrate", f"log={log}", "backtest.enabled=false", "output.report=false",
        "progress=false", f"hydra.run.dir={tmp_path / 'run'}",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert ", 1 role\n" in res.stdout and "1 roles" not in res.stdout


BPIC_TIMERS = [
    "delay:W_Valideren aanvraag (last) (after W_Nabellen offertes (last))",
    "delay:W_Valideren aanvraag (last) (after W_Nabellen offertes #2 (last))",
    "delay:W_Valideren aanvraag (last) (after W_Nabellen offertes #3+ (last))",
    "delay:W_Valideren aanvraag (after W_Nabellen offertes #3+ (last))",
]


def test_step_labels_stay_distinct():
    from sim.kpis.summary import step_labels

    labels = step_labels(BPIC_TIMERS)
    assert len(set(labels)) == len(BPIC_TIMERS)
    short = step_labels(BPIC_TIMERS[:3])  # these three stay apart when cut in the middle
    assert all(len(x) <= 60 for x in short) and len(set(short)) == 3
    assert all(x.endswith(n[-20:]) for x, n in zip(short, BPIC_TIMERS[:3], strict=True))


def test_simulate_table_shows_distinct_step_labels(tmp_path):
    run = tmp_path / "run"
    res = run_sim(
        "process=mmc", "scenario.replications=2", "scenario.horizon_days=3", "progress=false",
        f"hydra.run.dir={run}", "output.report=false",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    report = json.loads((run / "kpis.json").read_text())
    step = report["steps"][0]
    report["steps"] = [dict(step, step=n) for n in BPIC_TIMERS]
    rows = [x.strip() for x in format_report(report).splitlines() if x.strip().startswith("delay:")]
    labels = [r.split("  ")[0] for r in rows]
    assert len(labels) == len(BPIC_TIMERS) and len(set(labels)) == len(BPIC_TIMERS)
