"""A scenario whose measurement window was deleted (``~scenario.horizon_days``) or left out
of a user's scenario config is refused by name: it ran silently on ``Scenario``'s own
defaults (28 and 7 days), not the documented 42 and 14, and its config.yaml did not say which
(QA hydrapower)."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from sim.cli.simulate import scenario_of
from sim.errors import ConfigError
from tests.simcli import run_sim


def test_a_deleted_horizon_is_refused_naming_the_key(tmp_path):
    res = run_sim("process=mmc", "~scenario.horizon_days", f"hydra.run.dir={tmp_path / 'r'}")
    assert res.returncode == 2, res.stderr
    assert "scenario.horizon_days: no value" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "r" / "kpis.json").exists()


@pytest.mark.parametrize(
    ("scenario", "named"),
    [
        ({"warmup_days": 14}, "scenario.horizon_days"),
        ({"horizon_days": 42, "warmup_days": None}, "scenario.warmup_days"),
        ({}, "scenario.horizon_days, scenario.warmup_days"),
    ],
)
def test_a_scenario_without_its_window_is_refused(scenario, named):
    with pytest.raises(ConfigError, match=rf"^{named}: no value"):
        scenario_of(OmegaConf.create({"scenario": scenario}))


def test_no_scenario_at_all_is_refused_and_a_whole_one_is_read():
    with pytest.raises(ConfigError, match=r"^scenario: the run has no scenario settings"):
        scenario_of(OmegaConf.create({"seed": 0}))
    given = {"horizon_days": 3, "warmup_days": 1, "replications": 2}
    s = scenario_of(OmegaConf.create({"scenario": given}))
    assert (s.horizon_days, s.warmup_days, s.replications) == (3, 1, 2)


def test_a_key_of_a_section_deleted_in_the_same_command_is_said_so(tmp_path):
    """QA retest14: '~scenario scenario.replications=2' said "unknown key 'replications' ...
    (did you mean 'replications'?)"."""
    res = run_sim(
        "process=mmc", "~scenario", "scenario.replications=2", f"hydra.run.dir={tmp_path}"
    )
    assert res.returncode == 2, res.stderr
    assert (
        "scenario.replications: its section was deleted in the same command (~scenario)"
        in res.stderr
    )
    assert "did you mean" not in res.stderr
