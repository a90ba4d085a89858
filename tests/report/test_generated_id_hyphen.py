"""Generated BPMN ids written ``node-<uuid>`` (Apromore, Simod's procure-to-pay model) read as
what they are on the map and in its exports (QA hydra25 F5: the end event's box read
``node-51dc818f-aa53-...`` and two unnamed decisions were captioned ``node-8886...``)."""

from __future__ import annotations

import warnings

import pytest

from sim.model.interchange import BpmnImportWarning, load_bpmn
from sim.report import draw_process_map
from sim.report.export import to_dot, to_mermaid
from sim.report.layout import end_label, gateway_label, is_generated_id


@pytest.fixture(scope="module")
def procure(shared_data):
    """The procure-to-pay model: its end and two decisions are named by ``node-`` ids."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(shared_data / "synth_procure_to_pay" / "Procure_to_Pay.bpmn")


@pytest.mark.parametrize(
    "name",
    ["node-51dc818f-aa53-4f51-b77a-bd438f8cc4d0", "node_11610778-7d17-4b9e-a5c8-1f0ce2d3a4b5"],
)
def test_node_ids_with_a_hyphen_or_an_underscore_are_generated(name):
    assert is_generated_id(name)


def test_a_name_with_node_in_it_is_not_an_id():
    assert not is_generated_id("node-check")
    assert not is_generated_id("Review node-51dc818f")


def test_the_end_reads_end_and_unnamed_decisions_have_no_caption(procure):
    assert [end_label(procure, e) for e in procure.ends] == ["End"]
    captions = {d: gateway_label(procure, d) for d in procure.decisions}
    assert all("node" not in c for c in captions.values()), captions
    unnamed = [d for d in procure.decisions if is_generated_id(d)]
    assert len(unnamed) == 2 and all(captions[d] == "" for d in unnamed)
    # a decision sharing a task's name keeps that name, without the id that tells them apart
    assert "Analyze Purchase Requisition" in captions.values()


def test_no_node_id_is_drawn_on_the_map_or_written_as_a_label(procure):
    fig = draw_process_map(procure)
    drawn = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "End" in drawn
    assert not [t for t in drawn if "node-" in t]
    labels = [line.split("{")[-1] for line in to_mermaid(procure).splitlines() if "{" in line]
    labels += [
        line.split("label=")[-1] for line in to_dot(procure).splitlines() if "label=" in line
    ]
    assert labels and not [t for t in labels if "node-" in t]
