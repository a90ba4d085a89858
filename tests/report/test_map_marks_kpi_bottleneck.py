"""The process map's heavy border is on the step the KPI report names as the bottleneck (largest
queue share), not on the darkest step (largest waiting share), and on none when the report says
there is none (QA: the console and the Bottlenecks section named Contract review, the map
marked Quote approval)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from report_testkit import write_simulate_run

from sim.model import load, save
from sim.report import draw_process_map
from sim.report.html import build_report

HEAVY = 2.0  # a step's border wider than this is the bottleneck's (ends have their own)


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _report(bottleneck: str, *, negligible: bool = False) -> dict:
    """A KPI report whose largest waiting share is quote_approval's."""
    shares = {"quote_approval": 0.09, "contract_review": 0.08, "first_contact": 0.02}
    return {
        "steps": [{"step": s, "waiting_share": {"mean": v}} for s, v in shares.items()],
        "bottleneck": {"step": bottleneck, "negligible": negligible},
    }


def _heavy(fig, model) -> list[str]:
    """The steps of ``model`` drawn with a heavy border."""
    return sorted(
        s
        for ax in fig.axes
        for p in ax.patches
        if (s := str(p.get_gid()).removeprefix("node:")) in model.steps
        and p.get_linewidth() > HEAVY
    )


def _legend(fig) -> list[str]:
    return [t.get_text() for lg in fig.legends for t in lg.get_texts()]


def test_the_map_of_a_report_marks_the_step_it_names(crm):
    fig = draw_process_map(crm, kpi=_report("contract_review"))
    assert _heavy(fig, crm) == ["contract_review"]  # not quote_approval, the darkest
    assert "bottleneck (longest queue for staff)" in _legend(fig)


def test_the_map_marks_no_step_when_the_report_names_no_bottleneck(crm):
    fig = draw_process_map(crm, kpi=_report("first_contact", negligible=True))
    assert _heavy(fig, crm) == []
    assert not any("bottleneck" in t or "highest" in t for t in _legend(fig))


def test_a_named_bottleneck_without_a_value_is_still_marked(crm):
    fig = draw_process_map(crm, kpi={"quote_approval": 0.3}, bottleneck="signing")
    assert _heavy(fig, crm) == ["signing"]


def _captured_maps(monkeypatch) -> list:
    import sim.report.process_map as pm

    figs = []
    draw = pm.draw_process_map

    def spy(*args, **kwargs):
        fig = draw(*args, **kwargs)
        figs.append(fig)
        return fig

    monkeypatch.setattr(pm, "draw_process_map", spy)
    return figs


def _map_caption(run) -> str:
    page = build_report(run).read_text(encoding="utf-8")
    section = re.search(r'<section id="map">(.*?)</section>', page, flags=re.S).group(1)
    return " ".join(re.findall(r"<figcaption>(.*?)</figcaption>", section, flags=re.S))


def _with_bottleneck(run, step: str, *, negligible: bool = False) -> None:
    k = json.loads((run / "kpis.json").read_text())
    top = max(k["steps"], key=lambda s: s["waiting_share"]["mean"])["step"]
    assert top != step  # the darkest step is another one
    k["bottleneck"] |= {"step": step, "negligible": negligible}
    (run / "kpis.json").write_text(json.dumps(k))


def test_the_report_map_marks_the_bottleneck_kpis_json_names(tmp_path, crm, monkeypatch):
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    _with_bottleneck(run, "contract_review")
    figs = _captured_maps(monkeypatch)
    caption = _map_caption(run)
    assert [_heavy(f, crm) for f in figs] == [["contract_review"]]
    assert "The heavy border marks the bottleneck, Contract review" in caption
    assert "marks the highest" not in caption


def test_the_report_map_marks_nothing_without_a_bottleneck(tmp_path, crm, monkeypatch):
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    _with_bottleneck(run, "signing", negligible=True)
    figs = _captured_maps(monkeypatch)
    caption = _map_caption(run)
    assert [_heavy(f, crm) for f in figs] == [[]]
    assert "No step has the heavy border" in caption


def test_the_activity_map_marks_the_activity_of_the_bottleneck_step(tmp_path, crm, monkeypatch):
    merged = {"quote_approval": "quote_preparation"}  # as calibration names a repetition
    model = dataclasses.replace(crm, metadata={**crm.metadata, "step_activity": merged})
    run = write_simulate_run(tmp_path / "run", model, trace=False)
    save(model, run / "model.yaml", overwrite=True)
    k = json.loads((run / "kpis.json").read_text())
    k["bottleneck"] |= {"step": "quote_approval", "negligible": False}
    (run / "kpis.json").write_text(json.dumps(k))
    figs = _captured_maps(monkeypatch)
    caption = _map_caption(run)
    assert "Here it is on Quote preparation, the activity that step is part of." in caption
    # the activity view (quote_approval is a repetition of quote_preparation), then the model
    assert [_heavy(f, crm) for f in figs] == [["quote_preparation"], ["quote_approval"]]
