"""The terminal table of a KPI report: long step names stay in their column; long step lists
are cut to the steps where cases spend the most time."""

from __future__ import annotations

from sim.kpis import format_report


def _ci(mean: float) -> dict:
    return {"mean": mean, "half_width": 0.1 * mean}


def _report(steps: list[tuple[str, float, float, float]]) -> dict:
    return {
        "model": "m",
        "replications": 3,
        "headline": {"cycle_time_mean": _ci(10.0)},
        "steps": [
            {"step": n, "waiting_mean": _ci(w), "processing_mean": _ci(p), "reached": _ci(r)}
            for n, w, p, r in steps
        ],
        "roles": [{"role": "clerk", "headcount": 2, "utilisation": _ci(0.5)}],
    }


def test_long_step_names_keep_the_columns_aligned():
    long = "delay:W_Nabellen incomplete dossiers #3+ (last)"
    text = format_report(_report([("a", 1.0, 0.5, 1.0), (long, 0.0, 17.0, 0.12)]))
    rows = [x for x in text.splitlines() if x.strip().startswith(("a ", long, "step "))]
    assert len(rows) == 3
    # every column starts where the header's does
    header = rows[0]
    for row in rows[1:]:
        assert len(row) == len(header)


def test_a_long_step_list_shows_the_steps_where_cases_spend_the_most_time():
    steps = [(f"s{i}", 0.0, float(i), 1.0) for i in range(40)]  # s39 takes the longest
    text = format_report(_report(steps), max_steps=5)
    assert "the 5 of 40 steps where cases spend the most time (all in kpis.json)" in text
    shown = [x.split()[0] for x in text.splitlines() if x.strip()[:2] in {"s3", "s2", "s1"}]
    assert shown == ["s39", "s38", "s37", "s36", "s35"]
    # a short list is shown whole, in the report's order
    short = format_report(_report(steps[:4]), max_steps=5)
    rows = [x.split()[0] for x in short.splitlines() if x.strip()[:2] in {"s0", "s1", "s2", "s3"}]
    assert rows == ["s0", "s1", "s2", "s3"]


def test_a_clipped_interval_is_shown_as_its_bounds_and_a_constant_as_plus_minus_zero():
    """'0.1980 ± 0.85 %' read as a range below zero once the interval was clipped at 0, and a
    KPI the same in every replication printed '24.02 ± 0.0000000000000062'."""
    report = _report([("a", 1.0, 0.5, 1.0)])
    report["roles"] = [
        {
            "role": "idle",
            "headcount": 1,
            "utilisation": {
                "mean": 0.00198,
                "half_width": 0.0085,
                "ci_low": 0.0,
                "ci_high": 0.0105,
            },
        }
    ]
    report["steps"][0]["processing_mean"] = {
        "mean": 24.02,
        "half_width": 6.2e-15,
        "ci_low": 24.02,
        "ci_high": 24.02,
    }
    text = format_report(report)
    assert "0.1980 [0, 1.1] %" in text and "± 0.85" not in text
    assert "24.02 ± 0" in text and "e-15" not in text and "0.0000" not in text


def test_a_clipped_interval_near_its_bound_does_not_round_past_the_mean():
    """QA 9a #6: a role busy 99.95-100 % of its hours (mean 99.98 %) printed
    '99.98 [100, 100] %', an interval that excludes its own mean and reads as no spread."""
    report = _report([("a", 1.0, 0.5, 1.0)])
    report["roles"] = [
        {
            "role": "busy",
            "headcount": 9,
            "utilisation": {
                "mean": 0.9998328,
                "half_width": 0.000378,
                "ci_low": 0.9994547,
                "ci_high": 1.0,
            },
        }
    ]
    text = format_report(report)
    assert "99.98 [99.95, 100.00] %" in text and "[100, 100]" not in text
