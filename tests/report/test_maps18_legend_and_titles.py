"""The process map's legend lists only what the map draws, and a model's name in a title keeps
the case its author wrote (QA plots18 #10: a map of two steps listed decision, parallel split,
rework loop and drop-off end; #11: "crm_sales" read "Crm sales", "mmc" read "Mmc")."""

from __future__ import annotations

import pytest

from sim.model import from_dict, load
from sim.report import draw_process_map
from sim.report.layout import pretty, title_name


def _legend(fig) -> list[str]:
    return [t.get_text() for leg in fig.legends for t in leg.get_texts()]


def _two_steps():
    return from_dict(
        {
            "name": "two_steps",
            "start": "a",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"clerk": {"headcount": 1}},
            "steps": {
                "a": {"role": "clerk", "duration": 0.5, "next": "b"},
                "b": {"role": "clerk", "duration": 0.5, "next": "done"},
            },
            "ends": {"done": {"success": True}},
        }
    )


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def test_a_map_without_decisions_loops_or_drop_offs_lists_none():
    legend = _legend(draw_process_map(_two_steps()))
    assert legend[:2] == ["start", "step"]
    for absent in ("decision", "parallel", "rework", "drop-off"):
        assert not any(absent in e for e in legend), legend
    assert any(e.startswith("end") and "success" in e for e in legend), legend


def test_a_map_lists_what_it_draws(crm):
    legend = _legend(draw_process_map(crm))
    # crm_sales has decisions, a parallel block, a rework loop and both kinds of end
    assert crm.decisions and crm.parallels
    assert any(e.startswith("decision") for e in legend)
    assert any(e.startswith("parallel") for e in legend)
    assert any("rework loop" in e for e in legend)
    assert any("drop-off" in e and "success" in e for e in legend), legend


def test_a_title_keeps_the_case_of_the_model_name(crm):
    assert title_name("crm_sales") == "crm sales" and title_name("mmc") == "mmc"
    assert title_name("BPIC_2012_W_train") == "BPIC_2012_W_train"  # not an identifier: as is
    assert pretty("lead_identification") == "Lead identification"  # steps read as before
    fig = draw_process_map(crm)
    titles = [t.get_text() for t in fig.texts]
    assert any(t.startswith("crm sales: process map") for t in titles), titles
    assert not any("Crm" in t for t in titles)
