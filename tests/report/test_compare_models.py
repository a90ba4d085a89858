"""The comparison page says what each scenario's model changes against the baseline's (a
hand-edited what-if), and the diff map infers calendar, arrival and duration changes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.kpis.compare import compare_scenarios
from sim.model import from_dict, load, save, to_dict
from sim.report.compare import build_comparison_report
from sim.report.diff_map import model_changes

CRM = Path(__file__).resolve().parents[2] / "configs" / "process" / "crm_sales.yaml"


def _what_if() -> tuple:
    """Today's CRM model and one where legal works 08:00-18:00 on weekdays (50 h instead of
    35 h), contract review takes two thirds of its time and 10 % more cases arrive."""
    base = load(CRM)
    spec = to_dict(base)
    spec["calendars"]["legal_long"] = {"weekdays": ["08:00-18:00"]}
    spec["roles"]["legal"]["calendar"] = "legal_long"
    review = spec["steps"]["contract_review"]["duration"]
    review["mean"] = review["mean"] * 2 / 3
    review["std"] = review["std"] * 2 / 3
    gap = spec["arrivals"]["interarrival"]
    gap["mean"] = gap["mean"] / 1.1
    return base, from_dict(spec)


def test_calendar_arrival_and_duration_changes_are_inferred():
    base, other = _what_if()
    ch = model_changes(base, other)
    assert ch.hours == {"legal": (35.0, 50.0)}
    assert ch.arrivals is not None and np.isclose(ch.arrivals[1] / ch.arrivals[0], 1.1)
    assert ch.notes["contract_review"] == ["time ×0.67"]
    assert not ch.staffing and not ch.removed
    text = " | ".join(ch.summaries)
    assert "Working hours of 'legal': 35 -> 50 h a week" in text
    assert "'contract_review': time ×0.67" in text and "cases a week" in text
    assert not model_changes(base, load(CRM)).summaries  # the same model: nothing


def test_the_same_hours_elsewhere_are_a_change_too():
    base = load(CRM)
    spec = to_dict(base)
    spec["calendars"]["legal_early"] = {"weekdays": ["08:00-11:30", "12:30-16:00"]}
    spec["roles"]["legal"]["calendar"] = "legal_early"
    ch = model_changes(base, from_dict(spec))
    assert ch.hours == {"legal": (35.0, 35.0)}
    assert "35 h a week, other hours" in ch.summaries[0]


def _runs(tmp_path: Path, models: dict) -> None:
    """Run directories holding each model, and a comparison of made-up replications in which
    the what-if's contract review waits an hour less."""
    rng = np.random.default_rng(3)
    tables = {}
    scenarios = []
    for k, (label, model) in enumerate(models.items()):
        run = tmp_path / label
        run.mkdir()
        save(model, run / "model.yaml")
        wait = 2.0 + rng.normal(0, 0.05, 6) - (1.0 if k == 1 else 0.0)
        tables[label] = pd.DataFrame(
            {"cycle_time_mean": 90 + rng.normal(0, 1, 6), "waiting_mean:contract_review": wait}
        )
        scenarios.append(
            {"label": label, "baseline": k == 0, "run_dir": str(run), "model": model.name}
        )
    table = compare_scenarios(tables, baseline="today", paired=True)
    cmp_dir = tmp_path / "cmp"
    cmp_dir.mkdir()
    table.to_csv(cmp_dir / "comparison.csv", index=False)
    (cmp_dir / "scenarios.json").write_text(json.dumps(scenarios))


def test_the_page_says_and_draws_what_a_scenario_changes(tmp_path):
    base, other = _what_if()
    _runs(tmp_path, {"today": base, "longer_legal": other, "same": load(CRM)})
    page = build_comparison_report(tmp_path / "cmp").read_text()
    assert "What each scenario changes in the model" in page
    section = page[page.index("What each scenario changes in the model") :]
    assert (
        "<b>longer_legal</b>: Working hours of &#x27;legal&#x27;: 35 -&gt; 50 h a week" in section
    )
    assert "<b>same</b>" not in section  # the baseline's model: nothing to say
    assert 'alt="what longer_legal changes"' in section
    assert 'alt="working calendars of longer_legal"' in section


def test_no_section_when_every_run_simulates_the_same_model(tmp_path):
    _runs(tmp_path, {"today": load(CRM), "again": load(CRM)})
    page = build_comparison_report(tmp_path / "cmp").read_text()
    assert "What each scenario changes in the model" not in page


def test_a_run_without_its_model_is_said(tmp_path):
    base, other = _what_if()
    _runs(tmp_path, {"today": base, "longer_legal": other})
    (tmp_path / "longer_legal" / "model.yaml").unlink()
    page = build_comparison_report(tmp_path / "cmp").read_text()
    assert "Not compared model by model" in page and "longer_legal" in page


def test_differences_no_change_names_are_listed():
    """QA2 2026-12-05 #4: a scenario that only changed a branch probability (its drop-off moved
    12 points) got no line, and patience, segment shares and a duration's spread went unsaid."""
    base = load(CRM)
    spec = to_dict(base)
    spec["decisions"]["deal_agreed"]["branches"] = {"contract_review": 0.9, "lost_price": 0.1}
    spec["steps"]["first_contact"]["patience"]["mean"] = 24.0
    ch = model_changes(base, from_dict(spec))
    assert ch.other == [
        "decisions.deal_agreed.branches.contract_review: 0.7 -> 0.9",
        "decisions.deal_agreed.branches.lost_price: 0.3 -> 0.1",
        "steps.first_contact.patience.mean: 72 -> 24",
    ]
    assert ch.summaries == ["Also different in the model file: " + ", ".join(ch.other)]


def test_differences_name_their_values():
    """QA 2026-12-05 (CRM manager): a segment share changed read only 'arrivals.segments.
    key_account', not 0.25 -> 0.4."""
    base = load(CRM)
    spec = to_dict(base)
    spec["arrivals"]["segments"]["key_account"]["share"] = 0.4
    spec["arrivals"]["segments"]["small_business"]["share"] = 0.6
    spec["arrivals"]["segments"]["key_account"]["timer_scale"] = 1.0
    ch = model_changes(base, from_dict(spec))
    spec["ends"]["won"]["value"]["key_account"] = 60001.0
    spec["decisions"]["needs_match"]["by_segment"]["key_account"] = {
        "solution_proposal": 0.8,
        "lost_no_fit": 0.2,
    }
    ch = model_changes(base, from_dict(spec))
    assert ch.other == [
        "arrivals.segments.key_account.share: 0.25 -> 0.4",
        "arrivals.segments.key_account.timer_scale: none -> 1",
        "arrivals.segments.small_business.share: 0.75 -> 0.6",
        "decisions.needs_match.by_segment.key_account.lost_no_fit: 0.25 -> 0.2",
        "decisions.needs_match.by_segment.key_account.solution_proposal: 0.75 -> 0.8",
        "ends.won.value.key_account: 60,000 -> 60,001",
    ]


def test_a_step_that_loses_a_role_says_which():
    """QA2 2026-12-05 #10: 'now sales manager' did not say that pricing was dropped."""
    base = load(CRM)
    spec = to_dict(base)
    step = spec["steps"]["quote_approval"]
    step.pop("roles", None)
    step["role"] = "sales_manager"
    ch = model_changes(base, from_dict(spec))
    (note,) = ch.notes["quote_approval"]
    assert note.startswith("now sales manager (was ") and "pricing" in note
