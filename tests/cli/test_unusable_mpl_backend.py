"""An unusable ``MPLBACKEND`` in the user's environment does not stop the command line: it draws
on Agg canvases and opens no window (QA retest23b #8: compare, report and export stopped with a
traceback at ``import matplotlib``, compare's run record left "running")."""

from __future__ import annotations

import os

from tests.simcli import run_sim


def test_export_draws_its_map_whatever_mplbackend_says(tmp_path):
    env = {**os.environ, "MPLBACKEND": "nonexistent_backend"}
    run = tmp_path / "exp"
    res = run_sim(
        "export", "process=mmc", "format=png", f"hydra.run.dir={run}", env=env, fresh=True
    )
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert list(run.glob("*.png"))
