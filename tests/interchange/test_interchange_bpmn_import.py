"""BPMN import: every supported construct becomes the expected model; bad input is named."""

from __future__ import annotations

import re
import warnings

import pytest
from interchange_testkit import TASK_TAGS, bpmn, el, expon, fix, flows, params, write

from sim.engine import run_replication
from sim.errors import ModelError
from sim.model.interchange import BpmnImportWarning, from_prosimos_json, load_bpmn
from sim.model.scenario import Scenario

START = el("startEvent", "s")
END = el("endEvent", "e", "done")


def load(tmp_path, xml, prm, name="m"):
    path = write(tmp_path, name, xml, prm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(path)


def tasks(*ids, seconds=60):
    return {t: fix(seconds) for t in ids}


def test_every_task_type_is_a_step(tmp_path):
    ids = [f"t{k}" for k in range(len(TASK_TAGS))]
    parts = [START, END] + [el(tag, i, f"do {tag}") for tag, i in zip(TASK_TAGS, ids, strict=True)]
    chain = ["s", *ids, "e"]
    xml = bpmn(*parts, flows(*zip(chain, chain[1:], strict=False)))
    m = load(tmp_path, xml, params(tasks(*ids)))
    assert list(m.steps) == [f"do {t}" for t in TASK_TAGS]
    assert m.start == "do task"
    assert m.steps["do task"].next == "do userTask"
    assert m.steps["do businessRuleTask"].next == "done"
    assert m.steps["do task"].provenance == {"bpmn_id": "t0"}
    assert m.steps["do task"].roles == ("staff",)
    assert m.time_unit == "seconds" and m.steps["do task"].duration.params == {"value": 60.0}


def test_exclusive_split_and_merge(tmp_path):
    xml = bpmn(
        START,
        END,
        el("task", "a", "A"),
        el("exclusiveGateway", "x", "ok?"),
        el("task", "b", "B"),
        el("task", "c", "C"),
        el("exclusiveGateway", "mg"),
        el("task", "d", "D"),
        flows(
            ("s", "a"),
            ("a", "x"),
            ("x", "b", "fb"),
            ("x", "c", "fc"),
            ("b", "mg"),
            ("c", "mg"),
            ("mg", "d"),
            ("d", "e"),
        ),
    )
    m = load(
        tmp_path, xml, params(tasks("a", "b", "c", "d"), gateways={"x": {"fb": 0.3, "fc": 0.7}})
    )
    dec = m.decisions["ok?"]
    assert [(b.to, b.probability) for b in dec.branches] == [("B", 0.3), ("C", 0.7)]
    assert m.steps["B"].next == "D" and m.steps["C"].next == "D"  # the merge disappears
    assert dec.provenance == {"bpmn_id": "x"}


def test_parallel_block_and_inclusive_block(tmp_path):
    xml = bpmn(
        START,
        END,
        el("parallelGateway", "ps"),
        el("task", "a", "A"),
        el("task", "b", "B"),
        el("parallelGateway", "pj"),
        el("inclusiveGateway", "os"),
        el("task", "c", "C"),
        el("task", "d", "D"),
        el("inclusiveGateway", "oj"),
        flows(
            ("s", "ps"),
            ("ps", "a"),
            ("ps", "b"),
            ("a", "pj"),
            ("b", "pj"),
            ("pj", "os"),
            ("os", "c", "fc"),
            ("os", "d", "fd"),
            ("c", "oj"),
            ("d", "oj"),
            ("oj", "e"),
        ),
    )
    m = load(
        tmp_path, xml, params(tasks("a", "b", "c", "d"), gateways={"os": {"fc": 0.9, "fd": 0.4}})
    )
    p = m.parallels["ps"]
    assert (p.branches, p.join, p.next, p.probabilities) == (("A", "B"), "pj", "os", None)
    o = m.parallels["os"]
    assert (o.branches, o.join, o.next, o.probabilities) == (("C", "D"), "oj", "done", (0.9, 0.4))


def test_mixed_gateways_and_gateway_chains(tmp_path):
    # an exclusive gateway that merges and splits; a parallel gateway that joins and splits
    # again; a gateway straight into another gateway
    xml = bpmn(
        START,
        END,
        el("task", "a", "A"),
        el("exclusiveGateway", "x", "again?"),
        el("parallelGateway", "p1"),
        el("task", "b", "B"),
        el("task", "c", "C"),
        el("parallelGateway", "p2"),
        el("task", "d", "D"),
        el("task", "f", "F"),
        el("parallelGateway", "p3"),
        flows(
            ("s", "x", "f_in"),
            ("a", "x", "f_back"),
            ("x", "p1", "f_go"),
            ("x", "e", "f_end"),
            ("p1", "b"),
            ("p1", "c"),
            ("b", "p2"),
            ("c", "p2"),
            ("p2", "d"),
            ("p2", "f"),
            ("d", "p3"),
            ("f", "p3"),
            ("p3", "a"),
        ),
    )
    m = load(
        tmp_path,
        xml,
        params(tasks("a", "b", "c", "d", "f"), gateways={"x": {"f_go": 0.75, "f_end": 0.25}}),
    )
    assert m.start == "again?"
    assert m.parallels["p1"].next == "p2"  # the join/split gateway p2: join part + split part
    assert m.parallels["p2"].join == "p3" and m.parallels["p2"].next == "A"
    assert m.parallels["p1"].join == "p2 (join)"
    assert m.steps["A"].next == "again?"


def test_task_with_several_outgoing_flows_is_an_implicit_parallel_split(tmp_path):
    xml = bpmn(
        START,
        END,
        el("task", "a", "A"),
        el("task", "b", "B"),
        el("task", "c", "C"),
        el("parallelGateway", "j"),
        flows(("s", "a"), ("a", "b"), ("a", "c"), ("b", "j"), ("c", "j"), ("j", "e")),
    )
    m = load(tmp_path, xml, params(tasks("a", "b", "c")))
    assert m.steps["A"].next == "A (split)"
    assert m.parallels["A (split)"].branches == ("B", "C")
    assert m.parallels["A (split)"].join == "j"


def test_parallel_branches_into_one_end_get_an_implicit_join(tmp_path):
    xml = bpmn(
        START,
        END,
        el("parallelGateway", "p"),
        el("task", "a", "A"),
        el("task", "b", "B"),
        flows(("s", "p"), ("p", "a"), ("p", "b"), ("a", "e"), ("b", "e")),
    )
    m = load(tmp_path, xml, params(tasks("a", "b")))
    assert m.parallels["p"].join == "p (join)" and m.parallels["p"].next == "done"
    assert m.steps["A"].next == "p (join)"


def test_nested_splits_sharing_one_join(tmp_path):
    xml = bpmn(
        START,
        END,
        el("parallelGateway", "o"),
        el("parallelGateway", "i"),
        el("task", "a", "A"),
        el("task", "b", "B"),
        el("task", "c", "C"),
        el("parallelGateway", "j"),
        flows(
            ("s", "o"),
            ("o", "i"),
            ("o", "c"),
            ("i", "a"),
            ("i", "b"),
            ("a", "j"),
            ("b", "j"),
            ("c", "j"),
            ("j", "e"),
        ),
    )
    m = load(tmp_path, xml, params(tasks("a", "b", "c")))
    assert m.parallels["i"].join == "i (join)" and m.parallels["i"].next == "j"
    assert m.parallels["o"].join == "j" and set(m.parallels["o"].branches) == {"i", "C"}


def test_sub_processes_are_flattened(tmp_path):
    inner = (
        el("startEvent", "ss")
        + el("task", "st", "Inner task")
        + el(
            "subProcess",
            "deep",
            "Deeper",
            el("startEvent", "ds")
            + el("task", "dt", "Deepest")
            + el("endEvent", "de")
            + flows(("ds", "dt"), ("dt", "de")),
        )
        + el("endEvent", "se")
        + flows(("ss", "st"), ("st", "deep"), ("deep", "se"))
    )
    xml = bpmn(
        START,
        END,
        el("subProcess", "sp", "Sub", inner),
        el("task", "after", "After"),
        flows(("s", "sp"), ("sp", "after"), ("after", "e")),
    )
    m = load(tmp_path, xml, params(tasks("st", "dt", "after")))
    assert m.start == "Inner task"
    assert m.steps["Inner task"].next == "Deepest"
    assert m.steps["Deepest"].next == "After"


def test_timers_are_delays(tmp_path):
    timer = "<timerEventDefinition><timeDuration>PT1H30M</timeDuration></timerEventDefinition>"
    xml = bpmn(
        START,
        END,
        el("task", "a", "A"),
        el("intermediateCatchEvent", "w", "wait", timer),
        el("intermediateCatchEvent", "m", "message", "<messageEventDefinition/>"),
        el("intermediateThrowEvent", "thr", "notify", "<messageEventDefinition/>"),
        flows(("s", "a"), ("a", "w"), ("w", "m"), ("m", "thr"), ("thr", "e")),
    )
    m = load(tmp_path, xml, params(tasks("a"), events={"m": expon(600, 0, 60000)}))
    assert m.steps["wait"].roles == () and m.steps["wait"].duration.params == {"value": 5400.0}
    assert m.steps["message"].roles == () and m.steps["message"].duration.name == "exponential"
    assert m.steps["message"].next == "done"  # the throw event passes through


def test_event_distribution_overrides_a_timer_duration(tmp_path):
    timer = "<timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>"
    xml = bpmn(
        START, END, el("intermediateCatchEvent", "w", "wait", timer), flows(("s", "w"), ("w", "e"))
    )
    m = load(tmp_path, xml, params({}, events={"w": fix(10)}))
    assert m.steps["wait"].duration.params == {"value": 10.0}


def test_end_event_outcomes(tmp_path):
    names = [
        "Loan approved",
        "Application rejected",
        "Cancelled by customer",
        "Payment failed",
        "Error",
    ]
    ends = [
        el("endEvent", f"e{k}", n, "<errorEventDefinition/>" if k >= 3 else "")
        for k, n in enumerate(names)
    ]
    xml = bpmn(
        START,
        el("task", "t", "T"),
        el("exclusiveGateway", "x"),
        *ends,
        flows(("s", "t"), ("t", "x"), *[("x", f"e{k}", f"f{k}") for k in range(5)]),
    )
    m = load(tmp_path, xml, params(tasks("t"), gateways={"x": {f"f{k}": 0.2 for k in range(5)}}))
    assert {e.outcome: e.success for e in m.ends.values()} == {
        "Loan approved": True,
        "Application rejected": False,
        "Cancelled by customer": False,
        "Payment failed": False,
        "Error": False,  # an error end event
    }


def test_lanes_become_roles_only_without_resource_profiles(tmp_path):
    xml = bpmn(
        START,
        END,
        el("task", "a", "A"),
        el("task", "b", "B"),
        flows(("s", "a"), ("a", "b"), ("b", "e")),
        lanes={"Clerk": ["a", "s"], "Manager": ["b", "e"]},
    )
    with_pools = params(tasks("a", "b"), pools={"Clerk pool": 2, "Boss": 1}, pool_of={"b": "Boss"})
    m = load(tmp_path, xml, with_pools)
    assert m.steps["A"].roles == ("Clerk pool",) and m.steps["B"].roles == ("Boss",)
    no_pools = params(tasks("a", "b"))
    no_pools["resource_profiles"] = []
    for t in no_pools["task_resource_distribution"]:
        t["resources"][0]["resource_id"] = "anyone"
    path = write(tmp_path, "lanes", xml, no_pools)
    with pytest.warns(BpmnImportWarning, match="lanes"):
        m2 = load_bpmn(path)
    assert m2.steps["A"].roles == ("Clerk",) and m2.steps["B"].roles == ("Manager",)
    assert m2.roles["Clerk"].headcount == 1


def test_roles_from_shared_resources_and_calendars(tmp_path):
    xml = bpmn(
        START,
        END,
        el("task", "a", "A"),
        el("task", "b", "B"),
        flows(("s", "a"), ("a", "b"), ("b", "e")),
    )
    prm = params(
        {"a": [("p1_r", fix(60)), ("p2_r", fix(120))], "b": [("p2_r", fix(30))]},
        pools={"p1": 2, "p2": 3},
    )
    prm["resource_calendars"].append(
        {
            "id": "office",
            "name": "office",
            "time_periods": [
                {"from": "MONDAY", "to": "FRIDAY", "beginTime": "09:00", "endTime": "17:00"}
            ],
        }
    )
    prm["resource_profiles"][1]["resource_list"][0]["calendar"] = "office"
    prm["resource_profiles"][1]["resource_list"][0]["cost_per_hour"] = 40
    path = write(tmp_path, "shared", xml, prm)
    with pytest.warns(BpmnImportWarning) as rec:
        m = load_bpmn(path)
    role = m.roles["pool_1"]
    assert role.headcount == 5 and role.calendar == "office"  # 3 of 5 people work "office"
    assert role.hourly_cost == pytest.approx((2 * 10 + 3 * 40) / 5)
    assert role.members == ("p1_0", "p1_1", "p2_0", "p2_1", "p2_2")
    assert m.steps["A"].duration.name == "empirical"  # two resources, different durations
    assert m.steps["A"].duration.mean() == pytest.approx(90)
    text = " ".join(str(w.message) for w in rec)
    assert "other calendars" in text and "can be done by 3 of the 5 people" in text


def test_arrival_calendar_and_distribution(tmp_path):
    xml = bpmn(START, END, el("task", "a", "A"), flows(("s", "a"), ("a", "e")))
    office = [{"from": "MONDAY", "to": "FRIDAY", "beginTime": "09:00:00", "endTime": "17:00:00"}]
    m = load(tmp_path, xml, params(tasks("a"), arrival=fix(900), arrival_calendar=office))
    # 15 minutes while open = 15 * 168/40 minutes of operational time (see arrival_profile)
    assert m.arrivals.interarrival.params == {"value": pytest.approx(900.0 * 168 / 40)}
    assert m.arrivals.profile.rate_at(10) == pytest.approx(168 / 40)
    assert m.arrivals.profile.rate_at(18) == 0
    # a week: 8 open hours / 15 minutes = 32 arrivals a weekday (Prosimos: 33, its first one
    # exactly at the opening), none at night or at the weekend
    tr = run_replication(m, Scenario(warmup_days=0, horizon_days=7, replications=1), seed=0)
    assert 159 <= tr.n_cases <= 160
    assert tr.case_arrival[0] == pytest.approx(9.25)
    hour = tr.case_arrival % 24
    assert ((hour >= 9) & (hour <= 17 + 1e-9)).all() and (tr.case_arrival < 5 * 24).all()


def test_loop_markers_and_conditions_are_reported_not_dropped(tmp_path):
    xml = bpmn(
        START,
        END,
        el("task", "a", "A", "<standardLoopCharacteristics/>"),
        el("exclusiveGateway", "x"),
        el("task", "b", "B"),
        flows(("s", "a"), ("a", "x"), ("x", "b", "fb"), ("b", "e")),
        '<sequenceFlow id="fe" sourceRef="x" targetRef="e"><conditionExpression>amount &gt; 5</conditionExpression></sequenceFlow>',
    )
    path = write(
        tmp_path, "m", xml, params(tasks("a", "b"), gateways={"x": {"fb": 0.5, "fe": 0.5}})
    )
    with pytest.warns(BpmnImportWarning) as rec:
        load_bpmn(path)
    text = " ".join(str(w.message) for w in rec)
    assert "['a'] have loop markers" in text and "['fe'] are not evaluated" in text


def test_from_prosimos_json_takes_a_mapping(tmp_path):
    xml = bpmn(START, END, el("task", "a", "A"), flows(("s", "a"), ("a", "e")))
    path = write(tmp_path, "m", xml, None)
    m = from_prosimos_json(params(tasks("a")), bpmn_path=path)
    assert list(m.steps) == ["A"]


# ---------------------------------------------------------------------------------- errors
def err(tmp_path, xml, prm, match, name="bad"):
    path = write(tmp_path, name, xml, prm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        with pytest.raises(ModelError, match=match) as exc:
            load_bpmn(path)
    assert str(path) in str(exc.value) or f"{name}.json" in str(exc.value)
    return str(exc.value)


def test_malformed_xml_names_the_line(tmp_path):
    xml = bpmn(START, END, flows(("s", "e"))).replace("<endEvent", "<endEvent <", 1)
    msg = err(tmp_path, xml, params({}), "malformed XML at line")
    assert re.search(r"line \d+, column \d+", msg)


DTD_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">&lol2;</process></definitions>'
)

X_SPLIT = bpmn(
    START,
    END,
    el("exclusiveGateway", "x"),
    el("task", "a", "A"),
    flows(("s", "x"), ("x", "a", "fa"), ("x", "e", "fe"), ("a", "e")),
)

# (BPMN, parameters, the error message it must raise), one case a way a model can be wrong
BAD_MODELS = [
    pytest.param(
        DTD_BOMB, params({}), "refused to read XML with DTDs", id="entities_and_dtds_are_refused"
    ),
    pytest.param(
        bpmn(START, END, el("task", "a", "A"), flows(("s", "a"), ("a", "ghost", "f9"), ("a", "e"))),
        params(tasks("a")),
        "sequence flow 'f9' has targetRef 'ghost'",
        id="flow_to_a_missing_element",
    ),
    pytest.param(
        X_SPLIT,
        params(tasks("a")),
        "exclusive gateway 'x' has no branching probabilities",
        id="exclusive_gateway_without_probabilities",
    ),
    pytest.param(
        X_SPLIT,
        params(tasks("a"), gateways={"x": {"fa": 0.5, "fe": 0.6}}),
        "'x' sum to 1.1",
        id="probabilities_that_do_not_sum_to_one",
    ),
    pytest.param(
        X_SPLIT,
        params(tasks("a"), gateways={"x": {"fa": 0.5, "nope": 0.5}}),
        "path 'nope' is not an outgoing flow",
        id="probability_for_a_flow_that_is_not_outgoing",
    ),
    pytest.param(
        bpmn(
            START,
            END,
            el("task", "a", "A"),
            el("task", "b", "B"),
            flows(("s", "a"), ("a", "b"), ("b", "e")),
        ),
        params(tasks("a")),
        "task 'b' \\(B\\) has no durations",
        id="task_without_durations",
    ),
    pytest.param(
        bpmn(START, END, el("task", "a", "A"), flows(("s", "a"), ("a", "e"))),
        params({"a": [("ghost", fix(1))]}),
        "resource 'ghost' is not in resource_profiles",
        id="task_resource_not_in_profiles",
    ),
    pytest.param(
        bpmn(
            START,
            END,
            el("task", "a", "A"),
            el("boundaryEvent", "b1", "", "<timerEventDefinition/>", attachedToRef="a"),
            flows(("s", "a"), ("a", "e"), ("b1", "e")),
        ),
        params(tasks("a")),
        "element 'b1' \\(boundaryEvent\\)",
        id="boundary_events_are_named",
    ),
    pytest.param(
        bpmn(
            START,
            END,
            el("intermediateCatchEvent", "w", "wait", "<timerEventDefinition/>"),
            flows(("s", "w"), ("w", "e")),
        ),
        params({}),
        "event 'w' \\(timerEventDefinition\\) has no duration",
        id="timer_without_a_duration",
    ),
    pytest.param(
        bpmn(
            START,
            END,
            el("endEvent", "e2", "other end"),
            el("parallelGateway", "p"),
            el("task", "a", "A"),
            el("task", "b", "B"),
            flows(("s", "p"), ("p", "a"), ("p", "b"), ("a", "e"), ("b", "e2")),
        ),
        params(tasks("a", "b")),
        "branches of parallel split 'p' end at different end events",
        id="parallel_branches_ending_apart",
    ),
    pytest.param(
        bpmn(
            START,
            END,
            el("parallelGateway", "p"),
            el("task", "a", "A"),
            el("task", "b", "B"),
            el("exclusiveGateway", "m"),
            el("task", "c", "C"),
            flows(
                ("s", "p"), ("p", "a"), ("p", "b"), ("a", "m"), ("b", "m"), ("m", "c"), ("c", "e")
            ),
        ),
        params(tasks("a", "b", "c")),
        "first meet at 'm' \\(exclusiveGateway\\)",
        id="parallel_branches_merging_without_a_join",
    ),
    pytest.param(
        bpmn(
            START,
            END,
            el("inclusiveGateway", "o"),
            el("task", "a", "A"),
            el("task", "b", "B"),
            el("parallelGateway", "j"),
            flows(
                ("s", "o"), ("o", "a", "fa"), ("o", "b", "fb"), ("a", "j"), ("b", "j"), ("j", "e")
            ),
        ),
        params(tasks("a", "b"), gateways={"o": {"fa": 0.5, "fb": 0.5}}),
        "use an inclusive join",
        id="inclusive_split_needs_an_inclusive_join",
    ),
    pytest.param(
        bpmn(
            START,
            END,
            el("exclusiveGateway", "m"),
            el("parallelGateway", "p"),
            el("task", "a", "A"),
            el("task", "b", "B"),
            el("exclusiveGateway", "x"),
            el("parallelGateway", "j"),
            flows(
                ("s", "m"),
                ("m", "p"),
                ("p", "a"),
                ("p", "b"),
                ("a", "x"),
                ("x", "m", "fback"),
                ("x", "j", "fj"),
                ("b", "j"),
                ("j", "e"),
            ),
        ),
        params(tasks("a", "b"), gateways={"x": {"fback": 0.1, "fj": 0.9}}),
        "parallel split 'p'|loops back",
        id="loop_back_into_a_parallel_split",
    ),
    pytest.param(
        bpmn(START, el("startEvent", "s2"), END, flows(("s", "e"), ("s2", "e"))),
        params({}),
        "exactly one start event",
        id="two_start_events",
    ),
    pytest.param(
        bpmn(
            START,
            END,
            el("task", "a", "A"),
            el("task", "b", "B"),
            flows(("s", "a"), ("a", "e"), ("a", "b")),
        ),
        params(tasks("a", "b")),
        "element 'b' \\(task\\) has no outgoing flow",
        id="dead_end",
    ),
    pytest.param("<html><body/></html>", params({}), "not a BPMN 2.0 file", id="not_a_bpmn_file"),
]


@pytest.mark.parametrize(("xml", "prm", "match"), BAD_MODELS)
def test_bad_models_are_named(tmp_path, xml, prm, match):
    err(tmp_path, xml, prm, match)


def test_resource_without_a_calendar(tmp_path):
    xml = bpmn(START, END, el("task", "a", "A"), flows(("s", "a"), ("a", "e")))
    prm = params(tasks("a"))
    del prm["resource_profiles"][0]["resource_list"][0]["calendar"]
    err(tmp_path, xml, prm, "resource 'staff_r' has no calendar")
    prm["resource_profiles"][0]["resource_list"][0]["calendar"] = "nights"
    err(
        tmp_path,
        xml,
        prm,
        "resource 'staff_r' has calendar 'nights', which is not in resource_calendars",
    )


@pytest.mark.parametrize(
    ("part", "match"),
    [
        (el("callActivity", "a", "A"), "element 'a' \\(callActivity\\)"),
        (el("eventBasedGateway", "a"), "element 'a' \\(eventBasedGateway\\)"),
        (
            el("task", "a", "A", "<multiInstanceLoopCharacteristics/>"),
            "element 'a' \\(task\\): multi-instance",
        ),
        (
            el("subProcess", "a", "A", "", triggeredByEvent="true"),
            "element 'a': event sub-processes",
        ),
        (
            el("intermediateCatchEvent", "a", "A", "<linkEventDefinition/>"),
            "element 'a': link events",
        ),
        (
            el(
                "intermediateCatchEvent",
                "a",
                "A",
                "<timerEventDefinition><timeDate>2026-01-01</timeDate></timerEventDefinition>",
            ),
            "timeDate",
        ),
        (el("complexGateway", "a"), "element 'a' \\(complexGateway\\)"),
        (el("chimeraTask", "a"), "element 'a' \\(chimeraTask\\) is not supported"),
    ],
)
def test_unsupported_elements_are_named(tmp_path, part, match):
    xml = bpmn(START, END, part, flows(("s", "a"), ("a", "e")))
    err(tmp_path, xml, params(tasks("a")), match)


def test_every_element_that_cannot_be_simulated_is_named_at_once(tmp_path):
    """QA 9d: a BPMN file with a multi-instance task and an event-based gateway named the task
    alone; the gateway came one run (one redrawing) later. Both come together, each with what
    to draw instead, and without the follow-on 'flow to an unsupported element'."""
    xml = bpmn(
        START,
        END,
        el("task", "a", "A", "<multiInstanceLoopCharacteristics/>"),
        el("eventBasedGateway", "g"),
        el("boundaryEvent", "b1", "", "<timerEventDefinition/>", attachedToRef="a"),
        flows(("s", "a"), ("a", "g"), ("g", "e"), ("b1", "e")),
    )
    with pytest.raises(ModelError) as caught:
        load_bpmn(write(tmp_path, "m", xml, params(tasks("a"))))
    text = str(caught.value)
    assert text.startswith(f"{tmp_path / 'm.bpmn'}: 3 elements cannot be simulated:\n  - ")
    assert "element 'a' (task): multi-instance tasks are not supported" in text
    assert "element 'g' (eventBasedGateway): an event-based gateway" in text
    assert "use an exclusive gateway with probabilities" in text
    assert "element 'b1' (boundaryEvent): a boundary event" in text
    assert "draw its path as an exclusive gateway after the task" in text
    assert "sequence flow" not in text


def test_missing_files(tmp_path):
    with pytest.raises(ModelError, match="simulation parameters are needed"):
        load_bpmn(write(tmp_path, "alone", bpmn(START, END, flows(("s", "e"))), None))
    with pytest.raises(ModelError, match="no such BPMN file"):
        load_bpmn(tmp_path / "nothing.bpmn", params_path=tmp_path / "x.json")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda p: p.update(batch_processing=[{"task_id": "a"}]), "batch_processing"),
        (lambda p: p.update(prioritisation_rules=[{"x": 1}]), "prioritisation_rules"),
        (lambda p: p.update(model_type="FUZZY"), "FUZZY"),
        (lambda p: p.pop("arrival_time_distribution"), "missing 'arrival_time_distribution'"),
        (lambda p: p.update(task_resource_distribution={"a": {}}), "must be a list"),
    ],
)
def test_unsupported_parameters_are_named(tmp_path, change, match):
    xml = bpmn(START, END, el("task", "a", "A"), flows(("s", "a"), ("a", "e")))
    prm = params(tasks("a"))
    change(prm)
    err(tmp_path, xml, prm, match)


