"""The report's summary table marks a throughput change of the measurement window's edges as
recommendations.md does: ``window edge: neither better nor worse`` in the after-Holm column, not
coloured as an improvement, and the reason under the table (before, the table coloured it green,
"yes" after Holm, while recommendations.md said the verdict does not count it).

The run: ``TWO_DESKS`` (``tests.optimize.test_window_edge_ablation``) with two sales development
reps, so that more leads than two clerks serve on weekdays queue for them, and a search whose
one trial hires a third clerk: shorter cycle times, a real gain, and more completions inside the
window, on the same cases won (its edges).
"""

from __future__ import annotations

import html
import re

import pytest
from report_testkit import html_section

from sim.kpis.compare import WINDOW_EDGE
from sim.report.html import build_report
from tests.optimize.test_window_edge_ablation import (
    CLERK,
    CYCLE,
    THROUGHPUT,
    edge_run,
    hires_space,
    two_desks,
)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    model = two_desks(sdr=2)
    run = tmp_path_factory.mktemp("html_edge") / "run"
    conf, md = edge_run(
        run, model, hires_space(model, sdr=False), (THROUGHPUT, CYCLE), {CLERK: 3}, prune_harm=True
    )
    return conf, md, build_report(run).read_text(encoding="utf-8")


def test_the_summary_marks_a_window_edge_as_recommendations_md_does(report):
    conf, md, page = report
    (c,) = conf["candidates"]
    assert c["recommended"] and c["verdict"] == "better"
    row = c["comparison"]["throughput_per_week"]
    assert row["significant"] and row["significant_adjusted"] and row["diff"] > 0
    reason = row["window_edge"]
    assert reason.startswith("the cases that arrived in the window were won as often")
    # recommendations.md: the mark in the row and the reason below the table
    assert f"; {WINDOW_EDGE}: neither better nor worse |" in md and reason in md
    summary = html_section(page, "summary")
    cells = re.search(r"<tr><td>Throughput</td>(.*?)</tr>", summary).group(1)
    assert f"; {WINDOW_EDGE}: neither better nor worse</td>" in cells
    assert 'class="muted">+' in cells and 'class="good"' not in cells  # no improvement
    # the cycle time's gain is the redesign's, and stays coloured
    cycle = re.search(r"<tr><td>Mean cycle time</td>(.*?)</tr>", summary).group(1)
    assert 'class="good">-' in cycle and WINDOW_EDGE not in cycle
    note = (
        f"({WINDOW_EDGE}: the throughput change is the measurement window's, not the "
        f"redesign's: {reason}; under the same demand that is a one-off shift at the window's "
        "edges, neither better nor worse, and the verdict does not count it)"
    )
    assert f'<p class="muted">{html.escape(note)}</p>' in summary
    assert note in md  # the same words as recommendations.md's
