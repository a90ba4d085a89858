"""The console table keeps its columns under names in wide (CJK) characters (QA 2026-12-05:
a role named 承認 pushed its row's numbers two columns right per character)."""

from __future__ import annotations

from sim.kpis.summary import display_width, pad


def test_wide_characters_take_two_columns():
    assert display_width("legal") == 5 and display_width("法务") == 4
    assert display_width(pad("法务", 10)) == 10 and pad("legal", 10) == "legal     "
    assert pad("a" * 12, 10) == "a" * 12  # never cut


def test_role_rows_line_up(crm_path):
    from sim.engine import run_replications
    from sim.kpis import kpi_report, kpi_table
    from sim.kpis.summary import format_report
    from sim.model import dumps, from_dict, load
    from sim.model.safe_files import load_yaml

    text = dumps(load(crm_path)).replace("legal", "承認")  # the role, its steps' role
    model = from_dict(load_yaml(text, "crm"))
    from sim.model.scenario import Scenario

    traces = run_replications(
        model, Scenario(horizon_days=3, warmup_days=1, replications=2), seed=0
    )
    table = format_report(kpi_report(kpi_table(traces, model), model))
    rows = [line for line in table.splitlines() if line.startswith(("  承認 ", "  marketing "))]
    assert len(rows) == 2
    assert len({display_width(r) for r in rows}) == 1
