"""What simulate says under ``scenario.max_cases``, and where a capped run stops (QA rt27_engine
F3, F4, F5, F8, F9).

- F3: a cap reached in every warm-up measured nothing, yet the console's first line promised
  "95 % confidence intervals", and for one replication advised "raise scenario.replications".
- F4: an M/M/1 at 50 % capped at the warm-up's 168 expected cases measured windows of about a
  day, in the replications whose warm-up had fewer arrivals; every interval missed the closed
  form (1.68 +- 0.11 h for 2 h) and nothing said these were not steady-state figures.
- F5: with ``scenario.drain=false`` a capped run went on to the horizon's end and drained (its
  files byte-identical to a drained run's), where the README says it stops when arrivals do.
- F8: the overload warning before a capped run said the figures depend on
  ``scenario.horizon_days`` and, in the same paragraph, on max_cases rather than the horizon.
- F9: the README's Python recipe failed after a bare ``import sim`` and did not say where
  ``kpi_table`` and ``cycle_time_table`` come from.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from sim.engine import run_replication
from sim.kpis import replication_kpis
from sim.model import from_dict
from sim.model.scenario import Scenario

# the QA's mm1.yaml is _mm1(2, 1), its mm1_sat.yaml _mm1(0.8, 1)
from tests.cli.test_cap_inside_warmup import _mm1
from tests.cli.test_cap_inside_warmup import _simulate as simulate_model
from tests.conftest import REPO


def _simulate(tmp_path, *overrides: str) -> tuple[str, dict]:
    """simulate the M/M/1 at 50 % with the QA's 14-day warm-up: its console and kpis.json."""
    out, _, report = simulate_model(tmp_path, _mm1(2.0, 1.0), *overrides)
    return out, report


def test_with_nothing_measured_the_first_line_promises_no_intervals_and_names_the_cap(tmp_path):
    """The QA's cap of 50 (all in the 14-day warm-up), with one replication."""
    out, report = _simulate(tmp_path, "scenario.max_cases=50", "scenario.replications=1")
    assert report["measured_replications"] == 0
    first = out.splitlines()[0]
    assert first == (
        "mm1: 1 replication, none measured (scenario.max_cases=50 was reached in the warm-up: "
        "see the warning), so no values and no confidence intervals"
    )
    assert "raise scenario.replications" not in out
    # the warning below says what to change
    assert "set scenario.warmup_days=0 or raise scenario.max_cases" in out


def test_short_capped_windows_are_said_not_to_be_steady_state_figures(tmp_path):
    """The QA's mm1 and cap 168: 5 of these 10 replications measured, over about a day each."""
    out, report = _simulate(tmp_path, "scenario.max_cases=168", "scenario.replications=10")
    assert report["measured_replications"] == 5
    notes = [w for w in report["warnings"] if w.startswith("note: the measured windows are too")]
    assert len(notes) == 1 and out.count(notes[0]) == 1
    note = notes[0]
    days = float(re.search(r"ended them about ([\d.]+) days after the warm-up", note).group(1))
    assert 0.5 < days < 2
    # why: the relaxation time it is short against, the selection of the measured replications
    assert "server (offered 50 % of its hours)" in note
    assert "time constant of roughly 12 hours" in note
    assert "the 5 replications measured are those whose warm-up had fewer arrivals" in note
    assert "a bias the confidence intervals (the spread between replications) do not" in note
    # what to do: a longer window, a larger cap or none
    assert "at least about 10 time constants (4.86 days)" in note
    assert "a larger scenario.max_cases, or none (scenario.max_cases=null" in note


def test_no_short_window_note_for_a_long_capped_window_or_without_a_cap():
    from sim.cli.simulate import short_window_note

    model = from_dict(_mm1(2.0, 1.0))
    capped = Scenario(max_cases=800)
    lo = capped.warmup_hours
    table = pd.DataFrame({"replication": [0, 1], "cases_arrived": [150.0, 180.0]})
    report = {"saturated_roles": []}
    # windows of 6.3 and 7.5 days: more than ten of the server's 0.49-day time constants
    long = {0: lo + 150.0, 1: lo + 180.0}
    assert short_window_note(table, report, model, capped, long) is None
    short = {0: lo + 30.0, 1: lo + 40.0}
    assert short_window_note(table, report, model, capped, short) is not None
    assert short_window_note(table, report, model, Scenario(), None) is None


def _saturated_trace(**scenario) -> tuple:
    """One replication of an M/M/1 offered 125 %, capped at 40 cases in a 2-day horizon."""
    model = from_dict(_mm1(0.8, 1.0))
    sc = Scenario(warmup_days=0, horizon_days=2, max_cases=40, **scenario)
    trace = run_replication(model, sc, seed=0)
    return trace, replication_kpis(trace, model)


def test_without_drain_a_capped_run_stops_where_the_cap_stopped_the_arrivals():
    trace, kpis = _saturated_trace(drain=False)
    lo, hi = trace.window
    assert lo == 0.0 and hi < 2 * 24  # the cap stopped the arrivals inside the horizon
    # not at the horizon's end, 48 h, by when every case had finished
    assert trace.run_end == pytest.approx(hi, abs=1e-9)
    assert kpis["cases_in_progress"] > 0


def test_a_capped_drain_counts_its_days_from_where_the_cap_stopped_the_arrivals():
    trace, kpis = _saturated_trace(drain_days=0.1)
    assert trace.run_end == pytest.approx(trace.window[1] + 2.4, abs=1e-9)
    assert kpis["cases_in_progress"] > 0  # the queue of a role offered 125 % outlasts 2.4 h
    _, kpis = _saturated_trace()  # the default drain still lets every case finish
    assert kpis["cases_in_progress"] == 0


def test_the_overload_warning_before_a_capped_run_names_the_cap_not_the_horizon():
    from sim.model.views import pre_run_warnings

    model = from_dict(_mm1(0.8, 1.0))
    for drain, after in ((True, "drain after"), (False, "the run stops then")):
        (warning,) = pre_run_warnings(model, Scenario(max_cases=900, drain=drain))
        assert "horizon_days" not in warning, warning
        assert "depend on scenario.max_cases (where it stops the arrivals)" in warning
        assert "With scenario.max_cases=900 arrivals stop after about 30 days" in warning
        assert after in warning
    (uncapped,) = pre_run_warnings(model, Scenario())
    assert "depend on scenario.horizon_days" in uncapped and "max_cases" not in uncapped


def test_the_readme_python_recipe_runs_after_its_own_imports_only():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    recipe = re.search(r"From Python.*?```python\n(.*?)```", text, re.S)
    assert recipe, "README: no python block after 'From Python'"
    code = recipe.group(1)
    assert "from sim.kpis import cycle_time_table, kpi_table" in code
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("mmc: 3 replications, 95 % confidence intervals")
