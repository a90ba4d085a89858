"""Step and lane names too long for their box keep both ends, and every step box of a map reads
differently (QA plots18 #1: "Escalate unresolved complaint to manager A" and "... B" both read
"Escalate / unresolved / complaint to…"; a lane tall enough for five lines cut "Customer
Complaints Escalation De… (2)")."""

from __future__ import annotations

from sim.model import from_dict
from sim.report import draw_process_map
from sim.report.layout import (
    LANE_LINE_H,
    LANE_WRAP,
    STEP_WRAP,
    layout_process,
    text_width,
    wrap,
)

SAME_START = (
    "Escalate unresolved complaint to manager A",
    "Escalate unresolved complaint to manager B",
)
# differ only in the middle: shortened in the middle, they would still read alike
SAME_ENDS = (
    "Check the customer identity papers of file type A against the national register",
    "Check the customer identity papers of file type B against the national register",
)
DESK = "Customer Complaints Escalation Desk"


def _chain(steps, role=DESK, headcount=2):
    names = list(steps)
    return from_dict(
        {
            "name": "same_prefix",
            "start": names[0],
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {role: {"headcount": headcount}},
            "steps": {
                s: {
                    "role": role,
                    "duration": {"dist": "exponential", "mean": 0.5},
                    "next": names[k + 1] if k + 1 < len(names) else "done",
                }
                for k, s in enumerate(names)
            },
            "ends": {"done": {"success": True}},
        }
    )


def test_a_long_name_keeps_its_end():
    lines = wrap(SAME_START[0], STEP_WRAP, keep_end=True)
    assert len(lines) == 3 and all(text_width(x) <= STEP_WRAP for x in lines)
    assert lines[0] == "Escalate" and lines[-1].endswith("manager A"), lines
    assert "…" in "".join(lines)  # says that words are left out
    # a last word longer than a line keeps its end after an ellipsis
    lines = wrap("Donaudampfschifffahrtsgesellschaftskapitänsmützenprüfung", 18, keep_end=True)
    assert lines[-1].startswith("…") and lines[-1].endswith("prüfung"), lines
    assert all(text_width(x) <= 18 for x in lines)
    # a name that fits is wrapped as before
    assert wrap("Lead identification", 18, keep_end=True) == wrap("Lead identification", 18)


def test_steps_that_differ_only_at_the_end_read_differently_on_the_map():
    layout = layout_process(_chain(SAME_START))
    a, b = (layout.boxes[s].label for s in SAME_START)
    assert a != b, a
    assert a[-1].endswith("manager A") and b[-1].endswith("manager B"), (a, b)
    fig = draw_process_map(_chain(SAME_START))
    shown = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert "\n".join(a) in shown and "\n".join(b) in shown


def test_steps_that_differ_only_in_the_middle_show_their_whole_names():
    layout = layout_process(_chain(SAME_ENDS))
    labels = [layout.boxes[s].label for s in SAME_ENDS]
    assert labels[0] != labels[1]
    for name, label in zip(SAME_ENDS, labels, strict=True):
        assert " ".join(label).replace("- ", "-") == name and "…" not in "".join(label)
        box = layout.boxes[name]
        assert box.shape_h >= 0.26 + 0.15 * len(label)  # the box grows with its lines


def test_every_step_box_of_a_thirty_step_map_reads_differently():
    # thirty_long of QA plots18: eight names, each repeated with its number at the end
    stems = [
        "Verify customer creditworthiness and",
        "Prepare detailed underwriting assessment",
        "Escalate unresolved complaint to manager",
        "Archive signed contract in records system",
    ]
    names = [f"{stems[k % len(stems)]} {k:02d}" for k in range(12)]
    layout = layout_process(_chain(names))
    labels = [layout.boxes[s].label for s in names]
    assert len(set(labels)) == len(names), labels
    for name, label in zip(names, labels, strict=True):
        assert label[-1].endswith(name[-2:]), label


def test_a_lane_name_is_cut_only_when_its_lane_lacks_room():
    layout = layout_process(_chain(SAME_START))
    (lane,) = [ln for ln in layout.lanes if ln.name == DESK]
    lines = lane.label.split("\n")
    assert "…" not in lane.label and " ".join(lines) == f"{DESK} (2)", lines
    assert all(text_width(x) <= LANE_WRAP for x in lines)
    assert len(lines) * LANE_LINE_H <= lane.bottom - lane.top


def test_a_lane_name_too_long_for_its_lane_keeps_its_end_and_headcount():
    role = (
        "Regional Credit Risk Committee for Small and Medium Enterprises of the Northern "
        "Islands and Coastal Administrative Districts of the Kingdom Region B"
    )
    layout = layout_process(_chain(SAME_START[:1], role=role, headcount=3))
    (lane,) = [ln for ln in layout.lanes if ln.name == role]
    lines = lane.label.split("\n")
    assert "…" in lane.label and lines[-1].endswith("(3)"), lines
    assert "Region B" in lane.label.replace("\n", " "), lines  # the end that tells it apart
    assert len(lines) * LANE_LINE_H <= lane.bottom - lane.top
    assert all(text_width(x) <= LANE_WRAP for x in lines)
