"""report.html's Summary says what its Holm count counts as recommendations.md does: the
confirmation's tests with any difference, the versions pruning confirmed included (QA
honesty19 #3: "21 comparisons ... (every candidate on every objective)" for 5 candidates x 3
objectives plus pruned versions), and its after-Holm cells are escaped HTML (#4: a raw
``p < 0.001``).

The run: ``DESK_AND_CHECK`` (``tests.optimize.test_negligible_ablation``), one candidate with two
objectives whose pruning confirms the redesign without its second checker: one more version,
two more tests in the family.
"""

from __future__ import annotations

import html

import pytest
from report_testkit import html_section

from sim.report.html import build_report
from tests.optimize.test_negligible_ablation import FOUND, OBJECTIVES, desk_and_check
from tests.optimize.test_window_edge_ablation import edge_run


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    model, space = desk_and_check()
    run = tmp_path_factory.mktemp("html_holm") / "run"
    conf, md = edge_run(run, model, space, OBJECTIVES, FOUND, prune_harm=True)
    return conf, md, build_report(run).read_text(encoding="utf-8")


def test_the_summary_counts_holms_family_as_recommendations_md_does(report):
    conf, md, page = report
    (c,) = conf["candidates"]
    m = conf["multiple_comparisons"]["comparisons"]
    # the premise: the family is larger than every candidate on every objective (a pruned
    # version was confirmed too)
    assert [p["adopted"] for p in c["pruning"]] == [True]
    assert m > len(conf["candidates"]) * len(OBJECTIVES)
    words = (
        f"Holm's adjustment for the {m} comparisons of the confirmation with any difference "
        "(every candidate on every objective, and every version pruning confirmed, a test a "
        "version repeats on the same data counted once"
    )
    assert words in md
    summary = html_section(page, "summary")
    assert html.escape(words) in summary
    assert "(every candidate on every objective)" not in summary


def test_the_summarys_after_holm_cells_are_escaped(report):
    _conf, _md, page = report
    summary = html_section(page, "summary")
    assert "yes (p &lt; 0.001)" in summary
    assert "p < 0.001" not in summary
