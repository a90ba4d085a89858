"""A calibrated decision requires the step it follows (QA redesign15 #3): with empty requires,
move_decision (and the optimiser) took 'after:Assess loan risk' before 'Assess loan risk', so
rejected applications skipped the very assessment that rejected them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.errors import RedesignRefused
from sim.model.process import ProcessModel
from sim.redesign import merge_steps, move_decision, parallelise_steps, remove_step
from sim.redesign.graph import unsatisfied_requirements


def loan_log(n: int = 300, *, seed: int = 5) -> pd.DataFrame:
    """Intake -> Prepare -> Assess -> {Reject | Offer, then Pack || Quote -> {Approve | Cancel}}."""
    rng = np.random.default_rng(seed)
    rows = []
    t = pd.Timestamp("2024-03-04 09:00")
    minute = pd.Timedelta(minutes=1)
    for i in range(n):
        t += pd.Timedelta(hours=float(rng.exponential(2.0)))
        case = f"L{i:03d}"

        def add(act: str, start: pd.Timestamp, minutes: float, who: str, case: str = case) -> None:
            rows.append((case, act, start, start + minutes * minute, who))

        add("Intake", t, 10, f"c{i % 4}")
        add("Prepare", t + 15 * minute, 20, f"c{(i + 1) % 4}")
        add("Assess", t + 40 * minute, 30, f"u{i % 3}")
        if rng.random() < 0.4:
            add("Reject", t + 80 * minute, 10, f"u{(i + 1) % 3}")
            continue
        add("Offer", t + 80 * minute, 20, f"u{(i + 2) % 3}")
        split = t + 105 * minute
        add("Pack", split, float(rng.uniform(30, 60)), f"p{i % 3}")
        add("Quote", split + 5 * minute, float(rng.uniform(30, 60)), f"q{i % 3}")
        add("Approve" if rng.random() < 0.5 else "Cancel", split + 75 * minute, 10, f"m{i % 2}")
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])


@pytest.fixture(scope="module")
def model() -> ProcessModel:
    return calibrate_model(loan_log(), seed=0).model


def test_a_decision_after_a_step_requires_it(model: ProcessModel) -> None:
    d = model.decisions["after:Assess"]
    assert d.requires == ("Assess",)
    assert "'Assess'" in d.provenance["requires_rule"]
    with pytest.raises(RedesignRefused, match="right after its inputs 'Assess'"):
        move_decision(model, "after:Assess")
    assert not unsatisfied_requirements(model)


def test_a_decision_after_a_join_requires_the_blocks_steps(model: ProcessModel) -> None:
    (par,) = model.parallels.values()
    after_join = model.decisions[par.next]
    assert set(after_join.requires) == {"Pack", "Quote"}


def test_redesigns_of_a_calibrated_model_still_work(model: ProcessModel) -> None:
    """Removing the step a decision requires passes the requirement on to what it required."""
    out = remove_step(model, "Assess")
    assert out.decisions["after:Assess"].requires == ()
    out = remove_step(model, "Pack")
    assert out.decisions[next(d for d in out.decisions if "parallel" in d)].requires == ("Quote",)
    # the log's fixed gaps give each step a timer ('delay:X') before it: drop it to merge
    untimed = remove_step(model, "delay:Assess")
    merged = merge_steps(untimed, ["Prepare", "Assess"], role="role_1")
    assert merged.decisions["after:Assess"].requires == ("Prepare+Assess",)
    side = parallelise_steps(remove_step(untimed, "delay:Prepare"), ["Intake", "Prepare"])
    assert side.decisions["after:Assess"].requires == ("Assess",)
