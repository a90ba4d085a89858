"""Keys given beside a model file (``+process.<key>=...``) change the model read, as they change
a bundled one (QA2 2026-12-05: they were silently ignored; without the '+' the message said
only that 'arrivals' is no key of ``process``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.simcli import run_sim

CRM = Path(__file__).resolve().parents[2] / "configs" / "process" / "crm_sales.yaml"


def _simulate(tmp_path: Path, run: str, *overrides: str):
    return run_sim(
        "simulate",
        f"process={CRM}",
        *overrides,
        "scenario.replications=1",
        "scenario.horizon_days=2",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={tmp_path / run}",
    )


def test_plus_keys_change_the_model_read_from_a_file(tmp_path):
    res = _simulate(
        tmp_path,
        "run",
        "+process.arrivals.segments.key_account.priority=2",
        "+process.roles.legal.headcount=3",
    )
    assert res.returncode == 0, res.stderr
    model = yaml.safe_load((tmp_path / "run" / "model.yaml").read_text())
    assert model["arrivals"]["segments"]["key_account"]["priority"] == 2
    assert model["roles"]["legal"]["headcount"] == 3
    assert model["arrivals"]["segments"]["small_business"]["priority"] == 1  # the file's


def test_a_key_without_plus_says_how_to_give_it(tmp_path):
    res = _simulate(tmp_path, "run", "process.roles.legal.headcount=3")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "a model read from a file (process.path) takes changes with a leading '+'" in res.stderr
    assert "+process.roles.legal.headcount=..." in res.stderr


def test_a_bad_value_beside_a_file_names_its_key(tmp_path):
    res = _simulate(tmp_path, "run", "+process.roles.legal.headcount=-1")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "roles.legal.headcount" in res.stderr


def test_a_name_the_model_has_not_is_refused_with_the_nearest(tmp_path):
    """QA4a: '+process.roles.serverr.headcount=3' added an idle role 'serverr' and left
    'server' as it was, with exit status 0."""
    res = _simulate(tmp_path, "run", "+process.roles.legall.headcount=3")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "+process.roles.legall: the model has no role 'legall' (did you mean 'legal'?)" in (
        res.stderr
    )
    assert not (tmp_path / "run").exists()
