"""The one KPI -> (label, unit) helper every report table uses."""

from sim.kpis.units import kpi_unit, labelled


def test_labelled_pairs_each_label_with_the_kpis_unit():
    assert labelled({"cycle_time_p90": "p90 cycle time", "dropoff_rate": "drop-off"}) == {
        "cycle_time_p90": ("p90 cycle time", "h"),
        "dropoff_rate": ("drop-off", "%"),
    }


def test_report_and_optimizer_labels_take_their_units_from_one_place():
    from sim.optimize.outputs import LABELS
    from sim.report.html import HEADLINE_LABELS

    for table in (LABELS, HEADLINE_LABELS):
        assert table["cycle_time_mean"][1] == kpi_unit("cycle_time_mean") == "h"
        assert all(unit == kpi_unit(k) for k, (_label, unit) in table.items())
