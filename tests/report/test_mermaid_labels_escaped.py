"""The Mermaid export shows names as text (QA sec15: ``<script>``, ``<img onerror>`` and
``<!-- -->`` stayed raw in the labels of the ``.mmd`` file, which Mermaid renders as HTML), and
an end event named by a generated BPMN id reads "End" as on the drawn map (Simod's
``node_<uuid>``)."""

from __future__ import annotations

import re

from sim.model import from_dict
from sim.report.export import to_dot, to_mermaid

END_ID = "node_11610778-7d17-4c1e-9f43-6c0f1e7c4d2a"


def _model():
    return from_dict(
        {
            "name": "evil",
            "start": "<script>alert(1)</script>",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 5.0}},
            "roles": {'<img src=x onerror="alert(2)">': {"headcount": 1}},
            "steps": {
                "<script>alert(1)</script>": {
                    "role": '<img src=x onerror="alert(2)">',
                    "duration": {"dist": "fixed", "value": 1},
                    "next": "<!-- c -->",
                },
                "R&D #lt; `x` a|b": {
                    "role": '<img src=x onerror="alert(2)">',
                    "duration": {"dist": "fixed", "value": 1},
                    "next": END_ID,
                },
            },
            "decisions": {"<!-- c -->": {"branches": {"R&D #lt; `x` a|b": 0.5, "lost": 0.5}}},
            "ends": {END_ID: {"success": True}, "lost": {"success": False}},
        }
    )


def _labels(text: str) -> list[str]:
    return re.findall(r'"([^"]*)"', text)


def test_mermaid_labels_are_entity_coded_text():
    text = to_mermaid(_model())
    labels = _labels(text)
    for raw in ("<", ">", "&", "`", "|"):
        assert not any(raw in lab for lab in labels), raw
    assert "#lt;script#gt;alert(1)#lt;/script#gt;" in labels
    assert "#lt;img src=x onerror=#quot;alert(2)#quot;#gt;" in labels  # the lane
    assert "#lt;!-- c --#gt;" in labels
    # a name's own '#' is coded too, so its "#lt;" stays the text "#lt;"
    assert "R#amp;D #35;lt; #96;x#96; a#124;b" in labels
    assert "Lost" in labels  # an ordinary name is unchanged


def test_an_end_named_by_a_generated_id_reads_end():
    model = _model()
    for text in (to_mermaid(model), to_dot(model)):
        labels = _labels(text)
        assert "End" in labels and not any(END_ID in lab for lab in labels)
