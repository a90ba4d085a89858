"""Steps that people of another role may take (``Step.alternatives``) in the report: a mark on
the map, and the fitted-vs-observed rows per role."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from report_testkit import write_calibrate_run

from sim.model import Alternative, Distribution, Role, load, save
from sim.report import build_report, draw_process_map, to_mermaid
from sim.report.charts import (
    alternative_fit_name,
    fit_groups,
    fit_rows,
    fits_from_instances,
    own_fit_name,
    plot_fits,
)


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _with_alternative(model, step: str, role: str, share: float, mean: float = 0.2):
    """``model`` where people of ``role`` (a new role of two when it has none) may take
    ``step`` with ``share`` of its cases, Exp(``mean``) each."""
    roles = dict(model.roles)
    if role not in roles:
        roles[role] = Role(role, 2, calendar="office", members=("j1", "j2"))
    alt = Alternative(role, Distribution.from_dict({"dist": "exponential", "mean": mean}), share)
    steps = dict(model.steps)
    steps[step] = dataclasses.replace(steps[step], alternatives=(alt,))
    return dataclasses.replace(model, roles=roles, steps=steps)


def _texts(fig) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)


# ------------------------------------------------------------------------------ process map
def test_the_map_marks_a_step_others_may_take_with_their_roles_and_shares(crm):
    model = _with_alternative(crm, "signing", "sales_manager", 0.25)
    text = _texts(draw_process_map(model, max_steps=None))
    assert "or sales manager 25%" in text
    assert "or sales manager" not in _texts(draw_process_map(crm, max_steps=None))


def test_a_step_with_alternatives_stays_in_its_own_lane_and_a_role_only_taking_it_has_one(crm):
    from sim.report.layout import layout_process

    model = _with_alternative(crm, "signing", "junior_exec", 0.4)
    layout = layout_process(model, iterations=4)
    assert layout.boxes["signing"].lane == "account_exec"
    assert "junior_exec" in [ln.name for ln in layout.lanes]  # with its headcount
    text = _texts(draw_process_map(model, max_steps=None))
    assert "or junior exec 40%" in text and "may take Signing" in text


def test_the_mermaid_export_names_the_alternatives(crm):
    model = _with_alternative(crm, "signing", "sales_manager", 0.25)
    assert re.search(r'\["Signing \(or sales manager 25%\)"\]', to_mermaid(model))


# ------------------------------------------------------------------------ fitted vs observed
def _instances(model, rng) -> pd.DataFrame:
    """Signing done by account executives (a1-a3, ~1 h) and sales managers (m1, ~0.2 h)."""
    rows = []
    for i in range(120):
        manager = i % 4 == 0
        d = rng.exponential(0.2 if manager else 1.0)
        rows.append(("signing", "m1" if manager else f"a{i % 3 + 1}", 10.0 + i, 10.0 + i + d, d))
    for i in range(30):
        rows.append(("onboarding", "c1", 5.0 + i, 11.0 + i, 6.0))
    return pd.DataFrame(rows, columns=["activity", "resource", "start", "end", "processing"])


@pytest.fixture
def with_members(crm):
    model = _with_alternative(crm, "signing", "sales_manager", 0.25)
    roles = dict(model.roles)
    roles["account_exec"] = dataclasses.replace(roles["account_exec"], members=("a1", "a2", "a3"))
    roles["sales_manager"] = dataclasses.replace(roles["sales_manager"], members=("m1",))
    roles["customer_success"] = dataclasses.replace(roles["customer_success"], members=("c1",))
    return dataclasses.replace(model, roles=roles)


def test_a_step_with_alternatives_is_compared_role_by_role(with_members):
    model = with_members
    inst = _instances(model, np.random.default_rng(3))
    fits = fits_from_instances(inst, model)
    own = own_fit_name("signing", "account_exec")
    alt = alternative_fit_name("signing", "sales_manager")
    assert set(fits) == {own, alt, "onboarding"}  # not all 120 instances against the own fit
    assert len(fits[own][0]) == 90 and fits[own][1] is model.steps["signing"].duration
    assert len(fits[alt][0]) == 30
    assert fits[alt][1] is model.steps["signing"].alternatives[0].duration
    # the alternative's durations are working time on its role's calendar
    from sim.calibrate.staff import working_time

    m = inst["resource"] == "m1"
    expected = working_time(
        model.calendar_of("sales_manager"), inst["start"][m].to_numpy(), inst["end"][m].to_numpy()
    )
    assert fits[alt][0] == pytest.approx(expected)
    assert fit_groups(fits, model) == {own: "signing", alt: "signing", "onboarding": "onboarding"}


def test_resources_read_as_numbers_still_find_their_roles(with_members):
    model = with_members
    roles = dict(model.roles)
    roles["sales_manager"] = dataclasses.replace(roles["sales_manager"], members=("11201",))
    model = dataclasses.replace(model, roles=roles)
    inst = _instances(model, np.random.default_rng(3))
    inst["resource"] = np.where(inst["resource"] == "m1", 11201.0, np.nan)  # a CSV's blanks
    fits = fits_from_instances(inst, model)
    assert len(fits[alternative_fit_name("signing", "sales_manager")][0]) == 30


def test_without_members_a_step_keeps_one_row_of_all_its_instances(crm):
    model = _with_alternative(crm, "signing", "sales_manager", 0.25)
    inst = _instances(model, np.random.default_rng(3))
    fits = fits_from_instances(inst, model)
    assert len(fits["signing"][0]) == 120


def test_plot_fits_keeps_a_steps_rows_together_and_leaves_out_whole_steps():
    rng = np.random.default_rng(0)
    d = Distribution.from_dict({"dist": "exponential", "mean": 1.0})
    fits = {
        "big": (rng.exponential(1, 200), d),
        "own": (rng.exponential(1, 150), d),
        "mid": (rng.exponential(1, 120), d),
        "alt": (rng.exponential(1, 20), d),
    }
    groups = {"own": "step", "alt": "step"}
    assert [n for n, _ in fit_rows(fits, groups, 4)] == ["big", "own", "alt", "mid"]
    assert [n for n, _ in fit_rows(fits, groups, 2)] == ["big"]  # "step" does not fit whole
    assert [n for n, _ in fit_rows(fits, {}, 2)] == ["big", "own"]  # without groups: by size
    fig = plot_fits(fits, groups=groups, max_rows=3)
    titles = [ax.get_title(loc="left") for ax in fig.axes[::2]]
    assert titles == ["Big", "Own", "Alt"]


def test_the_calibration_report_draws_the_alternative_against_its_roles_instances(
    tmp_path, with_members
):
    run = write_calibrate_run(tmp_path / "cal", with_members)
    save(load(run / "model.yaml"), run / "model.yaml", overwrite=True)  # members kept
    _instances(with_members, np.random.default_rng(3)).to_csv(run / "instances.csv.gz", index=False)
    page = build_report(run, save_figures=True).read_text(encoding="utf-8")
    assert "has a row per role" in page
    assert "Fitted vs observed durations unavailable" not in page
