"""The console table of one replication: its header promised '95 % confidence intervals' that
one replication cannot have, and exact counts were rounded to three digits (``cases_arrived
1,790`` for 1793); replications.csv wrote a segment's count as ``431.0`` (QA walk25 #1)."""

from __future__ import annotations

import pandas as pd

from sim.kpis import format_report
from sim.kpis.frames import with_integer_counts


def _one(mean: float) -> dict:
    """A KPI of one replication, as ``kpi_report`` gives it: no spread, no interval."""
    return {"mean": mean, "std": None, "n": 1, "half_width": None}


def _report(replications: int, **headline: dict) -> dict:
    return {
        "model": "m",
        "replications": replications,
        "confidence_level": 0.95,
        "headline": headline,
        "by_segment": [
            {
                "segment": "key_account",
                "cases_arrived": _one(431.0),
                "cycle_time_mean": _one(109.05),
            },
            {"segment": "small_business", "cases_arrived": _one(1362.0)},
        ],
        "steps": [],
        "roles": [],
    }


def _row(text: str, name: str) -> list[str]:
    return next(x.split() for x in text.splitlines() if x.split()[:1] == [name])


def test_one_replication_says_it_has_no_confidence_intervals():
    text = format_report(_report(1, cycle_time_mean=_one(98.18)))
    header = text.splitlines()[0]
    assert "1 replication " in header and "replications," not in header
    assert "no confidence intervals" in header and "scenario.replications" in header
    assert "95 %" not in header
    several = format_report(_report(3, cycle_time_mean=_one(98.18))).splitlines()[0]
    assert several == "m: 3 replications, 95 % confidence intervals"


def test_exact_counts_print_every_digit_and_other_kpis_stay_rounded():
    text = format_report(_report(1, cycle_time_mean=_one(98.18112), cases_arrived=_one(1793.0)))
    assert _row(text, "cases_arrived")[1] == "1,793"
    assert _row(text, "cycle_time_mean")[1] == "98.2"
    # the headline's row, then the segment table's
    rows = [x.split() for x in text.splitlines() if x.split()[:1] == ["cases_arrived"]]
    assert rows[1][1:3] == ["431", "1,362"]


def test_a_fractional_mean_count_keeps_the_current_rounding():
    mean = {"mean": 1792.6667, "half_width": 12.3, "n": 3}
    text = format_report(_report(3, cases_arrived=mean))
    assert _row(text, "cases_arrived")[1:4] == ["1,793", "±", "12"]
    big = {"mean": 17931.0, "half_width": 120.0, "n": 3}
    text = format_report(_report(3, cases_arrived=big))
    assert _row(text, "cases_arrived")[1:4] == ["17,931", "±", "120"]


def test_segment_counts_are_written_as_integers():
    table = pd.DataFrame(
        {
            "cases_arrived": [1793],
            "segment:key_account:cases_arrived": [431.0],
            "segment:key_account:cycle_time_mean": [109.05],
            "segment:a:b:cases_arrived": [3.0],  # a segment's name may hold ':'
        }
    )
    csv = with_integer_counts(table).to_csv(index=False).splitlines()[1]
    assert csv == "1793,431,109.05,3"
