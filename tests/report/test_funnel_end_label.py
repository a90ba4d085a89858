"""The funnel's outcome panel names an unnamed BPMN end as the map does: "End", not its
generated id (QA rt_calib F8: Procure_to_Pay.bpmn's simulate report labelled the outcome bar
``node-51dc818f-aa53-...`` while the map beside it read "End")."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest

from sim.model.interchange import BpmnImportWarning, load_bpmn
from sim.report.charts import plot_funnel
from sim.report.layout import end_label

SHARE = {"mean": 1.0, "ci_low": 1.0, "ci_high": 1.0, "half_width": 0.0, "n": 3}


@pytest.fixture(scope="module")
def procure(shared_data):
    """The procure-to-pay model: its one end event has no name, only a ``node-`` id."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(shared_data / "synth_procure_to_pay" / "Procure_to_Pay.bpmn")


def _outcome_labels(outcomes: dict) -> list[str]:
    report = {
        "funnel": [{"stage": "Create Purchase Requisition", "reached": 1.0}],
        "outcomes": outcomes,
        "replications": 3,
    }
    fig = plot_funnel(report)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    plt.close(fig)
    return labels


def test_the_outcome_of_an_unnamed_end_reads_as_on_the_map(procure):
    (end,) = procure.ends
    assert end.startswith("node-")
    outcome = procure.ends[end].outcome or end  # the key of kpis.json's outcomes
    assert _outcome_labels({outcome: SHARE}) == [end_label(procure, end)] == ["End"]


def test_named_outcomes_keep_their_names():
    labels = _outcome_labels({"paid": SHARE, "Rejected [node-51dc818f-aa53-4f51-b77a]": SHARE})
    assert labels == ["Paid", "Rejected"]
