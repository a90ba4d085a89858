"""compare names a scenario measured otherwise than its baseline: another horizon or warm-up,
or left undrained where the baseline drained (its cycle times are then those of the finished,
quicker cases only), which used to read as the process's own change."""

from __future__ import annotations

from tests.simcli import run_sim

SMALL = ["process=mmc", "scenario.replications=3", "scenario.horizon_days=3", "progress=false"]


def test_an_undrained_run_against_a_drained_one_is_named_with_both_settings(tmp_path):
    a, b, c, out = (tmp_path / n for n in ("a", "b", "c", "out"))
    for run, extra in ((a, []), (b, ["scenario.drain=false"]), (c, ["seed=1"])):
        res = run_sim(*SMALL, *extra, "output.report=false", f"hydra.run.dir={run}")
        assert res.returncode == 0, res.stderr
    res = run_sim("compare", f"runs=[{a},{b},{c}]", f"hydra.run.dir={out}", "output.report=false")
    assert res.returncode == 0, res.stderr
    note = next(line for line in res.stdout.splitlines() if "measured otherwise" in line)
    assert "(scenario.drain=false against true)" in note
    assert "with scenario.drain=false only the cases finished by the end" in note
    assert "seed=1" not in note  # the same measurement: another seed is no difference
    assert "measured otherwise than the baseline" in (out / "comparison.md").read_text()
    # the undrained run's quicker finished cases are no verdict on the process; the other seed
    # (measured alike) keeps its verdicts
    import pandas as pd

    table = pd.read_csv(out / "comparison.csv")
    labels = list(dict.fromkeys(table["scenario"]))
    undrained = table[table["scenario"] == labels[1]]
    assert not undrained["verdict"].isin(["better", "worse"]).any()


def test_runs_measured_alike_get_no_such_note(tmp_path):
    a, b, out = (tmp_path / n for n in ("a", "b", "out"))
    for run, extra in ((a, []), (b, ["scenario.staffing.server=3"])):
        res = run_sim(*SMALL, *extra, "output.report=false", f"hydra.run.dir={run}")
        assert res.returncode == 0, res.stderr
    res = run_sim("compare", f"runs=[{a},{b}]", f"hydra.run.dir={out}", "output.report=false")
    assert res.returncode == 0, res.stderr
    assert "measured otherwise" not in res.stdout


def test_a_longer_horizon_and_warm_up_are_named_in_the_baseline_order():
    import pandas as pd

    from sim.report.compare import comparison_notes

    base = {"horizon_days": 42, "warmup_days": 14, "drain": True, "drain_days": None}
    scenarios = [
        {"label": "base", "baseline": True, "measurement": base},
        {"label": "long", "measurement": base | {"horizon_days": 84, "warmup_days": 0}},
        {"label": "old run", "measurement": {}},  # written before runs recorded it
    ]
    empty = pd.DataFrame({"scenario": [], "verdict": [], "kpi": []})
    notes = [n for n in comparison_notes(empty, scenarios) if "measured otherwise" in n]
    assert notes == [
        "measured otherwise than the baseline: long (scenario.horizon_days=84 against 42, "
        "scenario.warmup_days=0 against 14). Its KPIs count other cases or stop at another "
        "time, so a change may be the measurement's, not the process's: a change of its reads "
        "'changed', neither better nor worse; simulate both with the same horizon_days and "
        "warmup_days for a verdict"
    ]


def test_a_baseline_that_typed_no_boolean_shows_it_as_typed_on_a_command_line():
    """QA retest: the drained baseline's label read scenario.drain=True beside drain=false."""
    from sim.cli.compare import _shown

    assert _shown(True, None) == "true" and _shown(False, None) == "false"
    assert _shown(None, None) == "null" and _shown(2, None) == "2"


def test_every_kpi_of_a_scenario_measured_otherwise_is_changed_not_better_or_worse():
    """QA retest (left out last session): a run with another horizon got better/worse verdicts
    beside the note that they may be the measurement's."""
    import pandas as pd

    from sim.kpis.compare import compare_scenarios

    base = pd.DataFrame(
        {"cycle_time_mean": [10.0, 11.0, 12.0, 10.5], "throughput_per_week": [5, 5, 6, 5]}
    )
    quicker = base.assign(cycle_time_mean=base["cycle_time_mean"] - 4.0)
    tables = {"base": base, "short horizon": quicker, "other seed": quicker}
    out = compare_scenarios(
        tables, baseline="base", paired=True, measured_otherwise={"short horizon"}
    ).set_index(["scenario", "kpi"])
    assert out.loc[("short horizon", "cycle_time_mean"), "verdict"] == "changed"
    assert out.loc[("other seed", "cycle_time_mean"), "verdict"] == "better"
    assert out.loc[("short horizon", "throughput_per_week"), "verdict"] == "no change"


def test_compare_passes_the_runs_measured_otherwise_on_to_their_verdicts(tmp_path):
    import pandas as pd

    from sim.cli.compare import SimulateRun, _Compared

    base = pd.DataFrame({"cycle_time_mean": [10.0, 11.0, 12.0, 10.5]})
    quicker = base - 4.0
    measured = {"horizon_days": 30, "warmup_days": 0, "drain": True}

    def run(name, table, **scenario):
        return SimulateRun(
            tmp_path / name, table, "m.yaml", 0, 4, [], scenario={**measured, **scenario}
        )

    runs = [run("a", base), run("b", quicker, horizon_days=1), run("c", quicker)]
    verdicts = _Compared.of(runs).comparison.set_index("scenario")["verdict"]
    assert list(verdicts) == ["baseline", "changed", "better"]
