"""``Scenario`` as a library user builds it (QA, library use): its defaults are the command
line's, and numpy numbers are numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.errors import ConfigError
from sim.model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]


def test_the_defaults_are_those_of_the_command_lines_scenario_config():
    """``Scenario()`` had a 28-day horizon after a 7-day warm-up, the config 42 and 14: a
    script and ``python -m sim simulate`` gave other numbers for the same model."""
    config = yaml.safe_load((ROOT / "configs/scenario/default.yaml").read_text())
    assert Scenario() == Scenario.from_dict(config)
    assert (Scenario().horizon_days, Scenario().warmup_days) == (42.0, 14.0)


def test_numpy_integers_are_integers_and_are_stored_as_plain_ones():
    sc = Scenario(
        replications=np.int64(2),
        staffing={"legal": np.int64(2), "sales": np.uint8(3)},
        max_cases=np.int32(50),
        horizon_days=np.int64(10),
        warmup_days=np.float32(1.5),
    )
    assert (sc.replications, sc.max_cases, sc.horizon_days, sc.warmup_days) == (2, 50, 10, 1.5)
    assert sc.staffing == {"legal": 2, "sales": 3}
    plain = [sc.replications, sc.max_cases, sc.horizon_days, *sc.staffing.values()]
    assert all(type(v) is int for v in plain)
    assert type(sc.warmup_days) is float
    yaml.safe_dump(sc.to_dict())  # a config written from it holds no numpy objects


@pytest.mark.parametrize(
    ("kw", "said"),
    [
        ({"replications": np.float64(2.0)}, "scenario.replications: expected an integer >= 1"),
        ({"staffing": {"legal": np.float64(2.5)}}, "scenario.staffing.legal: expected an integer"),
        ({"staffing": {"legal": np.int64(-1)}}, "scenario.staffing.legal: expected an integer"),
        ({"replications": np.bool_(True)}, "scenario.replications: expected an integer >= 1"),
    ],
)
def test_numpy_numbers_that_are_no_count_are_still_refused(kw, said):
    with pytest.raises(ConfigError, match=said):
        Scenario(**kw)
