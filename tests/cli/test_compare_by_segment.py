"""``simulate`` and ``compare`` of a model with two segments show each segment's KPIs (QA: key
accounts put last were 22 h slower while the overall mean cycle time said 'better')."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from tests.kpis.test_kpis_by_segment import two_segments
from tests.simcli import run_sim

SMALL = ["scenario.replications=4", "scenario.horizon_days=20", "progress=false", "seed=3"]


def simulate(tmp_path: Path, name: str, spec: dict, *extra: str) -> Path:
    """A simulate run of the model ``spec`` (written as ``<name>/model.yaml``) into ``<name>/run``."""
    folder = tmp_path / name
    folder.mkdir()
    path = folder / "model.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    run = folder / "run"
    res = run_sim(
        "process=_from_file", f"process.path={path}", *SMALL, *extra, f"hydra.run.dir={run}"
    )
    assert res.returncode == 0, res.stderr
    return run


def test_compare_shows_each_segment_and_names_the_one_harmed(tmp_path):
    first = simulate(tmp_path, "first", two_segments(0), "output.report=false", "output.trace=true")
    last = simulate(tmp_path, "last", two_segments(2), "output.report=false")
    kpis = json.loads((first / "kpis.json").read_text())
    assert [row["segment"] for row in kpis["by_segment"]] == ["vip", "regular"]
    # cycle_times.csv.gz names the cases as trace.csv.gz does, with their segment
    cycle = pd.read_csv(first / "cycle_times.csv.gz")
    trace = pd.read_csv(first / "trace.csv.gz")
    segment_of = trace.drop_duplicates("case_id").set_index("case_id")["segment"]
    # (a case that gave up in the first queue executed nothing: it is in no row of the trace)
    in_trace = cycle["case_id"].isin(segment_of.index)
    assert in_trace.mean() > 0.5
    assert (cycle.loc[in_trace, "segment"] == cycle.loc[in_trace, "case_id"].map(segment_of)).all()
    vip = kpis["by_segment"][0]["cycle_time_mean"]["mean"]
    per_rep = cycle[cycle["segment"] == "vip"].groupby("replication")["cycle_time_h"].mean()
    assert abs(per_rep.mean() - vip) < 1e-9 * vip

    out = tmp_path / "cmp"
    res = run_sim("compare", f"runs=[{first},{last}]", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "comparison.csv").set_index(["scenario", "kpi"])
    label = [s for s in table.index.get_level_values("scenario").unique() if "last" in s][0]
    vip = table.loc[(label, "segment:vip:waiting_per_case")]
    regular = table.loc[(label, "segment:regular:waiting_per_case")]
    assert bool(vip["paired"]) and vip["ci_low"] > 0 and vip["verdict"] == "worse"
    assert regular["ci_high"] < 0 and regular["verdict"] == "better"
    assert "segment vip:" in res.stdout and "Waiting per case (h)" in res.stdout
    assert f"note: {label}: significantly worse for segment vip: " in res.stdout
    assert "By segment" in (out / "report.html").read_text(encoding="utf-8")
    assert "significantly worse for segment vip" in (out / "comparison.md").read_text()


def test_a_single_segment_run_has_no_segment_view(tmp_path):
    spec = two_segments()
    del spec["arrivals"]["segments"], spec["decisions"]["route"]["by_segment"]
    spec["ends"]["won"]["value"] = 100
    run = simulate(tmp_path, "one", spec, "output.trace=true")
    kpis = json.loads((run / "kpis.json").read_text())
    assert "by_segment" not in kpis
    assert not [c for c in pd.read_csv(run / "replications.csv").columns if "segment" in c]
    assert list(pd.read_csv(run / "cycle_times.csv.gz").columns) == ["replication", "cycle_time_h"]
    assert "By segment" not in (run / "report.html").read_text(encoding="utf-8")
