"""An export of a model named like one of the run's own files (``config``, ``run``) is written
under another name, said on the console, and not lost under the run's record or config
(QA 2026-12-05 security: ``config`` as YAML printed "wrote .../config.yaml" but the file held
the run's config; ``run`` as JSON or BPMN was refused as "run.json: exists already")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sim.cli.export import export_stem
from tests.simcli import REPO, run_sim


def model_named(tmp_path: Path, name: str) -> Path:
    text = (REPO / "configs" / "process" / "mmc.yaml").read_text(encoding="utf-8")
    assert "\nname: mmc\n" in text
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace("\nname: mmc\n", f"\nname: {name}\n"), encoding="utf-8")
    return path


def test_a_model_named_config_exported_as_yaml_keeps_the_runs_config(tmp_path):
    run = tmp_path / "e"
    res = run_sim(
        "export",
        f"process={model_named(tmp_path, 'config')}",
        "format=yaml",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    assert f"wrote {run / 'config_model.yaml'}" in res.stdout
    assert "config.yaml is the name of one of the run's own files" in res.stdout
    assert yaml.safe_load((run / "config_model.yaml").read_text())["name"] == "config"
    assert "format" in yaml.safe_load((run / "config.yaml").read_text())  # the run's config
    assert json.loads((run / "run.json").read_text())["path"] == str(run / "config_model.yaml")


@pytest.mark.parametrize("fmt", ["json", "bpmn"])
def test_a_model_named_run_is_exported_beside_the_runs_record(tmp_path, fmt):
    run = tmp_path / "e"
    res = run_sim(
        "export", f"process={model_named(tmp_path, 'run')}", f"format={fmt}", f"hydra.run.dir={run}"
    )
    assert res.returncode == 0, res.stderr
    assert "exists already" not in res.stderr
    assert json.loads((run / "run_model.json").read_text())  # the model, or its Prosimos JSON
    assert json.loads((run / "run.json").read_text())["command"] == "export"
    if fmt == "bpmn":
        assert (run / "run_model.bpmn").is_file()
    again = run_sim(
        "export",
        f"process={model_named(tmp_path, 'run')}",
        f"format={fmt}",
        f"hydra.run.dir={run}",
        "output.overwrite=true",
    )
    assert again.returncode == 0, again.stderr


def test_export_stem_avoids_only_the_runs_own_names():
    assert export_stem("config", "yaml") == "config_model"
    assert export_stem("config", "json") == "config"
    assert export_stem("run", "json") == "run_model"
    assert export_stem("run", "bpmn") == "run_model"  # its Prosimos JSON is run.json
    assert export_stem("report", "png") == "report"
    assert export_stem("mmc", "yaml") == "mmc"
