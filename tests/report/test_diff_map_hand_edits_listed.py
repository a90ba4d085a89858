"""QA plots18 #2: a redesign file edited by hand after the optimizer wrote it (the README's
what-if workflow on ``best/<rank>.yaml``) had only its recorded ``metadata.changes`` listed
under "what its model changes"; the hand edits (a headcount, a Saturday shift) were drawn in
the lane header and the calendar figure but not said. They are now listed after the recorded
changes, marked "Also changed by hand", once each, and the optimizer's own rewiring is not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.kpis.compare import compare_scenarios
from sim.model import ProcessModel, from_dict, load, save, to_dict
from sim.redesign import SearchSpace
from sim.redesign.operators import change_staffing
from sim.report.compare import build_comparison_report
from sim.report.diff_map import draw_diff_map, model_changes

REPO = Path(__file__).resolve().parents[2]
CRM = REPO / "configs" / "process" / "crm_sales.yaml"
CRM_SPACE = REPO / "configs" / "redesign" / "crm_sales.yaml"
BY_HAND = "Also changed by hand"  # how the page marks a difference no recorded change makes

#: a redesign like optimize's best/1.yaml: a check removed (its verdict and a rework decision
#: rewired), two steps merged, a step automated with errors, one simplified, staffing changed
CHOICE = {
    "remove:quote_approval": True,
    "merge:first_contact+needs_analysis": True,
    "automate:contract_review": True,
    "simplify:solution_proposal": 0.7,
    "staffing:solutions_eng": 3,
}


def _edited(model: ProcessModel, **edit: object) -> ProcessModel:
    """``model`` (its recorded changes kept) with hand edits: ``headcount={role: n}``,
    ``no_saturday=calendar``, ``branches={decision: {...}}``."""
    spec = to_dict(model)
    for role, n in dict(edit.get("headcount", {})).items():
        spec["roles"][role]["headcount"] = n
    if edit.get("no_saturday"):
        spec["calendars"][edit["no_saturday"]].pop("saturday")
    for decision, branches in dict(edit.get("branches", {})).items():
        spec["decisions"][decision]["branches"] = branches
    return from_dict(spec)


def _by_hand(summaries: list[str]) -> list[str]:
    return [s for s in summaries if s.startswith(BY_HAND)]


def test_hand_edits_of_a_recorded_redesign_are_listed_after_its_changes():
    """The tester's repro: legal 1 -> 2 recorded, account_exec 8 -> 10 and customer_success's
    Saturday removed by hand."""
    base = load(CRM)
    recorded = change_staffing(base, "legal", headcount=2)
    edited = _edited(recorded, headcount={"account_exec": 10}, no_saturday="support")
    ch = model_changes(base, edited)
    hours = (base.calendar_of("customer_success").weekly_total, 50.0)
    assert ch.staffing == {"legal": (1, 2), "account_exec": (8, 10)}
    assert ch.hours == {"customer_success": hours}
    assert ch.summaries == [
        "Staff legal with 2 people instead of 1",
        f"{BY_HAND}: Staff 'account_exec': 8 -> 10",
        f"{BY_HAND}: Working hours of 'customer_success': {hours[0]:.4g} -> 50 h a week",
    ]
    # without the hand edits, only the recorded change
    assert model_changes(base, recorded).summaries == ["Staff legal with 2 people instead of 1"]


def test_an_optimizer_redesign_lists_no_hand_edit_and_its_edits_against_the_redesign():
    """The rewiring a recorded removal, merge or automation makes is not a hand edit; a hand
    edit on top is said once, against what the redesign made (solutions_eng staffed 2 -> 3 by
    the optimizer, then 4 by hand reads 3 -> 4; the lane shows 2 -> 4)."""
    base = load(CRM)
    space = SearchSpace.from_dict(yaml.safe_load(CRM_SPACE.read_text()), base)
    best = space.apply(base, CHOICE)
    ch = model_changes(base, best)
    assert len(ch.summaries) == len(best.metadata["changes"]) == len(CHOICE)
    assert ch.other  # the model file differs well beyond the recorded changes' targets
    assert not _by_hand(ch.summaries)

    edited = _edited(
        best,
        headcount={"solutions_eng": 4, "account_exec": 10},
        branches={"deal_agreed": {"contract_review": 0.9, "lost_price": 0.1}},
    )
    ch = model_changes(base, edited)
    assert ch.summaries[: len(CHOICE)] == [str(c["summary"]) for c in best.metadata["changes"]]
    assert _by_hand(ch.summaries) == [
        f"{BY_HAND}: Staff 'account_exec': 8 -> 10",
        f"{BY_HAND}: Staff 'solutions_eng': 3 -> 4",
        f"{BY_HAND}, in the model file: decisions.deal_agreed.branches.contract_review: "
        "0.7 -> 0.9, decisions.deal_agreed.branches.lost_price: 0.3 -> 0.1",
    ]
    assert ch.staffing["solutions_eng"] == (2, 4)  # the lane header: the two files' headcounts


def test_changes_that_cannot_be_made_again_still_list_what_no_change_names():
    """A recorded change the report cannot make again on the baseline (here an operator it does
    not know; also a baseline that is not the model the changes were recorded on): what no
    recorded change names is listed, and a last line says the rest of the file was not checked."""
    base = load(CRM)
    space = SearchSpace.from_dict(yaml.safe_load(CRM_SPACE.read_text()), base)
    edited = _edited(space.apply(base, CHOICE), headcount={"account_exec": 10})
    spec = to_dict(edited)
    spec["metadata"]["changes"].append({"operator": "teleport", "target": "signing"})
    summaries = model_changes(base, from_dict(spec)).summaries
    assert _by_hand(summaries) == [f"{BY_HAND}: Staff 'account_exec': 8 -> 10"]
    assert summaries[-1].startswith("The rest of the model file is not checked")
    assert "unknown operator 'teleport'" in summaries[-1]


def test_the_diff_map_and_the_comparison_page_list_the_hand_edits(tmp_path):
    base = load(CRM)
    edited = _edited(
        change_staffing(base, "legal", headcount=2),
        headcount={"account_exec": 10},
        no_saturday="support",
    )
    fig = draw_diff_map(base, edited)
    text = "\n".join(t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text")))
    footer = " ".join(text[text.index("Changes:") :].split())
    assert "1. Staff legal with 2 people instead of 1" in footer
    assert f"2. {BY_HAND}: Staff 'account_exec': 8 -> 10" in footer
    assert f"3. {BY_HAND}: Working hours of 'customer_success'" in footer

    rng = np.random.default_rng(5)
    tables, scenarios = {}, []
    for k, (label, model) in enumerate({"today": base, "edited": edited}.items()):
        run = tmp_path / label
        run.mkdir()
        save(model, run / "model.yaml")
        tables[label] = pd.DataFrame(
            {
                "cycle_time_mean": 90 + rng.normal(0, 1, 4),
                "waiting_mean:contract_review": 2 + rng.normal(0, 0.05, 4),
            }
        )
        scenarios.append({"label": label, "baseline": k == 0, "run_dir": str(run)})
    (tmp_path / "cmp").mkdir()
    table = compare_scenarios(tables, baseline="today", paired=True)
    table.to_csv(tmp_path / "cmp" / "comparison.csv", index=False)
    (tmp_path / "cmp" / "scenarios.json").write_text(json.dumps(scenarios))
    page = build_comparison_report(tmp_path / "cmp").read_text()
    section = page[page.index("What each scenario changes in the model") :]
    said = section[section.index("<b>edited</b>") :].split("</p>")[0]
    assert "Staff legal with 2 people instead of 1; " in said
    assert f"{BY_HAND}: Staff &#x27;account_exec&#x27;: 8 -&gt; 10" in said
    assert f"{BY_HAND}: Working hours of &#x27;customer_success&#x27;" in said
    assert said.count("legal") == 1  # the recorded change is not said again
