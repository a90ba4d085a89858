"""``backtest=false`` (the whole section replaced by a switch) names the key that switches the
back-test off, instead of "backtest: expected a mapping (a section with keys such as
'replications' ...)" (2026-12-06)."""

from __future__ import annotations

import pytest

from tests.simcli import run_sim


@pytest.mark.parametrize("value", ["false", "true"])
def test_backtest_set_to_a_switch_names_backtest_enabled(tmp_path, value):
    log = tmp_path / "log.csv"
    log.write_text(
        "case_id,activity,start_time,end_time,resource\n1,a,2026-01-05 09:00,2026-01-05 09:30,r1\n",
        encoding="utf-8",
    )
    run = tmp_path / "run"
    res = run_sim("calibrate", f"log={log}", f"backtest={value}", f"hydra.run.dir={run}")
    assert res.returncode == 2, res.stderr
    assert "backtest.enabled=false" in res.stderr and "Traceback" not in res.stderr
    assert not run.exists() or not (run / "model.yaml").exists()