# --------------------------------------------------------------------------------- a big one
def big_model(n_tasks: int) -> tuple[str, dict]:
    """A chain of ``n_tasks`` tasks with an exclusive rework loop and a parallel pair every 10."""
    parts = [START, END]
    fl: list[tuple[str, str] | tuple[str, str, str]] = []
    prev = "s"
    gates: dict[str, dict[str, float]] = {}
    k = 0
    while k < n_tasks:
        if k % 10 == 0 and k + 2 <= n_tasks:
            p, j, a, b = f"p{k}", f"j{k}", f"t{k}", f"t{k + 1}"
            parts += [
                el("parallelGateway", p),
                el("parallelGateway", j),
                el("userTask", a, f"Task {k}"),
                el("userTask", b, f"Task {k + 1}"),
            ]
            fl += [(prev, p), (p, a), (p, b), (a, j), (b, j)]
            prev = j
            k += 2
            continue
        t = f"t{k}"
        parts.append(el("task", t, f"Task {k}"))
        fl.append((prev, t))
        if k % 10 == 5:
            x, mg = f"x{k}", f"m{k}"
            parts += [el("exclusiveGateway", mg), el("exclusiveGateway", x)]
            fl[-1] = (prev, mg)
            fl += [(mg, t), (t, x), (x, mg, f"back{k}")]
            gates[x] = {f"back{k}": 0.1, f"fwd{k}": 0.9}
            prev = x
            nxt_flow = f"fwd{k}"
            k += 1
            t2 = f"t{k}" if k < n_tasks else "e"
            if k < n_tasks:
                parts.append(el("task", t2, f"Task {k}"))
            fl.append((x, t2, nxt_flow))
            prev = t2
            k += 1
            continue
        prev = t
        k += 1
    fl.append((prev, "e"))
    ids = [f"t{i}" for i in range(n_tasks)]
    return bpmn(*parts, flows(*fl)), params(
        {t: expon(90, 30, 3600) for t in ids}, gateways=gates, pools={"staff": 20}
    )


def test_a_300_task_model_imports(tmp_path):
    xml, prm = big_model(300)
    m = load(tmp_path, xml, prm, name="big")  # its time: experiments/prosimos_crosscheck/README.md
    assert len(m.steps) == 300 and len(m.parallels) == 30 and len(m.decisions) == 30
