"""A rerun into a directory whose search used another storage is told an override it can use
(QA rdb20 #7: it was told ``optimizer.storage=postgresql+pg8000://alice:***@...``, which holds the
mask, not the password, while the run had been given ``'${oc.env:SIM_STORAGE_URL}'``)."""

from __future__ import annotations

import json
import os

from sim.cli.optimize import _storage_fix
from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim


def test_the_storage_given_as_an_interpolation_is_suggested_as_typed(tmp_path):
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 2), f"hydra.run.dir={run}"]
    env = {**os.environ, "SIM_STORAGE_URL": f"sqlite:///{tmp_path / 'shared.db'}"}
    res = run_sim(*args, "optimizer.storage=${oc.env:SIM_STORAGE_URL}", env=env)
    assert res.returncode == 0, res.stderr
    res = run_sim(*args, env=env)  # without the storage: refused
    assert res.returncode == 2, res.stdout + res.stderr
    assert "rerun with 'optimizer.storage=${oc.env:SIM_STORAGE_URL}' to resume it" in res.stderr, (
        res.stderr
    )
    res = run_sim(*args, "optimizer.storage=${oc.env:SIM_STORAGE_URL}", env=env)
    assert res.returncode == 0, res.stderr  # as told: resumed


def test_a_masked_url_is_suggested_with_word_of_its_password(tmp_path):
    masked = "postgresql+pg8000://alice:***@127.0.0.1:55432/simdb"
    (tmp_path / "run.json").write_text(
        json.dumps(
            {"command": "optimize", "storage": masked, "overrides": [f"optimizer.storage={masked}"]}
        )
    )
    said = _storage_fix(masked, tmp_path)
    assert said.startswith(f"optimizer.storage={masked}, its password in place of ***")
    assert "'optimizer.storage=${oc.env:SIM_STORAGE_URL}'" in said
