"""Labels of runs of a model file: a run that typed no ``+process.<key>`` shows the value its
model simulated (its ``model.yaml``), not ``default`` (QA manager15 #1: ``calendar=default``
and ``hourly_cost=default`` where the file said ``office`` and ``50``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.simcli import run_sim

MMC = Path(__file__).resolve().parents[2] / "configs" / "process" / "mmc.yaml"


def _simulate(model: Path, run: Path, *overrides: str) -> Path:
    res = run_sim(
        "simulate",
        f"process={model}",
        *overrides,
        "scenario.replications=2",
        "scenario.horizon_days=2",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    return run


def test_a_run_that_typed_no_model_key_shows_the_value_of_its_model_file(tmp_path):
    model = tmp_path / "m" / "office.yaml"
    model.parent.mkdir()
    shutil.copy(MMC, model)
    runs = [
        _simulate(model, tmp_path / "base"),
        _simulate(model, tmp_path / "rate60", "+process.roles.server.hourly_cost=60"),
        _simulate(model, tmp_path / "faster", "+process.steps.service.duration.mean=1.4"),
    ]
    out = tmp_path / "cmp"
    res = run_sim(
        "compare",
        f"runs=[{','.join(map(str, runs))}]",
        "output.report=false",
        f"hydra.run.dir={out}",
    )
    assert res.returncode == 0, res.stderr
    expected = [
        "process.roles.server.hourly_cost=0.0 process.steps.service.duration.mean=1.6",
        "process.roles.server.hourly_cost=60 process.steps.service.duration.mean=1.6",
        "process.roles.server.hourly_cost=0.0 process.steps.service.duration.mean=1.4",
    ]
    scenarios = json.loads((out / "scenarios.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in scenarios] == expected
    # the label's parts, for the report to name a scenario by what it changes
    assert scenarios[1]["settings"] == {
        "process.roles.server.hourly_cost": "60",
        "process.steps.service.duration.mean": "1.6",
    }
    table = pd.read_csv(out / "comparison.csv", dtype={"scenario": str})
    assert list(dict.fromkeys(table["scenario"])) == expected
    assert f"baseline: {expected[0]}" in res.stdout and "=default" not in res.stdout


def _run(run_dir: Path, overrides: list[str], config: dict):
    from sim.cli.compare import SimulateRun

    return SimulateRun(run_dir, pd.DataFrame(), "m", 0, 1, overrides, config=config)


@pytest.mark.parametrize(
    "damage",
    [
        "alias bomb",
        "too large",
        "not UTF-8",
        "not YAML",
        "a list",
        "a folder",
    ],
)
def test_an_untrusted_model_yaml_in_a_run_falls_back_to_the_typed_value(
    tmp_path, monkeypatch, damage
):
    """The run folder's files are anyone's: a model.yaml that is no sound model file is not
    read (no alias bomb expanded, no huge file loaded) and the label says ``default``, as
    before it was read at all."""
    import sim.cli.compare as compare

    base, typed = tmp_path / "base", tmp_path / "typed"
    for d in (base, typed):
        d.mkdir()
    path = base / "model.yaml"
    if damage == "alias bomb":
        lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
        path.write_text("\n".join(lines) + "\nroles: {clerk: {calendar: office}}\n")
    elif damage == "too large":
        monkeypatch.setattr(compare, "MAX_MODEL_BYTES", 10)
        path.write_text("roles: {clerk: {calendar: office}}\n")
    elif damage == "not UTF-8":
        path.write_bytes(b"roles: {clerk: {calendar: \xff}}\n")
    elif damage == "not YAML":
        path.write_text("roles: {clerk: [\n")
    elif damage == "a list":
        path.write_text("- roles\n")
    else:
        path.mkdir()
    config = {"process": {"path": "/m/office.yaml"}}
    runs = [
        _run(base, ["process.path=/m/office.yaml"], config),
        _run(
            typed,
            ["process.path=/m/office.yaml", "+process.roles.clerk.calendar=long"],
            {"process": {"path": "/m/office.yaml", "roles": {"clerk": {"calendar": "long"}}}},
        ),
    ]
    assert compare.scenario_labels(runs) == [
        "process.roles.clerk.calendar=default",
        "process.roles.clerk.calendar=long",
    ]
    # the same folder with a sound model.yaml: its value
    if path.is_dir():
        path.rmdir()
    monkeypatch.setattr(compare, "MAX_MODEL_BYTES", 1 << 20)
    path.write_text("roles: {clerk: {calendar: office}}\n")
    runs[0] = _run(base, ["process.path=/m/office.yaml"], config)
    assert compare.scenario_labels(runs)[0] == "process.roles.clerk.calendar=office"
