"""A run refused for its config or model never costs the user an earlier run's results: with
``output.overwrite=true`` the checks that can refuse it run before the earlier run's files are
removed. And a drop-off outcome that only the held-out log's cases end in is a real outcome, not
a typo."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import ConfigError
from tests.simcli import run_sim


def snapshot(run: Path) -> dict[str, bytes]:
    """Every file of a run directory but Hydra's own (``.hydra/`` is rewritten by any run)."""
    return {
        str(p.relative_to(run)): p.read_bytes()
        for p in sorted(run.rglob("*"))
        if p.is_file() and ".hydra" not in p.parts and p.name != "main.log"
    }


def test_an_export_refused_for_its_losses_keeps_the_earlier_export(tmp_path):
    # crm_sales has what BPMN/Prosimos cannot express (segments, patience, hand-off delay):
    # allow_loss=false refuses it. The refusal must come before the earlier export is removed.
    run = tmp_path / "run"
    first = run_sim("export", "process=crm_sales", "format=bpmn", f"hydra.run.dir={run}")
    assert first.returncode == 0, first.stderr
    before = snapshot(run)
    assert {"crm_sales.bpmn", "crm_sales.json", "crm_sales.export_losses.txt"} <= set(before)
    again = run_sim(
        "export", "process=crm_sales", "format=bpmn", "allow_loss=false",
        "output.overwrite=true", f"hydra.run.dir={run}",
    )  # fmt: skip
    assert again.returncode == 2, again.stdout
    assert f"cannot export to {run / 'crm_sales.bpmn'} without losing" in again.stderr
    assert "steps.first_contact.patience" in again.stderr  # the losses are listed
    assert "removed" not in again.stdout
    assert snapshot(run) == before  # the earlier export, record included, as it was
    # the export that loses nothing still replaces it
    mermaid = run_sim(
        "export", "process=crm_sales", "format=mermaid", "allow_loss=false",
        "output.overwrite=true", f"hydra.run.dir={run}",
    )  # fmt: skip
    assert mermaid.returncode == 0, mermaid.stderr
    assert "output.overwrite=true: removed 5 files" in mermaid.stdout
    assert set(snapshot(run)) == {"crm_sales.mmd", "run.json", "config.yaml"}


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ("baseline=nope", "baseline=nope: not a scenario"),
        ("baseline=7", "baseline=7: there are 2 scenarios"),
    ],
)
def test_a_comparison_refused_for_its_baseline_keeps_the_earlier_one(tmp_path, override, says):
    sims = []
    for name, servers in (("one", 1), ("two", 2)):
        d = tmp_path / name
        res = run_sim(
            "process=mmc", "scenario.replications=2", "scenario.horizon_days=2",
            f"scenario.staffing.server={servers}", "progress=false", "output.report=false",
            f"hydra.run.dir={d}",
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        sims.append(d)
    runs = f"runs=[{sims[0]},{sims[1]}]"
    out = tmp_path / "cmp"
    first = run_sim("compare", runs, "output.report=false", f"hydra.run.dir={out}")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    assert {"comparison.csv", "scenarios.json", "comparison.md"} <= set(before)
    again = run_sim("compare", runs, override, "output.overwrite=true", f"hydra.run.dir={out}")
    assert again.returncode == 2, again.stdout
    assert says in again.stderr
    assert snapshot(out) == before
    one = run_sim("compare", f"runs=[{sims[0]}]", "output.overwrite=true", f"hydra.run.dir={out}")
    assert one.returncode == 2 and "give two or more to compare" in one.stderr
    assert snapshot(out) == before


# ------------------------------------------------------- a drop-off only the held-out log shows
def two_logs(tmp_path: Path) -> tuple[Path, Path]:
    """A training log (January: cases a -> b, a -> c every third) and a held-out log (February:
    the same, but every fourth case is withdrawn after a: an outcome January never shows)."""

    def write(path: Path, month: int, cases: int, offset: int, rare: str | None) -> Path:
        lines = ["case_id,activity,start_time,end_time,resource"]
        for i in range(cases):
            day = f"2020-{month:02d}-{1 + i // 4:02d}"
            h = 9 + i % 4
            last = rare if rare and i % 4 == 0 else ("c" if i % 3 == 0 else "b")
            lines += [
                f"{offset + i},a,{day} {h}:00,{day} {h}:10,r1",
                f"{offset + i},{last},{day} {h}:20,{day} {h}:40,r2",
            ]
        path.write_text("\n".join(lines) + "\n")
        return path

    return (
        write(tmp_path / "train.csv", 1, 40, 0, None),
        write(tmp_path / "test.csv", 2, 20, 1000, "withdrawn"),
    )


def test_a_dropoff_only_the_held_out_cases_end_in_is_taken_with_a_note(tmp_path):
    train, test = two_logs(tmp_path)
    run = tmp_path / "run"
    res = run_sim(
        "calibrate", f"log={train}", f"backtest.log={test}", "outcomes.dropoff=[withdrawn]",
        "backtest.replications=1", "backtest.in_sample=false", "output.report=false",
        "progress=false", "workers=1", f"hydra.run.dir={run}",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    note = "drop-off outcome(s) ['withdrawn']: no case of the training log ends there"
    assert note in res.stdout
    assert "the model has no drop-off to it" in res.stdout
    calibration = json.loads((run / "calibration.json").read_text())
    assert calibration["dropoff_outcomes"] == ["withdrawn"]
    assert any(note in n for n in calibration["notes"])
    assert "end:withdrawn" not in calibration["ends"]  # no training case ends there
    backtest = json.loads((run / "backtest.json").read_text())
    assert backtest["settings"]["dropoff_outcomes"] == ["withdrawn"]
    # the history's drop-off counts the 5 withdrawn cases of 20; the model drops none
    assert backtest["test"]["kpis"]["dropoff_rate"] == pytest.approx(5 / 20)
    assert backtest["model"]["dropoff_rate"]["mean"] == 0.0


def test_a_dropoff_in_neither_log_is_still_refused_naming_the_outcomes(tmp_path):
    train, test = two_logs(tmp_path)
    run = tmp_path / "run"
    res = run_sim(
        "calibrate", f"log={train}", f"backtest.log={test}", "outcomes.dropoff=[withdrawm]",
        "output.report=false", "progress=false", f"hydra.run.dir={run}",
    )  # fmt: skip
    assert res.returncode == 2, res.stdout
    assert "error: outcomes.dropoff=['withdrawm']: not an outcome nor an activity" in res.stderr
    assert "its cases end in ['b', 'c']" in res.stderr
    assert "the held-out log's cases also end in ['withdrawn']" in res.stderr
    assert not run.exists()


def test_calibrate_model_takes_a_held_out_outcome_and_refuses_it_without(tmp_path):
    from sim.calibrate import calibrate_model, list_outcomes

    train, test = (pd.read_csv(p) for p in two_logs(tmp_path))
    held_out = list_outcomes(test)
    assert held_out == ["b", "c", "withdrawn"]
    with pytest.raises(ConfigError, match=r"dropoff_outcomes=\['withdrawn'\]: not an outcome"):
        calibrate_model(train, dropoff_outcomes=["withdrawn"], seed=0)
    cal = calibrate_model(
        train, dropoff_outcomes=["withdrawn", "c"], held_out_outcomes=held_out, seed=0
    )
    assert cal.dropoff_outcomes == ["withdrawn", "c"]
    assert cal.model.metadata["dropoff_outcomes"] == ["withdrawn", "c"]
    assert {e.outcome: e.success for e in cal.model.ends.values()} == {"b": True, "c": False}
    assert any("['withdrawn']: no case of the training log ends there" in n for n in cal.notes)
